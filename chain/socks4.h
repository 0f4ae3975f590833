/* SOCKS4 and SOCKS4A CONNECT: building the request and judging the reply, without sockets. */
#ifndef SOCKSCHAIN_SOCKS4_H
#define SOCKSCHAIN_SOCKS4_H

#include "endpoint.h"

#include <stddef.h>
#include <stdint.h>

#define SOCKS4_REPLY_LEN 8
/* VN CD DSTPORT DSTIP, a user id of up to 255 bytes, NUL, a SOCKS4A name, NUL */
#define SOCKS4_REQUEST_MAX (8 + 255 + 1 + 255 + 1)

/*
 * Writes a CONNECT request for dest into buf: SOCKS4A when dest is a name.
 * Returns its length, or -EAFNOSUPPORT (an IPv6 address: SOCKS4 cannot carry
 * it), -ENAMETOOLONG (user id or name over 255 bytes), -EINVAL (a name with
 * characters no host name has) or -ENOBUFS (cap too small).
 */
int socks4_build_connect(uint8_t *buf, size_t cap, const struct endpoint *dest,
			 const char *userid);

/*
 * Judges an 8-byte reply. Returns 0 when granted, else a negative errno
 * (-ECONNREFUSED: rejected, -EACCES: identd refusals, -EPROTO: not a SOCKS4
 * reply) with *why set to a phrase for messages.
 */
int socks4_check_reply(const uint8_t reply[SOCKS4_REPLY_LEN], const char **why);

#endif
