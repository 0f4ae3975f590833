/* The destination the kernel will use, judged from raw socket addresses. */
#define _GNU_SOURCE
#include "../../chain/sockdest.h"
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static struct sockaddr_storage ss;

static const struct sockaddr *v4(int family, const char *ip, uint16_t port)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	inet_pton(AF_INET, ip, &in4->sin_addr);
	in4->sin_family = (sa_family_t)family;
	in4->sin_port = htons(port);
	return (const struct sockaddr *)&ss;
}

static const struct sockaddr *v6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	inet_pton(AF_INET6, ip, &in6->sin6_addr);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	return (const struct sockaddr *)&ss;
}

static bool is(const struct netaddr *a, const char *ip, uint16_t port)
{
	char text[NETADDR_TEXT_MAX], want[NETADDR_TEXT_MAX];

	netaddr_format(a, text, sizeof(text));
	snprintf(want, sizeof(want), strchr(ip, ':') ? "[%s]:%u" : "%s:%u", ip, port);
	return strcmp(text, want) == 0;
}

static void tcp_lengths(void)
{
	struct netaddr d;

	CHECK(sockdest_judge(AF_INET6, SOCK_STREAM, SOCKDEST_CONNECT, v6("::ffff:198.18.0.1", 80),
			     24, &d) == 1 && is(&d, "198.18.0.1", 80));
	CHECK(sockdest_judge(AF_INET6, SOCK_STREAM, SOCKDEST_CONNECT, v6("2001:db8::1", 443), 28,
			     &d) == 1 && is(&d, "2001:db8::1", 443));
	CHECK(sockdest_judge(AF_INET6, SOCK_STREAM, SOCKDEST_CONNECT, v6("2001:db8::1", 443), 23,
			     &d) == 0);
	CHECK(sockdest_judge(AF_INET, SOCK_STREAM, SOCKDEST_CONNECT, v4(AF_INET, "198.18.0.1", 1),
			     16, &d) == 1);
	CHECK(sockdest_judge(AF_INET, SOCK_STREAM, SOCKDEST_CONNECT, v4(AF_INET, "198.18.0.1", 1),
			     15, &d) == 0);
	CHECK(sockdest_judge(AF_INET, SOCK_STREAM, SOCKDEST_CONNECT, v4(AF_INET, "198.18.0.1", 1),
			     1, &d) == 0);
}

static void tcp_families(void)
{
	struct netaddr d;

	/* TCP wants its own family; AF_UNSPEC disconnects (or, for Fast Open, is EOPNOTSUPP). */
	CHECK(sockdest_judge(AF_INET6, SOCK_STREAM, SOCKDEST_CONNECT, v4(AF_INET, "198.18.0.1", 1),
			     16, &d) == 0);
	CHECK(sockdest_judge(AF_INET, SOCK_STREAM, SOCKDEST_CONNECT, v6("::ffff:198.18.0.1", 1),
			     28, &d) == 0);
	CHECK(sockdest_judge(AF_INET, SOCK_STREAM, SOCKDEST_CONNECT, v4(AF_UNSPEC, "198.18.0.1", 1),
			     16, &d) == 0);
	/* A TCP send without MSG_FASTOPEN goes to the peer, whatever it names. */
	CHECK(sockdest_judge(AF_INET, SOCK_STREAM, SOCKDEST_SEND, v4(AF_INET, "198.18.0.1", 1),
			     16, &d) == 0);
}

static void datagram_families(void)
{
	struct netaddr d;

	CHECK(sockdest_judge(AF_INET, SOCK_DGRAM, SOCKDEST_SEND, v4(AF_UNSPEC, "127.0.0.1", 53),
			     16, &d) == 1 && is(&d, "127.0.0.1", 53));
	CHECK(sockdest_judge(AF_INET, SOCK_DGRAM, SOCKDEST_CONNECT, v4(AF_UNSPEC, "127.0.0.1", 53),
			     16, &d) == 0);	/* a disconnect */
	CHECK(sockdest_judge(AF_INET6, SOCK_DGRAM, SOCKDEST_SEND, v4(AF_INET, "198.18.0.2", 9),
			     16, &d) == 1 && is(&d, "198.18.0.2", 9));
	CHECK(sockdest_judge(AF_INET6, SOCK_DGRAM, SOCKDEST_CONNECT, v4(AF_INET, "198.18.0.2", 9),
			     16, &d) == 1);
	CHECK(sockdest_judge(AF_INET6, SOCK_DGRAM, SOCKDEST_SEND, v6("::ffff:127.0.0.1", 53),
			     24, &d) == 1 && is(&d, "127.0.0.1", 53));
	CHECK(sockdest_judge(AF_INET, SOCK_DGRAM, SOCKDEST_SEND, v6("2001:db8::1", 53), 28,
			     &d) == 0);
	CHECK(sockdest_judge(AF_INET, SOCK_DGRAM, SOCKDEST_SEND, v4(AF_UNIX, "127.0.0.1", 53), 16,
			     &d) == 0);
}

static void unspecified_is_loopback(void)
{
	struct netaddr d;

	CHECK(sockdest_judge(AF_INET, SOCK_STREAM, SOCKDEST_CONNECT, v4(AF_INET, "0.0.0.0", 80), 16,
			     &d) == 1 && is(&d, "127.0.0.1", 80));
	CHECK(sockdest_judge(AF_INET6, SOCK_STREAM, SOCKDEST_CONNECT, v6("::", 80), 28, &d) == 1 &&
	      is(&d, "::1", 80));
	CHECK(sockdest_judge(AF_INET6, SOCK_STREAM, SOCKDEST_CONNECT, v6("::ffff:0.0.0.0", 80), 28,
			     &d) == 1 && is(&d, "127.0.0.1", 80));
}

static void link_local(void)
{
	struct netaddr d;

	sockdest_judge(AF_INET6, SOCK_STREAM, SOCKDEST_CONNECT, v6("fe80::1", 80), 28, &d);
	CHECK(netaddr_is_link_local(&d));
	sockdest_judge(AF_INET6, SOCK_STREAM, SOCKDEST_CONNECT, v6("febf::1", 80), 28, &d);
	CHECK(netaddr_is_link_local(&d));
	sockdest_judge(AF_INET6, SOCK_STREAM, SOCKDEST_CONNECT, v6("fec0::1", 80), 28, &d);
	CHECK(!netaddr_is_link_local(&d));
}

int main(void)
{
	RUN(tcp_lengths);
	RUN(tcp_families);
	RUN(datagram_families);
	RUN(unspecified_is_loopback);
	RUN(link_local);
	return check_done();
}
