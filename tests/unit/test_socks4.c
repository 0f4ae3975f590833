/* The SOCKS4 codec: requests byte for byte, and every kind of reply. */
#define _GNU_SOURCE
#include "../../chain/socks4.h"
#include "check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static struct endpoint ipv4(const char *ip, uint16_t port)
{
	struct endpoint e = { .name = NULL, .addr = { .family = AF_INET, .port = port } };

	inet_pton(AF_INET, ip, e.addr.addr);
	return e;
}

static void request_layout(void)
{
	static const uint8_t want[] = { 4, 1, 0x1f, 0x90, 198, 18, 0, 7, 'b', 'o', 'b', 0 };
	struct endpoint dest = ipv4("198.18.0.7", 8080);
	uint8_t buf[SOCKS4_REQUEST_MAX];

	CHECK(socks4_build_connect(buf, sizeof(buf), &dest, "bob") == (int)sizeof(want));
	CHECK(memcmp(buf, want, sizeof(want)) == 0);
}

static void request_empty_userid(void)
{
	static const uint8_t want[] = { 4, 1, 0, 80, 127, 0, 0, 1, 0 };
	struct endpoint dest = ipv4("127.0.0.1", 80);
	uint8_t buf[SOCKS4_REQUEST_MAX];

	CHECK(socks4_build_connect(buf, sizeof(buf), &dest, "") == (int)sizeof(want));
	CHECK(memcmp(buf, want, sizeof(want)) == 0);
}

static void request_refuses_ipv6(void)
{
	struct endpoint dest = { .addr = { .family = AF_INET6, .port = 80 } };
	uint8_t buf[SOCKS4_REQUEST_MAX];

	CHECK(socks4_build_connect(buf, sizeof(buf), &dest, "") == -EAFNOSUPPORT);
}

static void request_userid_limits(void)
{
	struct endpoint dest = ipv4("198.18.0.1", 1);
	uint8_t buf[SOCKS4_REQUEST_MAX];
	char id[300];

	memset(id, 'u', 255);
	id[255] = '\0';
	CHECK(socks4_build_connect(buf, sizeof(buf), &dest, id) == 8 + 255 + 1);
	memset(id, 'u', 256);
	id[256] = '\0';
	CHECK(socks4_build_connect(buf, sizeof(buf), &dest, id) == -ENAMETOOLONG);
	CHECK(socks4_build_connect(buf, 10, &dest, "abc") == -ENOBUFS);
}

static void socks4a_request_layout(void)
{
	static const uint8_t want[] = { 4, 1, 0, 22, 0, 0, 0, 1, 'u', 0, 'h', 'o', 's', 't', '.', 't', 'e', 's', 't', 0 };
	struct endpoint dest = { .name = "host.test", .addr = { .port = 22 } };
	uint8_t buf[SOCKS4_REQUEST_MAX];

	CHECK(socks4_build_connect(buf, sizeof(buf), &dest, "u") == (int)sizeof(want));
	CHECK(memcmp(buf, want, sizeof(want)) == 0);
}

static void socks4a_name_limits(void)
{
	struct endpoint dest = { .addr = { .port = 1 } };
	uint8_t buf[SOCKS4_REQUEST_MAX];
	char name[300];

	memset(name, 'n', 255);
	name[255] = '\0';
	dest.name = name;
	CHECK(socks4_build_connect(buf, sizeof(buf), &dest, "") == 8 + 1 + 256);
	memset(name, 'n', 256);
	name[256] = '\0';
	CHECK(socks4_build_connect(buf, sizeof(buf), &dest, "") == -ENAMETOOLONG);
	dest.name = "evil\r\nname";
	CHECK(socks4_build_connect(buf, sizeof(buf), &dest, "") == -EINVAL);
	dest.name = "";
	CHECK(socks4_build_connect(buf, sizeof(buf), &dest, "") == -EINVAL);
}

static int judge(uint8_t vn, uint8_t cd)
{
	uint8_t reply[SOCKS4_REPLY_LEN] = { vn, cd, 0, 0, 0, 0, 0, 0 };
	const char *why = NULL;
	int rc = socks4_check_reply(reply, &why);

	CHECK(why != NULL && why[0] != '\0');
	return rc;
}

static void replies(void)
{
	CHECK(judge(0, 90) == 0);
	CHECK(judge(4, 90) == 0);	/* the seed document's version byte */
	CHECK(judge(0, 91) == -ECONNREFUSED);
	CHECK(judge(0, 92) == -EACCES);
	CHECK(judge(0, 93) == -EACCES);
	CHECK(judge(4, 91) == -ECONNREFUSED);
}

static void malformed_replies(void)
{
	CHECK(judge(5, 90) == -EPROTO);
	CHECK(judge('H', 'T') == -EPROTO);
	CHECK(judge(0, 0) == -EPROTO);
	CHECK(judge(0, 89) == -EPROTO);
	CHECK(judge(0, 94) == -EPROTO);
	CHECK(judge(0xff, 0xff) == -EPROTO);
}

int main(void)
{
	RUN(request_layout);
	RUN(request_empty_userid);
	RUN(request_refuses_ipv6);
	RUN(request_userid_limits);
	RUN(socks4a_request_layout);
	RUN(socks4a_name_limits);
	RUN(replies);
	RUN(malformed_replies);
	return check_done();
}
