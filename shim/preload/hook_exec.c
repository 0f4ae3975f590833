/*
 * The exec family and posix_spawn: a program the library cannot reach is
 * handed to the supervisor (the launcher runs it with --supervise), or
 * refused with EPERM when it cannot be; otherwise run with the library kept
 * in LD_PRELOAD.
 */
#define _GNU_SOURCE
#include "exec_guard.h"
#include "export.h"
#include "hook_exec.h"
#include "real.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

typedef int (*execve_t)(const char *, char *const[], char *const[]);
typedef int (*execveat_t)(int, const char *, char *const[], char *const[], int);
typedef int (*fexecve_t)(int, char *const[], char *const[]);
typedef int (*execvpe_t)(const char *, char *const[], char *const[]);
typedef int (*posix_spawn_t)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			     const posix_spawnattr_t *, char *const[], char *const[]);

/* One exec or spawn, as a hook received it. */
struct exec_req {
	enum { CALL_EXECVE, CALL_EXECVPE, CALL_EXECVEAT, CALL_FEXECVE, CALL_SPAWN, CALL_SPAWNP } call;
	const char *file;	/* the path, or the name execvpe and posix_spawnp look up */
	int fd;			/* execveat's dirfd, fexecve's fd */
	int flags;		/* execveat's */
	pid_t *pid;		/* posix_spawn's */
	const posix_spawn_file_actions_t *actions;
	const posix_spawnattr_t *attr;
	char *const *argv;
};

/* The file a path-taking call runs: path itself, or what the descriptor names or holds. */
static const char *judged_path(const struct exec_req *r, char *buf, size_t cap)
{
	const char *path = r->file;

	if (r->call == CALL_FEXECVE || (r->call == CALL_EXECVEAT && (r->flags & AT_EMPTY_PATH) &&
					path && !path[0]))
		snprintf(buf, cap, "/proc/self/fd/%d", r->fd);
	else if (r->call == CALL_EXECVEAT && path && path[0] != '/' && r->fd != AT_FDCWD)
		snprintf(buf, cap, "/proc/self/fd/%d/%s", r->fd, path);
	else
		return path;
	return buf;
}

/* The next definition of the call; file is what to run (a search's result). */
static int run_real(const struct exec_req *r, const char *file, char *const env[])
{
	switch (r->call) {
	case CALL_EXECVE: {
		REAL(execve_t, execve);
		return fn ? fn(file, r->argv, env) : (errno = ENOSYS, -1);
	}
	case CALL_EXECVPE: {
		REAL(execvpe_t, execvpe);
		return fn ? fn(file, r->argv, env) : (errno = ENOSYS, -1);
	}
	case CALL_EXECVEAT: {
		REAL(execveat_t, execveat);
		return fn ? fn(r->fd, file, r->argv, env, r->flags) : (errno = ENOSYS, -1);
	}
	case CALL_FEXECVE: {
		REAL(fexecve_t, fexecve);
		return fn ? fn(r->fd, r->argv, env) : (errno = ENOSYS, -1);
	}
	case CALL_SPAWN: {
		REAL(posix_spawn_t, posix_spawn);
		return fn ? fn(r->pid, file, r->actions, r->attr, r->argv, env) : ENOSYS;
	}
	case CALL_SPAWNP: {
		REAL(posix_spawn_t, posix_spawnp);
		return fn ? fn(r->pid, file, r->actions, r->attr, r->argv, env) : ENOSYS;
	}
	}
	errno = ENOSYS;
	return -1;
}

/* Whether the call names a file another program could run (not a descriptor). */
static bool names_a_path(const struct exec_req *r)
{
	if (r->call == CALL_FEXECVE)
		return false;
	if (r->call == CALL_EXECVEAT)
		return r->file && r->file[0] &&
		       (r->file[0] == '/' || (r->fd == AT_FDCWD && !(r->flags & AT_EMPTY_PATH)));
	return true;
}

/* The launcher's options that keep the chain's verbosity, as SOCKS_CHAIN_VERBOSE says it. */
static const char *verbosity_option(void)
{
	const char *level = getenv("SOCKS_CHAIN_VERBOSE");

	if (!level || !level[0] || level[1])
		return NULL;
	return level[0] == '0' ? "-q" : level[0] == '2' ? "-v" : level[0] == '3' ? "-vv" : NULL;
}

/*
 * The program's exec turned into "LAUNCHER [-v] --supervise -- FILE ARGS...":
 * the same call, another file. A bare name is made a path (execve runs the
 * file in the current directory; the launcher would search PATH for it).
 */
static int hand_over(const struct exec_req *r, const char *file, char *const env[])
{
	const char *launcher = exec_launcher(), *verbose = verbosity_option();
	char here[PATH_MAX + 3];
	size_t n = 0, i = 0;
	struct exec_req to = *r;

	while (r->argv && r->argv[n])
		n++;
	if (!strchr(file, '/') && (size_t)snprintf(here, sizeof(here), "./%s", file) < sizeof(here))
		file = here;
	char *argv[n + 6];	/* launcher, -v, --supervise, --, file, NULL */

	argv[i++] = (char *)launcher;
	if (verbose)
		argv[i++] = (char *)verbose;
	argv[i++] = "--supervise";
	argv[i++] = "--";
	argv[i++] = (char *)file;
	for (size_t a = 1; a < n; a++)
		argv[i++] = r->argv[a];
	argv[i] = NULL;
	to.argv = argv;
	if (to.call == CALL_EXECVEAT)
		to.fd = AT_FDCWD;
	return run_real(&to, launcher, env);
}

/*
 * Every hook's one way: the program passes the guard (or is handed to the
 * supervisor), the environment it gets keeps the library, then the real
 * call. What the real call returns, or -1 with errno (EPERM, ENOMEM: never
 * run it without the library).
 */
static int guarded(const struct exec_req *r, char *const envp[])
{
	char buf[PATH_MAX];
	const char *file = r->file;
	enum exec_verdict v = EXEC_RUN;
	struct exec_env e;
	int rc;

	if (r->call == CALL_EXECVPE || r->call == CALL_SPAWNP) {
		if (r->file && !(file = exec_guard_search(r->file, buf, sizeof(buf), "exec", &v)))
			return -1;
	} else {
		v = exec_guard(judged_path(r, buf, sizeof(buf)), "exec", names_a_path(r));
		if (v == EXEC_REFUSE)
			return -1;
	}
	if ((v == EXEC_RUN_BARE ? exec_env_bare(&e, envp) : exec_env_make(&e, envp)) < 0) {
		errno = ENOMEM;
		return -1;
	}
	rc = v == EXEC_HAND_OVER ? hand_over(r, file, e.env) : run_real(r, file, e.env);
	exec_env_free(&e);
	return rc;
}

/* posix_spawn reports errors as its return value, not in errno. */
static int guarded_spawn(const struct exec_req *r, char *const envp[])
{
	int saved = errno, rc = guarded(r, envp);

	if (rc < 0) {
		rc = errno;
		errno = saved;
	}
	return rc;
}

int shim_execve(const char *path, char *const argv[], char *const envp[])
{
	return guarded(&(struct exec_req){ .call = CALL_EXECVE, .file = path, .argv = argv }, envp);
}

int shim_execvpe(const char *file, char *const argv[], char *const envp[])
{
	return guarded(&(struct exec_req){ .call = CALL_EXECVPE, .file = file, .argv = argv }, envp);
}

int shim_execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
		  int flags)
{
	return guarded(&(struct exec_req){ .call = CALL_EXECVEAT, .file = path, .fd = dirfd,
					   .flags = flags, .argv = argv }, envp);
}

SHIM_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return shim_execve(path, argv, envp);
}

SHIM_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
			 int flags)
{
	return shim_execveat(dirfd, path, argv, envp, flags);
}

SHIM_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	return guarded(&(struct exec_req){ .call = CALL_FEXECVE, .fd = fd, .argv = argv }, envp);
}

SHIM_EXPORT int execv(const char *path, char *const argv[])
{
	return shim_execve(path, argv, environ);
}

SHIM_EXPORT int execvp(const char *file, char *const argv[])
{
	return shim_execvpe(file, argv, environ);
}

SHIM_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return shim_execvpe(file, argv, envp);
}

/*
 * The execl* family passes argv as variadic arguments, ending in NULL (and
 * execle then envp): gathered into an array on the stack, as libc does.
 */
#define GATHER_ARGS(argv, first, ap)                                   \
	size_t argc_ = 1;                                              \
	va_list count_;                                                \
	va_copy(count_, ap);                                           \
	while (va_arg(count_, char *))                                 \
		argc_++;                                               \
	va_end(count_);                                                \
	char *argv[argc_ + 1];                                         \
	argv[0] = (char *)(first);                                     \
	for (size_t i_ = 1; i_ <= argc_; i_++)                         \
		argv[i_] = va_arg(ap, char *)

SHIM_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	GATHER_ARGS(argv, arg, ap);
	va_end(ap);
	return shim_execve(path, argv, environ);
}

SHIM_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	GATHER_ARGS(argv, arg, ap);
	va_end(ap);
	return shim_execvpe(file, argv, environ);
}

SHIM_EXPORT int execle(const char *path, const char *arg, ...)
{
	char *const *envp;
	va_list ap;

	va_start(ap, arg);
	GATHER_ARGS(argv, arg, ap);
	envp = va_arg(ap, char *const *);
	va_end(ap);
	return shim_execve(path, argv, envp);
}

SHIM_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
			    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return guarded_spawn(&(struct exec_req){ .call = CALL_SPAWN, .file = path, .pid = pid,
						 .actions = actions, .attr = attr, .argv = argv },
			     envp);
}

SHIM_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
			     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return guarded_spawn(&(struct exec_req){ .call = CALL_SPAWNP, .file = file, .pid = pid,
						 .actions = actions, .attr = attr, .argv = argv },
			     envp);
}
