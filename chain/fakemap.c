#define _GNU_SOURCE
#include "fakemap.h"

#include "endpoint.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#define SLOTS (FAKE_MAP_CAPACITY * 2)	/* the hash is kept at most half full */

/*
 * Writers take the lock; readers do not. Nothing is ever removed or moved:
 * a name is written before count covers it and before a slot names it, and
 * both are published with release stores, so a reader that sees a slot or a
 * count (acquire) sees the name whole.
 */
struct fake_map {
	pthread_mutex_t lock;
	uint32_t count;				/* names assigned */
	uint32_t slots[SLOTS];			/* 0: empty, else 1 + the name's index */
	char names[FAKE_MAP_CAPACITY][FAKE_NAME_MAX + 1];
};

size_t fake_map_size(void)
{
	return sizeof(struct fake_map);
}

int fake_map_init(struct fake_map *map)
{
	pthread_mutexattr_t attr;
	int rc;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	rc = pthread_mutex_init(&map->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	return -rc;
}

static void lock(struct fake_map *map)
{
	/* A process died holding the lock. A name is written before count
	 * covers it, so what count covers is whole: carry on. */
	if (pthread_mutex_lock(&map->lock) == EOWNERDEAD)
		pthread_mutex_consistent(&map->lock);
}

static uint32_t hash_name(const char *name)
{
	uint32_t h = 2166136261u;	/* FNV-1a over the lowercased name */

	for (; *name; name++) {
		h ^= (uint8_t)(*name >= 'A' && *name <= 'Z' ? *name + 32 : *name);
		h *= 16777619u;
	}
	return h;
}

/* The slot holding name, or the empty slot where it would go; with or without the lock. */
static uint32_t *find_slot(struct fake_map *map, const char *name)
{
	uint32_t i = hash_name(name) % SLOTS, v;

	while ((v = __atomic_load_n(&map->slots[i], __ATOMIC_ACQUIRE)) != 0 &&
	       strcasecmp(map->names[v - 1], name) != 0)
		i = (i + 1) % SLOTS;
	return &map->slots[i];
}

/* How many addresses the range offers: its network and broadcast addresses left out. */
static uint32_t range_room(const struct cidr *range)
{
	unsigned bits = 32 - range->prefix;

	return bits >= 32 ? UINT32_MAX : bits < 2 ? 0 : (1u << bits) - 2;
}

static uint32_t ipv4_value(const uint8_t *b)
{
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* The range's network address, whatever host bits were written. */
static uint32_t range_base(const struct cidr *range)
{
	return range->prefix == 0 ? 0 : ipv4_value(range->addr) & ~0u << (32 - range->prefix);
}

static void index_to_addr(const struct cidr *range, uint32_t index, struct netaddr *addr)
{
	uint32_t a = range_base(range) + 1 + index;

	memset(addr, 0, sizeof(*addr));
	addr->family = AF_INET;
	addr->addr[0] = (uint8_t)(a >> 24);
	addr->addr[1] = (uint8_t)(a >> 16);
	addr->addr[2] = (uint8_t)(a >> 8);
	addr->addr[3] = (uint8_t)a;
}

int fake_map_assign(struct fake_map *map, const struct cidr *range, const char *name,
		    struct netaddr *addr)
{
	uint32_t *slot, index;
	int rc = 0;

	if (!endpoint_name_ok(name))
		return -EINVAL;
	slot = find_slot(map, name);	/* most names were handed out before: no lock */
	if ((index = __atomic_load_n(slot, __ATOMIC_ACQUIRE)) != 0) {
		index_to_addr(range, index - 1, addr);
		return 0;
	}
	lock(map);
	slot = find_slot(map, name);	/* again: another may have added it meanwhile */
	if (*slot) {
		index = *slot - 1;
	} else if (map->count == FAKE_MAP_CAPACITY || map->count >= range_room(range)) {
		rc = -ENOSPC;
	} else {
		/* In this order, a process dying midway leaves no slot naming a
		 * free index: at worst an index that no name leads to. */
		index = map->count;
		memcpy(map->names[index], name, strlen(name) + 1);
		__atomic_store_n(&map->count, index + 1, __ATOMIC_RELEASE);
		__atomic_store_n(slot, index + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&map->lock);
	if (rc == 0)
		index_to_addr(range, index, addr);
	return rc;
}

bool fake_map_name(struct fake_map *map, const struct cidr *range, const struct netaddr *addr,
		   char name[FAKE_NAME_MAX + 1])
{
	uint32_t a, base, index;
	bool found;

	if (!cidr_contains(range, addr))
		return false;
	a = ipv4_value(addr->addr);
	base = range_base(range);
	index = a - base - 1;	/* the network address wraps to a huge index: not found */
	found = index < __atomic_load_n(&map->count, __ATOMIC_ACQUIRE);
	if (found)
		memcpy(name, map->names[index], FAKE_NAME_MAX + 1);
	return found;
}
