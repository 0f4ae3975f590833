/*
 * Fail closed across exec: a proxied program must not start a program the
 * library cannot reach (see exec_check.h), whose connections would go out
 * directly; and the program it starts keeps the library in LD_PRELOAD even
 * if the environment it passes dropped it. An exec the kernel would refuse
 * anyway goes ahead, to fail with the kernel's own errno and no message.
 */
#ifndef SOCKSCHAIN_EXEC_GUARD_H
#define SOCKSCHAIN_EXEC_GUARD_H

#include <stddef.h>

/*
 * 0 when path may be run; -1 with errno EPERM after one line saying why. The
 * launcher's --no-check (SOCKS_CHAIN_NO_CHECK=1) turns the check off.
 */
int exec_guard(const char *path, const char *call);

/*
 * exec_guard for a name execvp(3) looks up in PATH. Returns what to run: the
 * path found (in buf), or file itself when execvp will fail on its own (not
 * found, not executable) or the check is off; NULL with errno EPERM after a
 * line.
 */
const char *exec_guard_search(const char *file, char *buf, size_t cap, const char *call);

/* The environment an exec passes on: envp, or a copy with the library put back. */
struct exec_env {
	char **env;		/* what to pass */
	char **copy;		/* allocated when env is not envp itself */
	char *preload;		/* the LD_PRELOAD entry made for the copy */
};

/*
 * Puts the library back in front of LD_PRELOAD when envp lost it. 0, or -1
 * (out of memory: e->env is then envp unchanged).
 */
int exec_env_make(struct exec_env *e, char *const envp[]);
void exec_env_free(struct exec_env *e);

#endif
