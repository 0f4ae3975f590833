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
 * Resolves hop 1 when it is written as a name, preferring IPv4. Only hop 1:
 * we connect to it ourselves, while every later hop written as a name is
 * handed to the hop before it as that name, so no local lookup reveals it.
 * Returns 0, or -EHOSTUNREACH with err naming the hop and the reason.
 */
int chain_resolve(struct chain_config *cfg, const struct resolver *res, const char *origin,
		  struct spec_error *err);

#endif
