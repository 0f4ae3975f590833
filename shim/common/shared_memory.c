#define _GNU_SOURCE
#include "shared_memory.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Above the numbers scripts redirect by hand (3 to 9), where bash's {var}> starts. */
#define TREE_FD_MIN 10
#define TREE_SEALS (F_SEAL_SHRINK | F_SEAL_GROW)

void *shared_memory_map(size_t size)
{
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return mem == MAP_FAILED ? NULL : mem;
}

void shared_memory_unmap(void *mem, size_t size)
{
	munmap(mem, size);
}

void *shared_memory_tree_create(size_t size, const char *name, int *fd)
{
	int made = memfd_create(name, MFD_ALLOW_SEALING), moved;
	void *mem = MAP_FAILED;

	if (made < 0)
		return NULL;
	moved = fcntl(made, F_DUPFD, TREE_FD_MIN);
	if (moved < 0)
		goto fail;
	close(made);
	made = moved;
	if (ftruncate(made, (off_t)size) < 0 ||
	    fcntl(made, F_ADD_SEALS, TREE_SEALS | F_SEAL_SEAL) < 0)
		goto fail;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, made, 0);
	if (mem == MAP_FAILED)
		goto fail;
	*fd = made;
	return mem;
fail:
	close(made);
	return NULL;
}

void *shared_memory_tree_attach(const char *fd_text, size_t size)
{
	char *end;
	long fd = strtol(fd_text, &end, 10);
	struct stat st;
	void *mem;
	int seals;

	if (end == fd_text || *end || fd < TREE_FD_MIN || fd > 1 << 20)
		return NULL;
	/* Sealed, so no process can shrink it under a mapping (SIGBUS). */
	seals = fcntl((int)fd, F_GET_SEALS);
	if (seals < 0 || (seals & TREE_SEALS) != TREE_SEALS || fstat((int)fd, &st) < 0 ||
	    !S_ISREG(st.st_mode) || (size_t)st.st_size != size)
		return NULL;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	return mem == MAP_FAILED ? NULL : mem;
}
