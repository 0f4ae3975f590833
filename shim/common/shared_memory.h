/*
 * Memory a process shares with its forked children: one anonymous shared
 * mapping, made at load time (before the program can fork) by each piece of
 * state that must be seen alike across the process tree (fake_names.c,
 * hop_memory.c).
 */
#ifndef SOCKSCHAIN_SHARED_MEMORY_H
#define SOCKSCHAIN_SHARED_MEMORY_H

#include <stddef.h>

/* size zeroed bytes shared with forked children, or NULL. */
void *shared_memory_map(size_t size);

/* Gives back what shared_memory_map() returned. */
void shared_memory_unmap(void *mem, size_t size);

#endif
