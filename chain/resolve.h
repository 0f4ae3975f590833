/* Turning hop names into addresses, once, when a chain is loaded. */
#ifndef SOCKSCHAIN_RESOLVE_H
#define SOCKSCHAIN_RESOLVE_H

#include "spec.h"

#include <netdb.h>

/* The resolver to use: the shim passes the real libc functions. */
struct resolver {
	int (*getaddrinfo)(const char *node, const char *service,
			   const struct addrinfo *hints, struct addrinfo **res);
	void (*freeaddrinfo)(struct addrinfo *res);
};

/*
 * Resolves, preferring IPv4, the hops written as names that a connection may
 * dial first: hop 1 of a strict chain, any hop of the other modes. Only
 * those: every hop after the first is handed to the hop before it as its
 * name, so no local lookup reveals it. A strict chain whose hop 1 does not
 * resolve is an error (-EHOSTUNREACH, err naming the hop and the reason); a
 * hop of another mode that does not resolve is left unresolved, and skipped
 * when a connection would dial it first.
 */
int chain_resolve(struct chain_config *cfg, const struct resolver *res, const char *origin,
		  struct spec_error *err);

#endif
