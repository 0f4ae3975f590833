#define _GNU_SOURCE
#include "endpoint.h"
#include "hostname.h"

#include <stdio.h>

void endpoint_format(const struct endpoint *ep, char *buf, size_t cap)
{
	if (ep->name)
		snprintf(buf, cap, "%s:%u", ep->name, ep->addr.port);
	else
		netaddr_format(&ep->addr, buf, cap);
}

bool endpoint_name_ok(const char *name)
{
	size_t len = 0;

	/* Rules out what could break a request: spaces, CR, LF, ':', '@', '/'. */
	while (len <= 255 && (hostname_label_byte((unsigned char)name[len]) || name[len] == '.'))
		len++;
	return len >= 1 && len <= 255 && name[len] == '\0';
}
