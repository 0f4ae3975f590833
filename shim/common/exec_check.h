/*
 * Whether a program would be reached by the preloaded library. A statically
 * linked program has no dynamic loader to preload anything, and the loader
 * ignores LD_PRELOAD for set-user-ID, set-group-ID and file-capability
 * programs: their connections would silently bypass the chain.
 */
#ifndef SOCKSCHAIN_EXEC_CHECK_H
#define SOCKSCHAIN_EXEC_CHECK_H

#include <stddef.h>

/*
 * Finds cmd as execvp() would. Returns 0 with its path, -ENOENT when it is
 * nowhere, -EACCES when found but not executable.
 */
int exec_find(const char *cmd, char *path, size_t cap);

/* 0 when the library would reach path, else -EPERM with why filled in. */
int exec_check(const char *path, char *why, size_t cap);

#endif
