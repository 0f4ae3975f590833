#define _GNU_SOURCE
#include "peers.h"

#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

enum { PEERS_MAX = 4096 };	/* the oldest is forgotten first */

struct peer {
	dev_t dev;
	ino_t ino;			/* 0: a free entry */
	struct netaddr hop, dest;
};

/*
 * Shared by every worker, so global: written after a dial, read by
 * getpeername, under the lock.
 */
static struct peer peers[PEERS_MAX];
static unsigned next_slot;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static bool same_address(const struct netaddr *a, const struct netaddr *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16) == 0;
}

/* Where fd's socket is really connected, and which socket it is. */
static bool socket_identity(int fd, struct stat *st, struct netaddr *peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	return fstat(fd, st) == 0 && getpeername(fd, (struct sockaddr *)&ss, &len) == 0 &&
	       netaddr_from_sockaddr((struct sockaddr *)&ss, len, peer) == 0;
}

static struct peer *find(const struct stat *st)
{
	unsigned i;

	for (i = 0; i < PEERS_MAX; i++)
		if (peers[i].ino == st->st_ino && peers[i].dev == st->st_dev)
			return &peers[i];
	return NULL;
}

void peers_remember(int fd, const struct netaddr *hop, const struct netaddr *dest)
{
	struct netaddr real;
	struct peer *p;
	struct stat st;

	if (!socket_identity(fd, &st, &real) || !same_address(&real, hop))
		return;
	pthread_mutex_lock(&lock);
	p = find(&st);
	if (!p)
		p = &peers[next_slot++ % PEERS_MAX];
	*p = (struct peer){ .dev = st.st_dev, .ino = st.st_ino, .hop = *hop, .dest = *dest };
	pthread_mutex_unlock(&lock);
}

bool peers_lookup(int fd, struct netaddr *dest)
{
	struct netaddr real;
	struct peer *p;
	struct stat st;
	bool found = false;

	if (!socket_identity(fd, &st, &real))
		return false;
	pthread_mutex_lock(&lock);
	p = find(&st);
	if (p && same_address(&real, &p->hop)) {
		*dest = p->dest;
		found = true;
	} else if (p) {
		p->ino = 0;	/* another socket now has that inode */
	}
	pthread_mutex_unlock(&lock);
	return found;
}
