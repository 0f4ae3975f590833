#define _GNU_SOURCE
#include "socks4.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

enum {
	SOCKS4_VERSION = 4,
	SOCKS4_REPLY_VERSION = 0,	/* per the spec; some servers send 4 instead */
	SOCKS4_CMD_CONNECT = 1,
	SOCKS4_GRANTED = 90,
	SOCKS4_REJECTED = 91,
	SOCKS4_NO_IDENTD = 92,
	SOCKS4_IDENTD_MISMATCH = 93,
};

/*
 *   +----+----+----+----+----+----+----+----+----+----+....+----+
 *   | VN | CD | DSTPORT |      DSTIP        | USERID       |NULL|
 *   +----+----+----+----+----+----+----+----+----+----+....+----+
 *      1    1      2              4           variable       1
 *
 * SOCKS4A: DSTIP is 0.0.0.1 (0.0.0.x, x != 0), and the host name and a
 * second NUL follow the user id's NUL.
 */
int socks4_build_connect(uint8_t *buf, size_t cap, const struct endpoint *dest,
			 const char *userid)
{
	static const uint8_t socks4a_marker[4] = { 0, 0, 0, 1 };
	size_t idlen = strlen(userid), namelen = dest->name ? strlen(dest->name) + 1 : 0;

	if (!dest->name && dest->addr.family != AF_INET)
		return -EAFNOSUPPORT;
	if (idlen > 255 || namelen > 256)
		return -ENAMETOOLONG;
	if (dest->name && !endpoint_name_ok(dest->name))
		return -EINVAL;
	if (cap < 8 + idlen + 1 + namelen)
		return -ENOBUFS;
	buf[0] = SOCKS4_VERSION;
	buf[1] = SOCKS4_CMD_CONNECT;
	buf[2] = (uint8_t)(dest->addr.port >> 8);
	buf[3] = (uint8_t)(dest->addr.port & 0xff);
	memcpy(buf + 4, dest->name ? socks4a_marker : dest->addr.addr, 4);
	memcpy(buf + 8, userid, idlen + 1);
	if (dest->name)
		memcpy(buf + 8 + idlen + 1, dest->name, namelen);
	return (int)(8 + idlen + 1 + namelen);
}

/*
 *   +----+----+----+----+----+----+----+----+
 *   | VN | CD | DSTPORT |      DSTIP        |   (port and address: ignored)
 *   +----+----+----+----+----+----+----+----+
 */
int socks4_check_reply(const uint8_t reply[SOCKS4_REPLY_LEN], const char **why)
{
	if (reply[0] != SOCKS4_REPLY_VERSION && reply[0] != SOCKS4_VERSION) {
		*why = "sent a reply that is not SOCKS4";
		return -EPROTO;
	}
	switch (reply[1]) {
	case SOCKS4_GRANTED:
		*why = "granted";
		return 0;
	case SOCKS4_REJECTED:
		*why = "rejected or failed (SOCKS4 reply 91)";
		return -ECONNREFUSED;
	case SOCKS4_NO_IDENTD:
		*why = "rejected: cannot reach identd on the client (SOCKS4 reply 92)";
		return -EACCES;
	case SOCKS4_IDENTD_MISMATCH:
		*why = "rejected: identd reports another user id (SOCKS4 reply 93)";
		return -EACCES;
	default:
		*why = "sent an unknown SOCKS4 reply code";
		return -EPROTO;
	}
}
