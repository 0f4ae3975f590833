/*
 * Fail closed across exec: a proxied program must not start a program the
 * library cannot reach (statically linked, set-user-ID, file capabilities),
 * whose connections would go out directly; and the program it starts keeps
 * the library in LD_PRELOAD even if the environment it passes dropped it.
 */
#ifndef SOCKSCHAIN_EXEC_GUARD_H
#define SOCKSCHAIN_EXEC_GUARD_H

/*
 * 0 when path may run; -1 with errno EPERM after one line saying why. The
 * launcher's --no-check (SOCKS_CHAIN_NO_CHECK=1) turns the check off.
 */
int exec_guard(const char *path, const char *call);

/* exec_guard for a name looked up in PATH, as execvp does. */
int exec_guard_search(const char *file, const char *call);

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
