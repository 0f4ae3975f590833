#define _GNU_SOURCE
#include "hop_names.h"

#include "../../chain/deadline.h"
#include "fork_guard.h"
#include "lookup.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

struct hop_name {
	const struct hop *hop;		/* NULL: a free slot */
	struct netaddr addr;		/* when known */
	bool known;
	int64_t resolved_ms;		/* when addr was found */
	bool refreshing;		/* a lookup of an old answer is running in the background */
};

/* One slot per hop that can be dialed first; the configuration never changes. */
static struct hop_name names[CHAIN_MAX_CHAINS * CHAIN_MAX_HOPS];
static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;

static void forget_lookups(void)
{
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		names[i].refreshing = false;	/* their threads are the parent's */
}

static struct fork_guard names_guard = FORK_GUARD(&names_lock, forget_lookups);

/* Under the lock. NULL when every slot is taken (more hops than a configuration holds). */
static struct hop_name *slot_of(const struct hop *hop)
{
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].hop == hop)
			return &names[i];
		if (!names[i].hop) {
			names[i].hop = hop;
			return &names[i];
		}
	}
	return NULL;
}

/* The lookup's thread, whenever it ends: an answer is kept, even one that came too late. */
static void remember(void *ctx, int gai_rc, const struct addrinfo *res)
{
	struct hop_name *slot = ctx;
	struct netaddr addr;

	fork_guard_lock(&names_guard);
	if (gai_rc == 0 && resolve_pick(res, slot->hop->port, &addr) == 0) {
		slot->addr = addr;
		slot->known = true;
		slot->resolved_ms = clock_now_ms();
	}
	slot->refreshing = false;
	pthread_mutex_unlock(&names_lock);
}

static int failure(int rc, int gai_rc, char *reason, size_t cap)
{
	if (rc == -ETIMEDOUT)
		snprintf(reason, cap, "has a name that did not resolve in time");
	else if (rc == -EAGAIN)
		snprintf(reason, cap, "has a name that could not be looked up: no thread to do it");
	else if (gai_rc == 0)
		snprintf(reason, cap, "has a name with no IPv4 or IPv6 address");
	else
		snprintf(reason, cap, "has a name that did not resolve: %s", gai_strerror(gai_rc));
	return -EHOSTUNREACH;
}

/* Starts a lookup and does not wait for it: remember() takes its answer. */
static void refresh_behind(const struct resolver *res, struct hop_name *slot,
			   const struct addrinfo *hints)
{
	struct addrinfo *list;
	int gai_rc, rc = lookup_within(res, slot->hop->host, NULL, hints, 0, &list, &gai_rc, remember,
				       slot);

	if (rc == 0)	/* it was that quick */
		res->freeaddrinfo(list);
	if (rc == -EAGAIN)
		remember(slot, EAI_AGAIN, NULL);
}

int hop_names_resolve(const struct resolver *res, const struct hop *hop, int64_t deadline,
		      struct netaddr *addr, char *reason, size_t cap)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *list;
	struct hop_name *slot;
	bool known, refresh;
	int gai_rc = 0, rc;

	fork_guard_lock(&names_guard);
	slot = slot_of(hop);
	known = slot && slot->known;
	if (known)
		*addr = slot->addr;
	/* an old answer serves at once while a new one is looked up behind it */
	refresh = known && !slot->refreshing &&
		  clock_now_ms() - slot->resolved_ms >= HOP_NAME_KEEP_MS;
	if (refresh)
		slot->refreshing = true;
	pthread_mutex_unlock(&names_lock);
	if (known) {
		if (refresh)
			refresh_behind(res, slot, &hints);
		return 0;
	}
	rc = lookup_within(res, hop->host, NULL, &hints, deadline, &list, &gai_rc,
			   slot ? remember : NULL, slot);
	if (rc == 0) {
		rc = resolve_pick(list, hop->port, addr) == 0 ? 0 : -EHOSTUNREACH;
		res->freeaddrinfo(list);
	}
	return rc == 0 ? 0 : failure(rc, gai_rc, reason, cap);
}
