#define _GNU_SOURCE
#include "hop_memory.h"

#include <sys/mman.h>

/* Used only if the mapping failed: then forked children do not share. */
static struct hop_health private_memory;
/* Set once at load time, before any thread or fork of the program's can run. */
static struct hop_health *shared = &private_memory;

__attribute__((constructor)) static void map_shared_memory(void)
{
	void *mem = mmap(NULL, sizeof(struct hop_health), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (mem != MAP_FAILED)
		shared = mem;
}

struct hop_health *hop_memory(void)
{
	return shared;
}
