/*
 * What kind of program a file is, as far as the preloaded library is
 * concerned: one glibc's loader runs with LD_PRELOAD honoured (the library
 * reaches it), one the kernel would refuse to run anyway, or one of the
 * kinds the library cannot reach, whose connections would go around the
 * chain: statically linked, Go (its runtime makes its own system calls),
 * musl or another loader that cannot load a glibc library, another
 * architecture, or a program the loader runs in secure-execution mode
 * (set-user-ID, set-group-ID, file capabilities), which drops LD_PRELOAD.
 * A "#!" script is judged by its interpreter, as the kernel runs it.
 *
 * The launcher and the library refuse the kinds the library cannot reach; a
 * supervisor that can carry them may take them instead.
 */
#ifndef SOCKSCHAIN_EXEC_CHECK_H
#define SOCKSCHAIN_EXEC_CHECK_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

enum exec_kind {
	EXEC_GLIBC_DYNAMIC,	/* run by glibc's loader: the library is loaded into it */
	EXEC_UNRUNNABLE,	/* the kernel would refuse it: see error */
	EXEC_STATIC,		/* no loader at all */
	EXEC_GO,		/* a Go program, dynamic or static */
	EXEC_MUSL,		/* run by musl's loader */
	EXEC_FOREIGN_LOADER,	/* run by a loader not known to be glibc's */
	EXEC_FOREIGN_ARCH,	/* another ELF class or machine than ours */
	EXEC_SETUID,		/* set-user-ID, set-group-ID or file capabilities */
	EXEC_UNREADABLE,	/* cannot be read, so cannot be judged */
};

struct exec_class {
	enum exec_kind kind;
	int error;		/* EXEC_UNRUNNABLE: the errno execve(2) would give */
	unsigned scripts;	/* "#!" lines followed to reach the program judged */
	char why[PATH_MAX + 200]; /* the kinds refused: "PATH is ...: why" */
};

/* Whether the library reaches a program of this kind (or nothing runs at all). */
static inline bool exec_kind_reached(enum exec_kind kind)
{
	return kind == EXEC_GLIBC_DYNAMIC || kind == EXEC_UNRUNNABLE;
}

/*
 * Whether the supervisor carries a program of this kind in the library's
 * place: one that makes its own system calls, or whose loader cannot load a
 * glibc library. Not another architecture (the filter refuses its calls) nor
 * set-user-ID (no_new_privs would strip it).
 */
static inline bool exec_kind_supervised(enum exec_kind kind)
{
	return kind == EXEC_STATIC || kind == EXEC_GO || kind == EXEC_MUSL ||
	       kind == EXEC_FOREIGN_LOADER;
}

/* Judges what execve(path) would run. Returns c->kind. */
enum exec_kind exec_classify(const char *path, struct exec_class *c);

/*
 * Finds file as execvp(3) would (each PATH entry in turn, skipping those the
 * kernel would not run; a file without "#!" that the kernel will not run is
 * a script for /bin/sh) and judges what would run. Returns 0 with its path,
 * or the negative errno execvp would fail with: -ENOENT when it is nowhere,
 * -EACCES when found but not executable, ...
 */
int exec_search(const char *file, char *path, size_t cap, struct exec_class *c);

#endif
