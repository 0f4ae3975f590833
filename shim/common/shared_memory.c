#define _GNU_SOURCE
#include "shared_memory.h"

#include <sys/mman.h>

void *shared_memory_map(size_t size)
{
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return mem == MAP_FAILED ? NULL : mem;
}

void shared_memory_unmap(void *mem, size_t size)
{
	munmap(mem, size);
}
