/*
 * The exec family and posix_spawn: refused, with EPERM, for a program the
 * library cannot reach; otherwise run with the library kept in LD_PRELOAD.
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
#include <stdio.h>
#include <stdlib.h>
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

/*
 * Every hook's one way: the program passes the guard, the environment it
 * gets keeps the library, then the real call. What the real call returns,
 * or -1 with errno (EPERM, ENOMEM: never run it without the library).
 */
static int guarded(const struct exec_req *r, char *const envp[])
{
	char buf[PATH_MAX];
	const char *file = r->file;
	struct exec_env e;
	int rc;

	if (r->call == CALL_EXECVPE || r->call == CALL_SPAWNP) {
		if (r->file && !(file = exec_guard_search(r->file, buf, sizeof(buf), "exec")))
			return -1;
	} else if (exec_guard(judged_path(r, buf, sizeof(buf)), "exec") < 0) {
		return -1;
	}
	if (exec_env_make(&e, envp) < 0) {
		errno = ENOMEM;
		return -1;
	}
	rc = run_real(r, file, e.env);
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
