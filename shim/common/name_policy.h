/* Which names the library resolves remotely (fake addresses) and which it leaves to libc. */
#ifndef SOCKSCHAIN_NAME_POLICY_H
#define SOCKSCHAIN_NAME_POLICY_H

#include "config.h"

/*
 * The configuration when name is to be resolved by the last hop, or NULL
 * when the real resolver takes it: no name, a numeric address, "localhost" or
 * a bypassed name, dns=local, or a call made while the library loads itself.
 * A chain that could not be loaded still resolves remotely: its connections
 * fail closed anyway, and a local lookup would leak the name.
 */
const struct shim_config *name_policy_remote(const char *name);

/*
 * Whether the library answers name itself with loopback addresses: a name
 * under "localhost" (RFC 6761 section 6.3) with dns=remote, which libc would
 * send to DNS unless /etc/hosts lists it. dns=local leaves it to libc.
 */
bool name_policy_loopback(const char *name);

/*
 * For reverse lookups: whether a lookup of addr by the real resolver could
 * send a query out (dns=remote and addr not bypassed), so it must not happen.
 */
bool name_policy_reverse_leaks(const struct shim_config *cfg, const struct netaddr *addr);

/*
 * For libc calls that send DNS queries themselves (res_*, ruserok): with
 * dns=remote, says in one line that fn_name(what) is refused, sets errno
 * EPERM and h_errno NO_RECOVERY, and returns true; else false.
 */
bool name_policy_refuse_query(const char *fn_name, const char *what);

#endif
