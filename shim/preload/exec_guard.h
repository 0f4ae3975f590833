/*
 * Fail closed across exec: a proxied program must not start a program the
 * library cannot reach (see exec_check.h), whose connections would go out
 * directly. The ones the supervisor carries are handed to it (the launcher
 * runs them with --supervise) when the launcher is known; the rest are
 * refused. Inside a tree the supervisor already serves, every program runs:
 * the kernel's filter covers it. The program started keeps the library in
 * LD_PRELOAD even if the environment it passes dropped it. An exec the
 * kernel would refuse anyway goes ahead, to fail with its own errno.
 */
#ifndef SOCKSCHAIN_EXEC_GUARD_H
#define SOCKSCHAIN_EXEC_GUARD_H

#include <stdbool.h>
#include <stddef.h>

enum exec_verdict {
	EXEC_RUN,		/* run it as asked, the library in it */
	EXEC_RUN_BARE,		/* in the supervisor's tree: run it without the library */
	EXEC_HAND_OVER,		/* run it through exec_launcher() --supervise */
	EXEC_REFUSE,		/* refused: errno EPERM, after one line saying why */
};

/*
 * What to do with path. may_hand_over: the call can run another file (not
 * fexecve, not execveat of a descriptor). The launcher's --no-check
 * (SOCKS_CHAIN_NO_CHECK=1) turns the check off.
 */
enum exec_verdict exec_guard(const char *path, const char *call, bool may_hand_over);

/*
 * exec_guard for a name execvp(3) looks up in PATH, with *verdict. Returns
 * what to run: the path found (in buf), or file itself when execvp will fail
 * on its own (not found, not executable) or the check is off; NULL when
 * refused.
 */
const char *exec_guard_search(const char *file, char *buf, size_t cap, const char *call,
			      enum exec_verdict *verdict);

/* The launcher that hands programs to the supervisor (SOCKS_CHAIN_LAUNCHER), or NULL. */
const char *exec_launcher(void);

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
/*
 * The same with the library taken out of LD_PRELOAD, for a program it cannot
 * load (musl's) that the supervisor carries. 0, or -1 (out of memory).
 */
int exec_env_bare(struct exec_env *e, char *const envp[]);
void exec_env_free(struct exec_env *e);

#endif
