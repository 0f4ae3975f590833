/*
 * What Linux does with sa_family and addrlen, read from net/ipv4 (af_inet.c,
 * tcp_ipv4.c, datagram.c, udp.c, raw.c) and net/ipv6 (tcp_ipv6.c,
 * datagram.c, udp.c, raw.c). Each row says why the library must judge it so.
 *
 *  socket  call          sa_family  length  the kernel, and so the library
 *  any     connect       AF_UNSPEC  >= 2    disconnects: no destination
 *  INET    TCP connect   AF_INET    >= 16   connects: judge sin_addr
 *  INET6   TCP connect   AF_INET6   >= 24   connects: 24 (RFC 2133, no scope
 *                                           id) is enough, so 28 is not needed
 *  INET6   TCP connect   AF_INET    any     EAFNOSUPPORT: TCP wants its own family
 *  any     TCP send      any        any     ignores the address (MSG_FASTOPEN
 *                                           is a connect, judged as one)
 *  INET    datagram      AF_INET    >= 16   sends or connects there
 *  INET    datagram send AF_UNSPEC  >= 16   UDP and raw IPv4 take it as AF_INET:
 *                                           judge it as IPv4, or DNS leaks
 *  INET6   datagram      AF_INET6   >= 24   sends or connects there
 *  INET6   datagram      AF_INET    >= 16   UDP goes as IPv4 (unless IPV6_V6ONLY):
 *                                           judge it as IPv4
 *  INET6   datagram send AF_UNSPEC  >= 24   UDP uses the connected peer, but raw
 *                                           IPv6 takes it as AF_INET6: judge it
 *                                           as IPv6, which refuses no more than
 *                                           the kernel might send
 *  any     any           other, or shorter  EINVAL or EAFNOSUPPORT: no destination
 *
 * The unspecified address (0.0.0.0, ::) is this host to the kernel, which
 * sends it to loopback: judged as loopback, or it would reach the proxy's
 * own loopback. Longer than a sockaddr_storage, connect() and sendto() fail
 * with EINVAL and sendmsg() reads the first 128 bytes: the caller's copy.
 */
#define _GNU_SOURCE
#include "sockdest.h"

#include <netinet/in.h>
#include <string.h>

#define SIN6_LEN_RFC2133 24	/* a sockaddr_in6 without sin6_scope_id */

static bool is_stream(int sock_type)
{
	return sock_type == SOCK_STREAM;
}

/* The family the kernel will read the address as, or AF_UNSPEC for none. */
static int family_used(int sock_family, int sock_type, enum sockdest_call call,
		       int sa_family, socklen_t len)
{
	int family = sa_family;

	if (is_stream(sock_type) && call == SOCKDEST_SEND)
		return AF_UNSPEC;
	if (family == AF_UNSPEC && call == SOCKDEST_SEND)
		family = sock_family;
	if (family != sock_family &&
	    !(sock_family == AF_INET6 && family == AF_INET && !is_stream(sock_type)))
		return AF_UNSPEC;
	if (family == AF_INET && len >= sizeof(struct sockaddr_in))
		return AF_INET;
	if (family == AF_INET6 && len >= SIN6_LEN_RFC2133)
		return AF_INET6;
	return AF_UNSPEC;
}

static void any_is_loopback(struct netaddr *dest)
{
	static const uint8_t zero[16];

	if (dest->family == AF_INET && memcmp(dest->addr, zero, 4) == 0) {
		dest->addr[0] = 127;
		dest->addr[3] = 1;
	} else if (dest->family == AF_INET6 && memcmp(dest->addr, zero, 16) == 0) {
		dest->addr[15] = 1;
	}
}

int sockdest_judge(int sock_family, int sock_type, enum sockdest_call call,
		   const struct sockaddr *sa, socklen_t len, struct netaddr *dest)
{
	struct sockaddr_storage ss = { 0 };
	int family;

	if (len < sizeof(sa_family_t))
		return 0;
	family = family_used(sock_family, sock_type, call, sa->sa_family, len);
	if (family == AF_UNSPEC)
		return 0;
	memcpy(&ss, sa, len < sizeof(ss) ? len : sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (netaddr_from_sockaddr((const struct sockaddr *)&ss, len, dest) < 0)
		return 0;
	any_is_loopback(dest);
	return 1;
}

bool netaddr_is_link_local(const struct netaddr *addr)
{
	return addr->family == AF_INET6 && addr->addr[0] == 0xfe && (addr->addr[1] & 0xc0) == 0x80;
}
