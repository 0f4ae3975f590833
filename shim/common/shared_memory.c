#define _GNU_SOURCE
#include "shared_memory.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
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

/* fd, when it is the sealed memfd ino of exactly size bytes. */
static bool tree_memory_is(int fd, unsigned long ino, size_t size)
{
	int seals = fcntl(fd, F_GET_SEALS);
	struct stat st;

	return seals >= 0 && (seals & TREE_SEALS) == TREE_SEALS && fstat(fd, &st) == 0 &&
	       S_ISREG(st.st_mode) && st.st_ino == ino && (size_t)st.st_size == size;
}

void *shared_memory_tree_attach(const char *where, size_t size)
{
	unsigned long ino;
	char path[64];
	void *mem;
	int fd, pid, own = -1;

	if (sscanf(where, "%d:%d:%lu", &fd, &pid, &ino) != 3 || fd < 0 || pid <= 0)
		return NULL;
	if (!tree_memory_is(fd, ino, size)) {
		/* Closed here (programs that close every descriptor): the holder's, reopened. */
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
		own = open(path, O_RDWR | O_CLOEXEC);
		if (own < 0 || !tree_memory_is(own, ino, size)) {
			if (own >= 0)
				close(own);
			return NULL;
		}
	}
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, own >= 0 ? own : fd, 0);
	if (own >= 0)
		close(own);
	return mem == MAP_FAILED ? NULL : mem;
}

int shared_memory_tree_name(int fd, char *out, size_t cap)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	return (size_t)snprintf(out, cap, "%d:%d:%lu", fd, (int)getpid(), (unsigned long)st.st_ino) < cap
		       ? 0
		       : -1;
}
