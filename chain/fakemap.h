/*
 * The fake address map: names resolved by the last hop get stand-in
 * addresses, the same name always the same address, and each address leads
 * back to its name when the program connects to it.
 *
 * The map lives in memory the caller provides, meant to be a shared
 * anonymous mapping made before any fork, so that a name resolved in one
 * process is connectable in its forked children and parent alike. One
 * robust, process-shared mutex serialises the writers: a process that dies
 * holding it cannot hang the others, and the next writer repairs what it
 * left. Lookups take no lock (see fakemap.c for how they stay whole).
 *
 * The map holds up to FAKE_MAP_CAPACITY names (fewer when the range is
 * smaller). When it is full, a new name takes the address of a name that
 * nothing has used (resolved, connected to, looked up) for reuse_after_ms;
 * when no name has been idle that long, new names are refused. Programs
 * cache addresses, and a reused one reaches the new name's host, so
 * reuse_after_ms is meant to be long (CHAIN_DEFAULT_FAKE_REUSE_AFTER_MS).
 * Sockets still connected through a name are not counted: a count kept
 * here would go wrong whenever a process dies or a forked child closes its
 * copy, so a name is in use while anything touches it.
 */
#ifndef SOCKSCHAIN_FAKEMAP_H
#define SOCKSCHAIN_FAKEMAP_H

#include "netaddr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_MAP_CAPACITY 16384
#define FAKE_NAME_MAX 255

struct fake_map;

/* How a call uses the map: the process's range and reuse time, and the time now. */
struct fake_use {
	const struct cidr *range;	/* IPv4 */
	int64_t reuse_after_ms;		/* how long a name goes unused before its address is reused */
	int64_t now_ms;			/* CLOCK_MONOTONIC, the same in every process */
};

/*
 * The bytes a map needs: fake_map_size() zero bytes are an empty map, ready
 * for use (shared between processes when the memory is).
 */
size_t fake_map_size(void);

/*
 * The fake address for name (same name, same address; names compare without
 * regard to case), and the name counts as used now. Returns 0, or -ENOSPC
 * when the map or the range is full and no name has been idle long enough,
 * -EINVAL for a name that is not a host name, -ENOTRECOVERABLE when a
 * process died setting up or holding the lock beyond repair.
 */
int fake_map_assign(struct fake_map *map, const struct fake_use *use, const char *name,
		    struct netaddr *addr);

/* The name behind a fake address, copied into name, now used. False when addr is not one. */
bool fake_map_name(struct fake_map *map, const struct fake_use *use, const struct netaddr *addr,
		   char name[FAKE_NAME_MAX + 1]);

/*
 * After -ENOSPC: true the first time since the map last had room, so that a
 * full map is said once, not once per name refused.
 */
bool fake_map_full_news(struct fake_map *map);

#endif
