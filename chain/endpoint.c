#define _GNU_SOURCE
#include "endpoint.h"

#include <stdio.h>
#include <string.h>

void endpoint_format(const struct endpoint *ep, char *buf, size_t cap)
{
	if (ep->name)
		snprintf(buf, cap, "%s:%u", ep->name, ep->addr.port);
	else
		netaddr_format(&ep->addr, buf, cap);
}

bool endpoint_name_ok(const char *name)
{
	size_t len = strlen(name);

	/* Rules out what could break a request: spaces, CR, LF, ':', '@', '/'. */
	return len >= 1 && len <= 255 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") == len;
}
