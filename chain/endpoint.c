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

/* Letters, digits, '-', '.', '_' (tested per byte: strspn() builds a table on each call). */
static bool name_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

bool endpoint_name_ok(const char *name)
{
	size_t len = 0;

	/* Rules out what could break a request: spaces, CR, LF, ':', '@', '/'. */
	while (len <= 255 && name_byte((unsigned char)name[len]))
		len++;
	return len >= 1 && len <= 255 && name[len] == '\0';
}
