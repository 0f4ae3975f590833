/*
 * Hop names, resolved when a connection needs them and within its deadline,
 * as the library does (shim/common/hop_names.c). The supervisor is no
 * preloaded library and runs outside the filter, so libc's own getaddrinfo
 * is the real one.
 */
#define _GNU_SOURCE
#include "hop_resolver.h"

#include "../common/hop_names.h"

#include <netdb.h>

int supervisor_resolve_hop(const struct hop *hop, int64_t deadline, struct netaddr *addr,
			   char *reason, size_t cap)
{
	static const struct resolver resolver = { getaddrinfo, freeaddrinfo };

	return hop_names_resolve(&resolver, hop, deadline, addr, reason, cap);
}
