/*
 * The leak guard, on with dns=remote unless udp=allow: what a TCP chain
 * cannot carry must not go out beside it. Refused: DNS (port 53, UDP or TCP,
 * to any address, loopback resolvers included: they forward), any UDP (or
 * other traffic that is not TCP: no hop carries it) to an address that is
 * not bypassed, and raw IP but ICMP to any address (its ports are unseen).
 */
#ifndef SOCKSCHAIN_LEAK_GUARD_H
#define SOCKSCHAIN_LEAK_GUARD_H

#include "config.h"

/* Whether the guard refuses anything at all: sends may skip it when not. */
bool leak_guard_on(const struct shim_config *cfg);

/*
 * 0 when traffic of this socket type (SOCK_STREAM, SOCK_DGRAM, SOCK_RAW...)
 * and protocol (IPPROTO_*) to dest may go on; -1 with errno EPERM (a local firewall rule, in connect(2)'s words)
 * after one line naming what was refused.
 */
int leak_guard_check(const struct shim_config *cfg, int type, int protocol,
		     const struct netaddr *dest, const char *call);

/* leak_guard_check() in two: why it would refuse (NULL: it would not), then the refusal. */
const char *leak_guard_refusal(const struct shim_config *cfg, int type, int protocol,
			       const struct netaddr *dest);
int leak_guard_refuse(const struct shim_config *cfg, const struct netaddr *dest,
		      const char *call, const char *what);

#endif
