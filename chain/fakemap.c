#define _GNU_SOURCE
#include "fakemap.h"

#include "deadline.h"
#include "endpoint.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <strings.h>

#define SLOTS (FAKE_MAP_CAPACITY * 2)	/* the hash is kept at most half full */

/*
 * Writers take the lock; readers do not, and must never act on a name half
 * written, nor on an entry while it is given to another name.
 *
 * Each entry has a sequence number, even while the entry is stable and odd
 * while a writer changes it (a seqlock): a reader copies the name between
 * two reads of the number and trusts the copy only when both read the same
 * even number. A reader that uses an entry stores the time in it, then reads
 * the number again; a writer about to reuse an entry makes the number odd,
 * then reads the time again. With a full fence between, on both sides,
 * either the reader sees the number change (and asks again under the lock)
 * or the writer sees the entry in use (and leaves it alone).
 *
 * The hash slots only speed up finding a name: a reader checks the entry a
 * slot leads to, so a slot moved or cleared under it costs a miss, and a
 * miss looks again under the lock. Addresses lead to entries directly.
 */
struct fake_entry {
	uint32_t seq;
	int64_t used_ms;		/* last use, CLOCK_MONOTONIC */
	char name[FAKE_NAME_MAX + 1];	/* "": free (a writer died changing it) */
};

/* The lock is set up by the first writer, not with the map: see lock_ready(). */
enum lock_state { LOCK_UNSET, LOCK_SETTING, LOCK_SET };

struct fake_map {
	uint32_t lock_state;		/* enum lock_state */
	pthread_mutex_t lock;
	uint32_t count;			/* entries handed out: [0, count) hold names */
	uint32_t hand;			/* where the search for an idle entry goes on */
	int64_t full_until_ms;		/* when full: no entry can be idle before then */
	uint32_t full_said;		/* fake_map_full_news() said so since the last room */
	uint32_t slots[SLOTS];		/* 0: empty, else 1 + an entry's index */
	struct fake_entry entries[FAKE_MAP_CAPACITY];
};

size_t fake_map_size(void)
{
	return sizeof(struct fake_map);
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

static uint32_t home_slot(const char *name)
{
	return hash_name(name) % SLOTS;
}

/* A writer's copy into an entry readers may be reading. */
static void store_name(char *dst, const char *src)
{
	size_t i = 0;

	do
		__atomic_store_n(&dst[i], src[i], __ATOMIC_RELAXED);
	while (src[i++] && i <= FAKE_NAME_MAX);
}

/* A reader's copy of a name a writer may be changing: always NUL-terminated. */
static void load_name(char dst[FAKE_NAME_MAX + 1], const char *src)
{
	size_t i;

	for (i = 0; i < FAKE_NAME_MAX; i++)
		if ((dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED)) == '\0')
			return;
	dst[i] = '\0';
}

/* Without the lock: copies e's name. False when a writer is changing it. */
static bool read_entry(struct fake_entry *e, char name[FAKE_NAME_MAX + 1], uint32_t *seq)
{
	*seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
	if (*seq & 1)
		return false;
	load_name(name, e->name);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&e->seq, __ATOMIC_RELAXED) == *seq;
}

/*
 * Marks e used at now_ms, never earlier than it was: a thread that read the
 * clock before another reused the entry must not make the new name look
 * idle, and have it taken again at once.
 */
static void mark_used(struct fake_entry *e, int64_t now_ms)
{
	int64_t seen = __atomic_load_n(&e->used_ms, __ATOMIC_RELAXED);

	while (seen < now_ms && !__atomic_compare_exchange_n(&e->used_ms, &seen, now_ms, true,
							   __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Without the lock: marks e used now. False when a writer got to it since seq was read. */
static bool touch_entry(struct fake_entry *e, uint32_t seq, int64_t now_ms)
{
	mark_used(e, now_ms);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&e->seq, __ATOMIC_RELAXED) == seq;
}

/* Under the lock: the slot holding name, or the empty slot where it would go. */
static uint32_t locked_find(struct fake_map *map, const char *name)
{
	uint32_t i = home_slot(name), v;

	while ((v = map->slots[i]) != 0 && strcasecmp(map->entries[v - 1].name, name) != 0)
		i = (i + 1) % SLOTS;
	return i;
}

/* Under the lock: empties slot i, moving up the names after it that would be lost. */
static void unlink_slot(struct fake_map *map, uint32_t i)
{
	uint32_t j = i, home, v;

	for (;;) {
		j = (j + 1) % SLOTS;
		if ((v = map->slots[j]) == 0)
			break;
		home = home_slot(map->entries[v - 1].name);
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;	/* found from its home without passing i */
		__atomic_store_n(&map->slots[i], v, __ATOMIC_RELEASE);
		i = j;
	}
	__atomic_store_n(&map->slots[i], 0, __ATOMIC_RELEASE);
}

/*
 * A writer died holding the lock, perhaps midway through an entry or the
 * slots: free the entries it left odd and build the slots again.
 */
static void repair(struct fake_map *map)
{
	struct fake_entry *e;
	uint32_t k, i;

	for (k = 0; k < map->count; k++) {
		e = &map->entries[k];
		if (e->seq & 1) {
			__atomic_store_n(&e->name[0], '\0', __ATOMIC_RELAXED);
			__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELEASE);
		}
	}
	for (i = 0; i < SLOTS; i++)
		__atomic_store_n(&map->slots[i], 0, __ATOMIC_RELEASE);
	for (k = 0; k < map->count; k++) {
		e = &map->entries[k];
		if (e->name[0] && map->slots[i = locked_find(map, e->name)] == 0)
			__atomic_store_n(&map->slots[i], k + 1, __ATOMIC_RELEASE);
	}
	map->full_until_ms = 0;
	pthread_mutex_consistent(&map->lock);
}

/* By the one caller that moved the state to LOCK_SETTING. 0 or a negative errno. */
static int set_up_lock(struct fake_map *map)
{
	pthread_mutexattr_t attr;
	int rc;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	rc = pthread_mutex_init(&map->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	__atomic_store_n(&map->lock_state, rc == 0 ? LOCK_SET : LOCK_UNSET, __ATOMIC_RELEASE);
	return -rc;
}

/*
 * The lock, set up once by whichever caller needs it first, in whichever
 * process shares the map: the memory stays untouched until then, so a
 * program that never gives out a name never pays for its page. Another
 * caller meanwhile waits the few stores that take, within
 * LOCK_SETUP_WAIT_MS, past which the one setting it up must have died in
 * the middle (a kill at that very instant): the map then stays unusable.
 */
#define LOCK_SETUP_WAIT_MS 1000

static int lock_ready(struct fake_map *map)
{
	int64_t deadline = -1;
	uint32_t state;

	for (;;) {
		state = __atomic_load_n(&map->lock_state, __ATOMIC_ACQUIRE);
		if (state == LOCK_SET)
			return 0;
		if (state == LOCK_UNSET) {
			if (__atomic_compare_exchange_n(&map->lock_state, &state, LOCK_SETTING, false,
							__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
				return set_up_lock(map);
			continue;	/* another got there first */
		}
		if (deadline < 0)
			deadline = deadline_after_ms(LOCK_SETUP_WAIT_MS);
		else if (deadline_left_ms(deadline) == 0)
			return -ENOTRECOVERABLE;
		sched_yield();
	}
}

static int lock(struct fake_map *map)
{
	int rc = lock_ready(map);

	if (rc < 0)
		return rc;
	rc = pthread_mutex_lock(&map->lock);

	if (rc == EOWNERDEAD)
		repair(map);
	return rc == 0 || rc == EOWNERDEAD ? 0 : -rc;
}

/* How many names the range and the map hold: the range's network and broadcast left out. */
static uint32_t capacity(const struct cidr *range)
{
	unsigned bits = 32 - range->prefix;
	uint32_t room = bits >= 32 ? UINT32_MAX : bits < 2 ? 0 : (1u << bits) - 2;

	return room < FAKE_MAP_CAPACITY ? room : FAKE_MAP_CAPACITY;
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

/* Without the lock: the index of name's entry, now used; -1 when not found so. */
static int64_t quick_find(struct fake_map *map, const char *name, int64_t now_ms)
{
	char seen[FAKE_NAME_MAX + 1];
	uint32_t i = home_slot(name), n, v, seq;
	struct fake_entry *e;

	for (n = 0; n < SLOTS; n++, i = (i + 1) % SLOTS) {
		if ((v = __atomic_load_n(&map->slots[i], __ATOMIC_ACQUIRE)) == 0 ||
		    v > FAKE_MAP_CAPACITY)
			return -1;
		e = &map->entries[v - 1];
		if (!read_entry(e, seen, &seq))
			return -1;
		if (strcasecmp(seen, name) == 0)
			return touch_entry(e, seq, now_ms) ? (int64_t)(v - 1) : -1;
	}
	return -1;
}

static bool idle(const struct fake_entry *e, const struct fake_use *use, int64_t *used_ms)
{
	*used_ms = __atomic_load_n(&e->used_ms, __ATOMIC_RELAXED);
	return e->name[0] == '\0' || use->now_ms - *used_ms >= use->reuse_after_ms;
}

/*
 * Under the lock: takes entry k from its name if nothing used it for long
 * enough, leaving it odd for the caller to fill. *used_ms: its last use.
 */
static bool take_if_idle(struct fake_map *map, uint32_t k, const struct fake_use *use,
			 int64_t *used_ms)
{
	struct fake_entry *e = &map->entries[k];
	uint32_t seq = e->seq, slot;

	if (!idle(e, use, used_ms))
		return false;
	__atomic_store_n(&e->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!idle(e, use, used_ms)) {	/* a reader used it just now */
		__atomic_store_n(&e->seq, seq + 2, __ATOMIC_RELEASE);
		return false;
	}
	/* Its slot, unless a writer that died left it none (or a twin's). */
	if (e->name[0] && map->slots[slot = locked_find(map, e->name)] == k + 1)
		unlink_slot(map, slot);
	return true;
}

/* Under the lock, the map full: an idle entry, taken (odd), or -ENOSPC. */
static int64_t take_idle_entry(struct fake_map *map, const struct fake_use *use, uint32_t limit)
{
	int64_t oldest = INT64_MAX, used_ms;
	uint32_t n, k;

	if (use->now_ms < map->full_until_ms)
		return -ENOSPC;
	for (n = 0; n < limit; n++) {
		k = (map->hand + n) % limit;
		if (take_if_idle(map, k, use, &used_ms)) {
			map->hand = (k + 1) % limit;
			return k;
		}
		if (used_ms < oldest)
			oldest = used_ms;
	}
	/* Uses only move times forward: none is idle before the oldest is. */
	map->full_until_ms = oldest == INT64_MAX ? use->now_ms : oldest + use->reuse_after_ms;
	return -ENOSPC;
}

/* Under the lock: name's entry, a new one, or an idle one given to it. */
static int64_t locked_assign(struct fake_map *map, const struct fake_use *use, const char *name)
{
	uint32_t slot = locked_find(map, name), limit = capacity(use->range);
	struct fake_entry *e;
	int64_t k;

	if (map->slots[slot]) {
		k = map->slots[slot] - 1;
		mark_used(&map->entries[k], use->now_ms);
		return k;
	}
	if (map->count < limit) {
		/* In this order, a process dying midway leaves no slot naming a
		 * free index: at worst an entry that no slot leads to. */
		k = map->count;
		e = &map->entries[k];
		store_name(e->name, name);
		__atomic_store_n(&e->used_ms, use->now_ms, __ATOMIC_RELAXED);
		__atomic_store_n(&map->count, (uint32_t)k + 1, __ATOMIC_RELEASE);
	} else {
		if ((k = take_idle_entry(map, use, limit)) < 0)
			return k;
		e = &map->entries[k];
		store_name(e->name, name);
		mark_used(e, use->now_ms);	/* idle, so older: unless a late reader's touch */
		__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELEASE);
		slot = locked_find(map, name);	/* taking it may have moved slots */
	}
	__atomic_store_n(&map->slots[slot], (uint32_t)k + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&map->full_said, 0, __ATOMIC_RELAXED);
	return k;
}

int fake_map_assign(struct fake_map *map, const struct fake_use *use, const char *name,
		    struct netaddr *addr)
{
	int64_t k;
	int rc;

	if (!endpoint_name_ok(name))
		return -EINVAL;
	k = quick_find(map, name, use->now_ms);	/* most names were handed out before */
	if (k < 0) {
		if ((rc = lock(map)) < 0)
			return rc;
		k = locked_assign(map, use, name);
		pthread_mutex_unlock(&map->lock);
		if (k < 0)
			return (int)k;
	}
	index_to_addr(use->range, (uint32_t)k, addr);
	return 0;
}

bool fake_map_name(struct fake_map *map, const struct fake_use *use, const struct netaddr *addr,
		   char name[FAKE_NAME_MAX + 1])
{
	uint32_t index, seq;
	struct fake_entry *e;

	if (!cidr_contains(use->range, addr))
		return false;
	/* the network address wraps to a huge index: not found */
	index = ipv4_value(addr->addr) - range_base(use->range) - 1;
	if (index >= __atomic_load_n(&map->count, __ATOMIC_ACQUIRE))
		return false;
	e = &map->entries[index];
	if (read_entry(e, name, &seq) && touch_entry(e, seq, use->now_ms))
		return name[0] != '\0';
	if (lock(map) < 0)
		return false;
	memcpy(name, e->name, FAKE_NAME_MAX + 1);
	mark_used(e, use->now_ms);
	pthread_mutex_unlock(&map->lock);
	return name[0] != '\0';
}

bool fake_map_full_news(struct fake_map *map)
{
	return __atomic_exchange_n(&map->full_said, 1, __ATOMIC_RELAXED) == 0;
}
