/* The SOCKS5 and RFC 1929 codec: every message byte for byte, every reply judged. */
#define _GNU_SOURCE
#include "../../chain/socks5.h"
#include "check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static void greeting(void)
{
	uint8_t buf[SOCKS5_GREETING_MAX];

	CHECK(socks5_build_greeting(buf, sizeof(buf), SOCKS5_OFFER_NONE) == 3);
	CHECK(memcmp(buf, "\x05\x01\x00", 3) == 0);
	CHECK(socks5_build_greeting(buf, sizeof(buf), SOCKS5_OFFER_NONE | SOCKS5_OFFER_PASSWORD) == 4);
	CHECK(memcmp(buf, "\x05\x02\x00\x02", 4) == 0);
	/* pipelined: one method only, so the bytes after the greeting mean one thing */
	CHECK(socks5_build_greeting(buf, sizeof(buf), SOCKS5_OFFER_PASSWORD) == 3);
	CHECK(memcmp(buf, "\x05\x01\x02", 3) == 0);
	CHECK(socks5_build_greeting(buf, sizeof(buf), 0) == -EINVAL);
}

static int choice(uint8_t ver, uint8_t method, unsigned offer)
{
	uint8_t reply[2] = { ver, method };
	const char *why = "";

	return socks5_check_choice(reply, offer, &why);
}

enum { NONE = SOCKS5_OFFER_NONE, PASSWORD = SOCKS5_OFFER_PASSWORD, BOTH = NONE | PASSWORD };

static void method_choice(void)
{
	CHECK(choice(5, 0, NONE) == SOCKS5_METHOD_NONE);
	CHECK(choice(5, 0, BOTH) == SOCKS5_METHOD_NONE);
	CHECK(choice(5, 2, BOTH) == SOCKS5_METHOD_PASSWORD);
	CHECK(choice(5, 2, PASSWORD) == SOCKS5_METHOD_PASSWORD);
	CHECK(choice(5, 2, NONE) == -EPROTO);	/* not offered */
	CHECK(choice(5, 0, PASSWORD) == -EPROTO);	/* not offered: our credentials would be misread */
	CHECK(choice(5, 1, BOTH) == -EPROTO);	/* GSSAPI: never offered */
	CHECK(choice(5, 0xff, BOTH) == -EACCES);
	CHECK(choice(5, 0xff, PASSWORD) == -EACCES);
	CHECK(choice(5, 0xff, NONE) == -EACCES);
	CHECK(choice(4, 0, NONE) == -EPROTO);
}

static void auth_request(void)
{
	uint8_t buf[SOCKS5_AUTH_MAX];
	char long_name[300];

	CHECK(socks5_build_auth(buf, sizeof(buf), "bob", "p@ss:%") == 3 + 3 + 6);
	CHECK(memcmp(buf, "\x01\x03" "bob" "\x06" "p@ss:%", 12) == 0);
	CHECK(socks5_build_auth(buf, sizeof(buf), "", "x") == -EINVAL);
	memset(long_name, 'a', 256);
	long_name[256] = '\0';
	CHECK(socks5_build_auth(buf, sizeof(buf), long_name, "x") == -ENAMETOOLONG);
	CHECK(socks5_build_auth(buf, sizeof(buf), "u", long_name) == -ENAMETOOLONG);
	long_name[255] = '\0';
	CHECK(socks5_build_auth(buf, sizeof(buf), long_name, long_name) == 3 + 255 + 255);
}

static void auth_reply(void)
{
	const char *why;

	CHECK(socks5_check_auth((const uint8_t *)"\x01\x00", &why) == 0);
	CHECK(socks5_check_auth((const uint8_t *)"\x01\x01", &why) == -EACCES);
	CHECK(socks5_check_auth((const uint8_t *)"\x01\xff", &why) == -EACCES);
	CHECK(socks5_check_auth((const uint8_t *)"\x48\x00", &why) == -EPROTO);
}

static void connect_requests(void)
{
	struct endpoint v4 = { .addr = { .family = AF_INET, .addr = { 198, 18, 0, 7 }, .port = 443 } };
	struct endpoint v6 = { .addr = { .family = AF_INET6, .port = 80 } };
	struct endpoint name = { .name = "example.test", .addr = { .port = 8080 } };
	uint8_t buf[SOCKS5_REQUEST_MAX];

	CHECK(socks5_build_connect(buf, sizeof(buf), &v4) == 10);
	CHECK(memcmp(buf, "\x05\x01\x00\x01\xc6\x12\x00\x07\x01\xbb", 10) == 0);
	inet_pton(AF_INET6, "2001:2::7", v6.addr.addr);
	CHECK(socks5_build_connect(buf, sizeof(buf), &v6) == 22);
	CHECK(memcmp(buf, "\x05\x01\x00\x04\x20\x01\x00\x02", 8) == 0);
	CHECK(buf[19] == 7 && buf[20] == 0 && buf[21] == 80);
	CHECK(socks5_build_connect(buf, sizeof(buf), &name) == 4 + 1 + 12 + 2);
	CHECK(memcmp(buf, "\x05\x01\x00\x03\x0c" "example.test" "\x1f\x90", 19) == 0);
}

static void connect_name_limits(void)
{
	struct endpoint ep = { .addr = { .port = 1 } };
	uint8_t buf[SOCKS5_REQUEST_MAX];
	char name[300];

	memset(name, 'n', 255);
	name[255] = '\0';
	ep.name = name;
	CHECK(socks5_build_connect(buf, sizeof(buf), &ep) == 4 + 1 + 255 + 2);
	name[255] = 'n';
	name[256] = '\0';
	CHECK(socks5_build_connect(buf, sizeof(buf), &ep) == -ENAMETOOLONG);
	ep.name = "a b";
	CHECK(socks5_build_connect(buf, sizeof(buf), &ep) == -EINVAL);
}

static int reply_len(uint8_t ver, uint8_t atyp, uint8_t first)
{
	uint8_t head[SOCKS5_REPLY_HEAD_LEN] = { ver, 0, 0, atyp, first };
	const char *why;

	return socks5_reply_length(head, &why);
}

static void reply_lengths(void)
{
	CHECK(reply_len(5, 1, 127) == 10);
	CHECK(reply_len(5, 4, 0x20) == 22);
	CHECK(reply_len(5, 3, 0) == 7);
	CHECK(reply_len(5, 3, 255) == 262);
	CHECK(reply_len(5, 2, 0) == -EPROTO);
	CHECK(reply_len(5, 0, 0) == -EPROTO);
	CHECK(reply_len('H', 1, 0) == -EPROTO);
}

static int rep(uint8_t code)
{
	uint8_t head[SOCKS5_REPLY_HEAD_LEN] = { 5, code, 0, 1, 0 };
	const char *why = NULL;
	int rc = socks5_check_reply(head, &why);

	CHECK(rc == 0 || (why && why[0]));
	return rc;
}

static void reply_codes(void)
{
	CHECK(rep(0) == 0);
	CHECK(rep(1) == -ECONNREFUSED);
	CHECK(rep(2) == -EACCES);
	CHECK(rep(3) == -ENETUNREACH);
	CHECK(rep(4) == -EHOSTUNREACH);
	CHECK(rep(5) == -ECONNREFUSED);
	CHECK(rep(6) == -ETIMEDOUT);
	CHECK(rep(7) == -EOPNOTSUPP);
	CHECK(rep(8) == -EAFNOSUPPORT);
	CHECK(rep(9) == -EPROTO);
	CHECK(rep(0xff) == -EPROTO);
}

int main(void)
{
	RUN(greeting);
	RUN(method_choice);
	RUN(auth_request);
	RUN(auth_reply);
	RUN(connect_requests);
	RUN(connect_name_limits);
	RUN(reply_lengths);
	RUN(reply_codes);
	return check_done();
}
