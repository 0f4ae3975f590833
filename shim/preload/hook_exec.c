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

typedef int (*guard_fn)(const char *, const char *);

/*
 * Before any exec: the program passes the guard, and the environment it gets
 * keeps the library. 0, or -1 with errno (EPERM, ENOMEM: never run it
 * without the library).
 */
static int prepare(guard_fn guard, const char *what, char *const envp[], struct exec_env *e)
{
	if (guard(what, "exec") < 0)
		return -1;
	if (exec_env_make(e, envp) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int shim_execve(const char *path, char *const argv[], char *const envp[])
{
	REAL(execve_t, execve);
	struct exec_env e;
	int rc;

	if (!fn || prepare(exec_guard, path, envp, &e) < 0)
		return -1;
	rc = fn(path, argv, e.env);
	exec_env_free(&e);
	return rc;
}

int shim_execvpe(const char *file, char *const argv[], char *const envp[])
{
	REAL(execvpe_t, execvpe);
	struct exec_env e;
	int rc;

	if (!fn || prepare(exec_guard_search, file, envp, &e) < 0)
		return -1;
	rc = fn(file, argv, e.env);
	exec_env_free(&e);
	return rc;
}

/* The program execveat() runs: path itself, or what dirfd names or holds. */
static const char *execveat_path(int dirfd, const char *path, int flags, char *buf, size_t cap)
{
	if (path && path[0] == '/')
		return path;
	if ((flags & AT_EMPTY_PATH) && path && !path[0])
		snprintf(buf, cap, "/proc/self/fd/%d", dirfd);
	else if (dirfd == AT_FDCWD)
		return path;
	else
		snprintf(buf, cap, "/proc/self/fd/%d/%s", dirfd, path ? path : "");
	return buf;
}

int shim_execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
		  int flags)
{
	REAL(execveat_t, execveat);
	char buf[PATH_MAX];
	struct exec_env e;
	int rc;

	if (!fn || prepare(exec_guard, execveat_path(dirfd, path, flags, buf, sizeof(buf)), envp,
			   &e) < 0)
		return -1;
	rc = fn(dirfd, path, argv, e.env, flags);
	exec_env_free(&e);
	return rc;
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
	REAL(fexecve_t, fexecve);
	char path[32];
	struct exec_env e;
	int rc;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (!fn || prepare(exec_guard, path, envp, &e) < 0)
		return -1;
	rc = fn(fd, argv, e.env);
	exec_env_free(&e);
	return rc;
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

/* posix_spawn reports errors as its return value, not in errno. */
static int spawn_with(posix_spawn_t fn, guard_fn guard, pid_t *pid, const char *what,
		      const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attr,
		      char *const argv[], char *const envp[])
{
	struct exec_env e;
	int saved = errno, rc;

	if (!fn)
		return ENOSYS;
	if (prepare(guard, what, envp, &e) < 0) {
		rc = errno;
		errno = saved;
		return rc;
	}
	rc = fn(pid, what, actions, attr, argv, e.env);
	exec_env_free(&e);
	return rc;
}

SHIM_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
			    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	REAL(posix_spawn_t, posix_spawn);

	return spawn_with(fn, exec_guard, pid, path, actions, attr, argv, envp);
}

SHIM_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
			     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	REAL(posix_spawn_t, posix_spawnp);

	return spawn_with(fn, exec_guard_search, pid, file, actions, attr, argv, envp);
}
