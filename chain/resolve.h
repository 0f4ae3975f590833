/* Turning hop names into addresses: what to pick from an answer, and the launcher's check. */
#ifndef SOCKSCHAIN_RESOLVE_H
#define SOCKSCHAIN_RESOLVE_H

#include "spec.h"

#include <netdb.h>
#include <stdint.h>

/* The resolver to use: the shim passes the real libc functions. */
struct resolver {
	int (*getaddrinfo)(const char *node, const char *service,
			   const struct addrinfo *hints, struct addrinfo **res);
	void (*freeaddrinfo)(struct addrinfo *res);
};

/*
 * Resolves hop, written as a name, by the deadline: 0 with *addr set, its
 * port included, or -EHOSTUNREACH with reason saying why, in words for a
 * message. Supplied by the shim, which bounds the lookup and caches answers.
 */
typedef int (*hop_resolve_fn)(const struct hop *hop, int64_t deadline, struct netaddr *addr,
			      char *reason, size_t cap);

/* From a getaddrinfo() answer, the first IPv4 address, else the first IPv6; -1: neither. */
int resolve_pick(const struct addrinfo *list, uint16_t port, struct netaddr *out);

/*
 * Resolves into hop->addr the hops written as names that a connection may
 * dial first: hop 1 of a strict chain, any hop of the other modes, each
 * within its chain's timeout. Only those: every hop after the first is
 * handed to the hop before it as its name, so no local lookup reveals it. A
 * strict chain whose hop 1 does not resolve is an error (-EHOSTUNREACH, err
 * naming the hop and the reason); a hop of another mode that does not
 * resolve is left unresolved. For the launcher's checks: the library
 * resolves when it connects.
 */
int chain_resolve(struct chain_config *cfg, hop_resolve_fn resolve, const char *origin,
		  struct spec_error *err);

#endif
