/* Where a hop is asked to connect: a host name, or an address. */
#ifndef SOCKSCHAIN_ENDPOINT_H
#define SOCKSCHAIN_ENDPOINT_H

#include "netaddr.h"

struct endpoint {
	const char *name;	/* a host name for the hop to resolve, or NULL */
	struct netaddr addr;	/* the address when name is NULL; the port always */
};

/* "name:port", "192.0.2.1:80" or "[2001:db8::1]:443", for messages. */
#define ENDPOINT_TEXT_MAX (255 + 8)
void endpoint_format(const struct endpoint *ep, char *buf, size_t cap);

/* Whether a name is safe to put in a request: 1-255 bytes of letters, digits, "-._". */
bool endpoint_name_ok(const char *name);

#endif
