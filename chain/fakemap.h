/*
 * The fake address map: names resolved by the last hop get stand-in
 * addresses, the same name always the same address, and each address leads
 * back to its name when the program connects to it.
 *
 * The map lives in memory the caller provides, meant to be a shared
 * anonymous mapping made before any fork, so that a name resolved in one
 * process is connectable in its forked children and parent alike. One
 * robust, process-shared mutex serialises the writers: a process that dies
 * holding it cannot hang the others. Lookups take no lock: what they read
 * was published whole, and is never changed. Entries are never removed; the
 * map holds up to FAKE_MAP_CAPACITY names and then refuses new ones.
 */
#ifndef SOCKSCHAIN_FAKEMAP_H
#define SOCKSCHAIN_FAKEMAP_H

#include "netaddr.h"

#include <stdbool.h>
#include <stddef.h>

#define FAKE_MAP_CAPACITY 16384
#define FAKE_NAME_MAX 255

struct fake_map;

/* The bytes a map needs. */
size_t fake_map_size(void);

/* Sets up a map in zeroed memory of fake_map_size() bytes. 0 or a negative errno. */
int fake_map_init(struct fake_map *map);

/*
 * The fake address for name in range (same name, same address; names
 * compare without regard to case). Returns 0, or -ENOSPC when the map or the
 * range is full, -EINVAL for a name that is not a host name.
 */
int fake_map_assign(struct fake_map *map, const struct cidr *range, const char *name,
		    struct netaddr *addr);

/* The name behind a fake address, copied into name. False when addr is not one. */
bool fake_map_name(struct fake_map *map, const struct cidr *range, const struct netaddr *addr,
		   char name[FAKE_NAME_MAX + 1]);

#endif
