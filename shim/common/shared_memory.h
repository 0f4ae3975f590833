/*
 * Memory a process shares with its forked children: one anonymous shared
 * mapping, made at load time (before the program can fork) by each piece of
 * state that must be seen alike across the process tree (fake_names.c,
 * hop_memory.c).
 *
 * And memory a whole process tree shares across exec: a sealed memfd whose
 * descriptor every process of the tree inherits (not close-on-exec), named
 * in an environment variable by its number, the process that made it and
 * its inode. Each process maps it at load, from the inherited number; one
 * that finds the number closed (Chromium closes every descriptor before it
 * starts a child) reopens it through /proc/PID/fd of the maker (the
 * launcher, or the program it became), maps it and closes it again; and
 * when neither is there, falls back to memory of its own.
 */
#ifndef SOCKSCHAIN_SHARED_MEMORY_H
#define SOCKSCHAIN_SHARED_MEMORY_H

#include <stddef.h>

/* size zeroed bytes shared with forked children, or NULL. */
void *shared_memory_map(size_t size);

/* Gives back what shared_memory_map() or shared_memory_tree_*() returned. */
void shared_memory_unmap(void *mem, size_t size);

/*
 * size zeroed bytes in a new memfd that exec'd children inherit, its size
 * sealed (no process of the tree can shrink it under the others' mappings);
 * its number, 10 or above, in *fd. NULL on failure (nothing left open).
 */
void *shared_memory_tree_create(size_t size, const char *name, int *fd);

/* How shared_memory_tree_attach() finds the memfd fd: "FD:PID:INODE". 0 or -1. */
int shared_memory_tree_name(int fd, char *out, size_t cap);

/*
 * The memfd where names, mapped, when it is still the one named there: a
 * sealed memfd of that inode and exactly size bytes. NULL otherwise.
 */
void *shared_memory_tree_attach(const char *where, size_t size);

#endif
