#define _GNU_SOURCE
#include "peer_table.h"

#include "../common/fd_stat.h"
#include "../common/fork_guard.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define INITIAL_SLOTS 64
#define MAX_FD (1 << 20)

/*
 * Indexed by descriptor number, so that remembering costs one fstat() and no
 * pruning: a later tunnel on the same number overwrites the entry, and an
 * entry whose socket is gone never matches, its inode being another's.
 */
struct entry {
	ino_t ino;		/* 0: nothing here */
	struct netaddr hop;
	struct netaddr dest;
};

static struct entry *slots;
static size_t nslots;
static bool any;		/* read unlocked: no tunnel yet, no fstat in lookups */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fork_guard table_guard = FORK_GUARD(&table_lock, NULL);

static ino_t socket_inode(int fd)
{
	struct stat st;

	if (fd_stat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0;
	return st.st_ino;
}

/* Makes room for slot fd. False when out of memory (the table is left as it was). */
static bool reserve(size_t fd)
{
	size_t n = nslots ? nslots : INITIAL_SLOTS;
	struct entry *table;

	while (n <= fd)
		n *= 2;
	if (n == nslots)
		return true;
	table = realloc(slots, n * sizeof(*table));
	if (!table)
		return false;
	memset(table + nslots, 0, (n - nslots) * sizeof(*table));
	slots = table;
	nslots = n;
	return true;
}

void peer_table_remember(int fd, const struct netaddr *hop, const struct netaddr *dest)
{
	peer_table_remember_inode(fd, fd < 0 ? 0 : socket_inode(fd), hop, dest);
}

void peer_table_remember_inode(int fd, ino_t ino, const struct netaddr *hop,
			       const struct netaddr *dest)
{
	if (fd < 0 || fd >= MAX_FD || ino == 0)
		return;
	fork_guard_lock(&table_guard);
	if (reserve((size_t)fd)) {
		slots[fd] = (struct entry){ .ino = ino, .hop = *hop, .dest = *dest };
		__atomic_store_n(&any, true, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&table_lock);
}

static bool same_netaddr(const struct netaddr *a, const struct netaddr *b)
{
	size_t len = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, len) == 0;
}

/* The entry of the socket ino: at fd, or, for a dup() copy, wherever its original was. */
static struct entry *find(int fd, ino_t ino)
{
	size_t i;

	if ((size_t)fd < nslots && slots[fd].ino == ino)
		return &slots[fd];
	for (i = 0; i < nslots; i++)
		if (slots[i].ino == ino)
			return &slots[i];
	return NULL;
}

bool peer_table_lookup(int fd, const struct netaddr *hop, struct netaddr *dest)
{
	bool found = false;
	struct entry *e;
	ino_t ino;

	if (!__atomic_load_n(&any, __ATOMIC_RELAXED) || fd < 0)
		return false;
	ino = socket_inode(fd);
	if (ino == 0)
		return false;
	fork_guard_lock(&table_guard);
	e = find(fd, ino);
	if (e && same_netaddr(&e->hop, hop)) {
		struct entry copy = *e;

		*dest = copy.dest;
		found = true;
		/* a dup() copy: under its own number too, for next time */
		if (((size_t)fd >= nslots || slots[fd].ino != ino) && fd < MAX_FD &&
		    reserve((size_t)fd))
			slots[fd] = copy;
	}
	pthread_mutex_unlock(&table_lock);
	return found;
}
