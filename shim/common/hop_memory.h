/*
 * The hops' shared memory (chain/health.h): which failed and until when,
 * round-robin turns, random draws. One shared anonymous mapping made when the
 * library is loaded, before the program can fork, so threads and forked
 * children all see the same.
 */
#ifndef SOCKSCHAIN_HOP_MEMORY_H
#define SOCKSCHAIN_HOP_MEMORY_H

#include "../../chain/health.h"

/* Never NULL: without shared memory, this process's own. */
struct hop_health *hop_memory(void);

#endif
