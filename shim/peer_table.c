#define _GNU_SOURCE
#include "peer_table.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define INITIAL_SLOTS 64
#define MAX_SLOTS (1u << 20)

struct entry {
	ino_t ino;		/* 0: a free slot */
	int fd;			/* the descriptor last seen holding it, to prune dead entries */
	struct netaddr hop;
	struct netaddr dest;
};

static struct entry *slots;
static size_t nslots, nused;
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static void before_fork(void)
{
	pthread_mutex_lock(&table_lock);
}

static void after_fork(void)
{
	pthread_mutex_unlock(&table_lock);
}

__attribute__((constructor)) static void register_fork_handlers(void)
{
	pthread_atfork(before_fork, after_fork, after_fork);
}

static ino_t socket_inode(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) ? st.st_ino : 0;
}

static struct entry *find_slot(struct entry *table, size_t n, ino_t ino)
{
	size_t i = (size_t)(ino * 2654435761u) & (n - 1);

	while (table[i].ino != 0 && table[i].ino != ino)
		i = (i + 1) & (n - 1);
	return &table[i];
}

static bool entry_alive(const struct entry *e)
{
	return socket_inode(e->fd) == e->ino;
}

/*
 * Rebuilds the table without the entries whose socket is gone, twice as large
 * when the live ones still fill a quarter of it. Returns false when out of
 * memory or at the size limit (the table is left as it was).
 */
static bool rebuild(void)
{
	size_t i, live = 0, n = nslots ? nslots : INITIAL_SLOTS;
	struct entry *table;

	for (i = 0; i < nslots; i++)
		live += slots[i].ino && entry_alive(&slots[i]);
	if (live * 4 >= n)
		n *= 2;
	if (n > MAX_SLOTS)
		return false;
	table = calloc(n, sizeof(*table));
	if (!table)
		return false;
	for (i = 0; i < nslots; i++)
		if (slots[i].ino && entry_alive(&slots[i]))
			*find_slot(table, n, slots[i].ino) = slots[i];
	free(slots);
	slots = table;
	nslots = n;
	__atomic_store_n(&nused, live, __ATOMIC_RELAXED);	/* read unlocked by lookups */
	return true;
}

void peer_table_remember(int fd, const struct netaddr *hop, const struct netaddr *dest)
{
	ino_t ino = socket_inode(fd);
	struct entry *e;

	if (ino == 0)
		return;
	pthread_mutex_lock(&table_lock);
	if ((nused + 1) * 2 > nslots && !rebuild())
		goto out;
	e = find_slot(slots, nslots, ino);
	if (e->ino == 0)
		__atomic_store_n(&nused, nused + 1, __ATOMIC_RELAXED);
	*e = (struct entry){ .ino = ino, .fd = fd, .hop = *hop, .dest = *dest };
out:
	pthread_mutex_unlock(&table_lock);
}

static bool same_netaddr(const struct netaddr *a, const struct netaddr *b)
{
	size_t len = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, len) == 0;
}

bool peer_table_lookup(int fd, const struct netaddr *hop, struct netaddr *dest)
{
	bool found = false;
	struct entry *e;
	ino_t ino;

	if (__atomic_load_n(&nused, __ATOMIC_RELAXED) == 0)
		return false;	/* no proxied socket yet: skip the fstat */
	ino = socket_inode(fd);
	if (ino == 0)
		return false;
	pthread_mutex_lock(&table_lock);
	e = find_slot(slots, nslots, ino);
	if (e->ino == ino && same_netaddr(&e->hop, hop)) {
		e->fd = fd;	/* follow the copy still in use after a dup() */
		*dest = e->dest;
		found = true;
	}
	pthread_mutex_unlock(&table_lock);
	return found;
}
