#define _GNU_SOURCE
#include "hop_memory.h"

#include "shared_memory.h"
#include "written_at_load.h"

/* Used only if the mapping failed: then forked children do not share. */
static struct hop_health private_memory;
/* Set once at load time, before any thread or fork of the program's can run. */
static struct hop_health *shared WRITTEN_AT_LOAD = &private_memory;

__attribute__((constructor)) static void map_hop_memory(void)
{
	struct hop_health *mem = shared_memory_map(sizeof(struct hop_health));

	if (mem)
		shared = mem;
}

struct hop_health *hop_memory(void)
{
	return shared;
}
