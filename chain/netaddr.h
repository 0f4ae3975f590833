/* Address helpers: CIDR ranges, IPv4-mapped IPv6, and printing addresses. */
#ifndef SOCKSCHAIN_NETADDR_H
#define SOCKSCHAIN_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct cidr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network byte order; 4 bytes used for AF_INET */
	unsigned prefix;	/* bits */
};

/* "10.0.0.0/8", "192.0.2.1", "::1", "fe80::/10" or "[::1]/128". 0 or -EINVAL. */
int cidr_parse(const char *text, struct cidr *out);

/*
 * The address and port a connect() is for, with IPv4-mapped IPv6 addresses
 * unwrapped to plain IPv4, since that is what a proxy must be asked for.
 */
struct netaddr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint16_t port;		/* host byte order */
};

/* Whether addr lies in the range. */
bool cidr_contains(const struct cidr *range, const struct netaddr *addr);

/* 0, or -EINVAL (short length) / -EAFNOSUPPORT (not an internet address). */
int netaddr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct netaddr *out);

/*
 * The sockaddr a socket of sock_family uses to reach addr: IPv4 as mapped IPv6
 * on an AF_INET6 socket. Returns the length, or 0 when it cannot (IPv6 on AF_INET).
 */
socklen_t netaddr_to_sockaddr(const struct netaddr *addr, int sock_family,
			      struct sockaddr_storage *out);

/* "192.0.2.1:80" or "[2001:db8::1]:443". Always NUL-terminates. */
#define NETADDR_TEXT_MAX 64
void netaddr_format(const struct netaddr *addr, char *buf, size_t cap);

#endif
