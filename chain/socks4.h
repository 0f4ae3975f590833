/* SOCKS4 CONNECT: building the request and judging the reply, without sockets. */
#ifndef SOCKSCHAIN_SOCKS4_H
#define SOCKSCHAIN_SOCKS4_H

#include "netaddr.h"

#include <stddef.h>
#include <stdint.h>

#define SOCKS4_REPLY_LEN 8
/* VN CD DSTPORT DSTIP, a user id of up to 255 bytes, NUL */
#define SOCKS4_REQUEST_MAX (8 + 255 + 1)

/*
 * Writes a CONNECT request for dest into buf. Returns its length, or
 * -EAFNOSUPPORT (dest is IPv6: SOCKS4 cannot carry it), -ENAMETOOLONG (user id
 * over 255 bytes) or -ENOBUFS (cap too small).
 */
int socks4_build_connect(uint8_t *buf, size_t cap, const struct netaddr *dest,
			 const char *userid);

/*
 * Judges an 8-byte reply. Returns 0 when granted, else a negative errno
 * (-ECONNREFUSED: rejected, -EACCES: identd refusals, -EPROTO: not a SOCKS4
 * reply) with *why set to a phrase for messages.
 */
int socks4_check_reply(const uint8_t reply[SOCKS4_REPLY_LEN], const char **why);

#endif
