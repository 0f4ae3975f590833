#define _GNU_SOURCE
#include "netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* The kernel's minimum for AF_INET6: a sockaddr_in6 without sin6_scope_id. */
#define SIN6_LEN_RFC2133 24

static int parse_prefix(const char *text, unsigned max, unsigned *out)
{
	char *end;
	unsigned long n;

	if (*text < '0' || *text > '9')
		return -EINVAL;
	n = strtoul(text, &end, 10);
	if (*end != '\0' || n > max)
		return -EINVAL;
	*out = (unsigned)n;
	return 0;
}

int cidr_parse(const char *text, struct cidr *out)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *slash = strchr(text, '/');
	size_t hostlen = slash ? (size_t)(slash - text) : strlen(text);
	char *h = host;

	if (hostlen == 0 || hostlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, hostlen);
	host[hostlen] = '\0';
	if (host[0] == '[') {
		if (hostlen < 3 || host[hostlen - 1] != ']')
			return -EINVAL;
		host[hostlen - 1] = '\0';
		h = host + 1;
	}
	memset(out, 0, sizeof(*out));
	if (h == host && inet_pton(AF_INET, h, out->addr) == 1) {
		out->family = AF_INET;
		out->prefix = 32;
	} else if (inet_pton(AF_INET6, h, out->addr) == 1) {
		out->family = AF_INET6;
		out->prefix = 128;
	} else {
		return -EINVAL;
	}
	if (slash)
		return parse_prefix(slash + 1, out->prefix, &out->prefix);
	return 0;
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	uint8_t mask;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

bool cidr_contains(const struct cidr *range, const struct netaddr *addr)
{
	return addr->family == range->family &&
	       prefix_equal(addr->addr, range->addr, range->prefix);
}

int netaddr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct netaddr *out)
{
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		if (len < sizeof(*in4))
			return -EINVAL;
		out->family = AF_INET;
		memcpy(out->addr, &in4->sin_addr, 4);
		out->port = ntohs(in4->sin_port);
		return 0;
	}
	if (sa->sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (len < SIN6_LEN_RFC2133)
		return -EINVAL;
	out->port = ntohs(in6->sin6_port);
	if (memcmp(in6->sin6_addr.s6_addr, v4mapped_prefix, 12) == 0) {
		out->family = AF_INET;
		memcpy(out->addr, in6->sin6_addr.s6_addr + 12, 4);
	} else {
		out->family = AF_INET6;
		memcpy(out->addr, in6->sin6_addr.s6_addr, 16);
	}
	return 0;
}

socklen_t netaddr_to_sockaddr(const struct netaddr *addr, int sock_family,
			      struct sockaddr_storage *out)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (sock_family == AF_INET) {
		if (addr->family != AF_INET)
			return 0;
		in4->sin_family = AF_INET;
		in4->sin_port = htons(addr->port);
		memcpy(&in4->sin_addr, addr->addr, 4);
		return sizeof(*in4);
	}
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(addr->port);
	if (addr->family == AF_INET) {
		memcpy(in6->sin6_addr.s6_addr, v4mapped_prefix, 12);
		memcpy(in6->sin6_addr.s6_addr + 12, addr->addr, 4);
	} else {
		memcpy(in6->sin6_addr.s6_addr, addr->addr, 16);
	}
	return sizeof(*in6);
}

void netaddr_format(const struct netaddr *addr, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(addr->family, addr->addr, ip, sizeof(ip));
	if (addr->family == AF_INET6)
		snprintf(buf, cap, "[%s]:%u", ip, addr->port);
	else
		snprintf(buf, cap, "%s:%u", ip, addr->port);
}
