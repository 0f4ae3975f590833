/*
 * What shim/common needs from the program that links it: the resolver for
 * hop names. The supervisor is no preloaded library and runs outside the
 * filter, so libc's own getaddrinfo is the real one.
 */
#define _GNU_SOURCE
#include "../common/config.h"

#include <netdb.h>

const struct resolver *shim_hop_resolver(void)
{
	static const struct resolver resolver = { getaddrinfo, freeaddrinfo };

	return &resolver;
}
