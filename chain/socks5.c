#define _GNU_SOURCE
#include "socks5.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

enum {
	SOCKS5_VERSION = 5,
	SOCKS5_AUTH_VERSION = 1,	/* RFC 1929's own version byte */
	SOCKS5_CMD_CONNECT = 1,
	SOCKS5_ATYP_IPV4 = 1,
	SOCKS5_ATYP_DOMAIN = 3,
	SOCKS5_ATYP_IPV6 = 4,
};

/*
 *   +----+----------+----------+
 *   |VER | NMETHODS | METHODS  |
 *   +----+----------+----------+
 *   | 1  |    1     | 1 to 255 |
 */
int socks5_build_greeting(uint8_t *buf, size_t cap, unsigned offer)
{
	size_t n = 2;

	if (cap < SOCKS5_GREETING_MAX || !(offer & (SOCKS5_OFFER_NONE | SOCKS5_OFFER_PASSWORD)))
		return -EINVAL;
	if (offer & SOCKS5_OFFER_NONE)
		buf[n++] = SOCKS5_METHOD_NONE;
	if (offer & SOCKS5_OFFER_PASSWORD)
		buf[n++] = SOCKS5_METHOD_PASSWORD;
	buf[0] = SOCKS5_VERSION;
	buf[1] = (uint8_t)(n - 2);
	return (int)n;
}

/*
 *   +----+--------+
 *   |VER | METHOD |
 *   +----+--------+
 */
int socks5_check_choice(const uint8_t choice[SOCKS5_CHOICE_LEN], unsigned offer,
			const char **why)
{
	if (choice[0] != SOCKS5_VERSION) {
		*why = "sent a reply that is not SOCKS5";
		return -EPROTO;
	}
	if (choice[1] == SOCKS5_METHOD_NONE && (offer & SOCKS5_OFFER_NONE))
		return SOCKS5_METHOD_NONE;
	if (choice[1] == SOCKS5_METHOD_PASSWORD && (offer & SOCKS5_OFFER_PASSWORD))
		return SOCKS5_METHOD_PASSWORD;
	if (choice[1] == SOCKS5_METHOD_UNACCEPTABLE) {
		*why = !(offer & SOCKS5_OFFER_PASSWORD)
			? "wants authentication, and the chain gives no user for it"
			: (offer & SOCKS5_OFFER_NONE)
			? "accepts none of our methods (no auth, username/password)"
			: "does not accept username/password authentication";
		return -EACCES;
	}
	*why = "chose an authentication method that was not offered";
	return -EPROTO;
}

/*
 *   +----+------+----------+------+----------+
 *   |VER | ULEN |  UNAME   | PLEN |  PASSWD  |
 *   +----+------+----------+------+----------+
 *   | 1  |  1   | 1 to 255 |  1   | 1 to 255 |
 */
int socks5_build_auth(uint8_t *buf, size_t cap, const char *user, const char *password)
{
	size_t ulen = strlen(user), plen = strlen(password);

	if (ulen == 0)
		return -EINVAL;
	if (ulen > 255 || plen > 255)
		return -ENAMETOOLONG;
	if (cap < 3 + ulen + plen)
		return -ENOBUFS;
	buf[0] = SOCKS5_AUTH_VERSION;
	buf[1] = (uint8_t)ulen;
	memcpy(buf + 2, user, ulen);
	buf[2 + ulen] = (uint8_t)plen;
	memcpy(buf + 3 + ulen, password, plen);
	return (int)(3 + ulen + plen);
}

/*
 *   +----+--------+
 *   |VER | STATUS |      STATUS 0 is success; the server closes after a failure
 *   +----+--------+
 */
int socks5_check_auth(const uint8_t reply[SOCKS5_AUTH_REPLY_LEN], const char **why)
{
	if (reply[0] != SOCKS5_AUTH_VERSION && reply[0] != SOCKS5_VERSION) {
		*why = "sent an authentication reply that is not RFC 1929";
		return -EPROTO;
	}
	if (reply[1] != 0) {
		*why = "rejected the user name or password";
		return -EACCES;
	}
	return 0;
}

/*
 *   +----+-----+-------+------+----------+----------+
 *   |VER | CMD |  RSV  | ATYP | DST.ADDR | DST.PORT |
 *   +----+-----+-------+------+----------+----------+
 *   | 1  |  1  | X'00' |  1   | Variable |    2     |
 */
int socks5_build_connect(uint8_t *buf, size_t cap, const struct endpoint *dest)
{
	size_t n = 4, len;

	if (cap < SOCKS5_REQUEST_MAX)
		return -ENOBUFS;
	buf[0] = SOCKS5_VERSION;
	buf[1] = SOCKS5_CMD_CONNECT;
	buf[2] = 0;
	if (dest->name) {
		len = strlen(dest->name);
		if (len > 255)
			return -ENAMETOOLONG;
		if (!endpoint_name_ok(dest->name))
			return -EINVAL;
		buf[3] = SOCKS5_ATYP_DOMAIN;
		buf[n++] = (uint8_t)len;
		memcpy(buf + n, dest->name, len);
		n += len;
	} else if (dest->addr.family == AF_INET) {
		buf[3] = SOCKS5_ATYP_IPV4;
		memcpy(buf + n, dest->addr.addr, 4);
		n += 4;
	} else {
		buf[3] = SOCKS5_ATYP_IPV6;
		memcpy(buf + n, dest->addr.addr, 16);
		n += 16;
	}
	buf[n++] = (uint8_t)(dest->addr.port >> 8);
	buf[n++] = (uint8_t)(dest->addr.port & 0xff);
	return (int)n;
}

/*
 *   +----+-----+-------+------+----------+----------+
 *   |VER | REP |  RSV  | ATYP | BND.ADDR | BND.PORT |
 *   +----+-----+-------+------+----------+----------+
 *   | 1  |  1  | X'00' |  1   | Variable |    2     |
 */
int socks5_reply_length(const uint8_t head[SOCKS5_REPLY_HEAD_LEN], const char **why)
{
	if (head[0] != SOCKS5_VERSION) {
		*why = "sent a reply that is not SOCKS5";
		return -EPROTO;
	}
	switch (head[3]) {
	case SOCKS5_ATYP_IPV4:
		return 4 + 4 + 2;
	case SOCKS5_ATYP_IPV6:
		return 4 + 16 + 2;
	case SOCKS5_ATYP_DOMAIN:
		return 4 + 1 + head[4] + 2;
	}
	*why = "sent a reply with an unknown address type";
	return -EPROTO;
}

/* REP codes in RFC order, with the errno each becomes. */
static const struct {
	int err;
	const char *why;
} replies[] = {
	[1] = { ECONNREFUSED, "failed (SOCKS5 reply 1: general server failure)" },
	[2] = { EACCES, "refused (SOCKS5 reply 2: not allowed by ruleset)" },
	[3] = { ENETUNREACH, "failed (SOCKS5 reply 3: network unreachable)" },
	[4] = { EHOSTUNREACH, "failed (SOCKS5 reply 4: host unreachable)" },
	[5] = { ECONNREFUSED, "was refused (SOCKS5 reply 5: connection refused)" },
	[6] = { ETIMEDOUT, "failed (SOCKS5 reply 6: TTL expired)" },
	[7] = { EOPNOTSUPP, "failed (SOCKS5 reply 7: command not supported)" },
	[8] = { EAFNOSUPPORT, "failed (SOCKS5 reply 8: address type not supported)" },
};

int socks5_check_reply(const uint8_t head[SOCKS5_REPLY_HEAD_LEN], const char **why)
{
	uint8_t rep = head[1];

	if (rep == 0)
		return 0;
	if (rep < sizeof(replies) / sizeof(replies[0])) {
		*why = replies[rep].why;
		return -replies[rep].err;
	}
	*why = "sent an unknown SOCKS5 reply code";
	return -EPROTO;
}
