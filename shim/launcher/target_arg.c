#define _GNU_SOURCE
#include "target_arg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *text, uint16_t *port)
{
	char *end;
	unsigned long n = strtoul(text, &end, 10);

	if (*text < '0' || *text > '9' || *end || n < 1 || n > 65535)
		return -EINVAL;
	*port = (uint16_t)n;
	return 0;
}

int target_arg_parse(const char *text, struct endpoint *ep, char name_buf[256])
{
	const char *colon = strrchr(text, ':'), *host = text;
	size_t len = strlen(text);

	memset(ep, 0, sizeof(*ep));
	ep->addr.port = 80;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || (close[1] && close[1] != ':'))
			return -EINVAL;
		host = text + 1;
		len = (size_t)(close - host);
		colon = close[1] ? close + 1 : NULL;
	} else if (colon && strchr(text, ':') != colon) {
		colon = NULL;	/* a bare IPv6 address: no port */
	} else if (colon) {
		len = (size_t)(colon - text);
	}
	if (colon && parse_port(colon + 1, &ep->addr.port) < 0)
		return -EINVAL;
	if (len == 0 || len > 255)
		return -EINVAL;
	memcpy(name_buf, host, len);
	name_buf[len] = '\0';
	if (inet_pton(AF_INET, name_buf, ep->addr.addr) == 1) {
		ep->addr.family = AF_INET;
	} else if (inet_pton(AF_INET6, name_buf, ep->addr.addr) == 1) {
		ep->addr.family = AF_INET6;
	} else {
		if (!endpoint_name_ok(name_buf))
			return -EINVAL;
		ep->name = name_buf;
	}
	return 0;
}
