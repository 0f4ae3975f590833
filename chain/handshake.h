/*
 * One hop's handshake on an open connection: ask the hop to connect to the
 * next endpoint and read its answer exactly, leaving any tunnel bytes unread.
 */
#ifndef SOCKSCHAIN_HANDSHAKE_H
#define SOCKSCHAIN_HANDSHAKE_H

#include "spec.h"

#include <stdint.h>

/*
 * Returns 0 with the tunnel open to next, or a negative errno with reason
 * saying what the hop did, in words for a message.
 */
int hop_handshake(int fd, const struct hop *hop, const struct endpoint *next,
		  int64_t deadline, char *reason, size_t cap);

/*
 * Pipelining, for proxies known to take it: every message this hop reads,
 * built into buf so that they can be sent before any reply has come (a
 * SOCKS5 greeting then offers one method only). Returns their length, or a
 * negative errno with reason.
 */
int hop_requests(const struct hop *hop, const struct endpoint *next, uint8_t *buf, size_t cap,
		 char *reason, size_t rcap);

/* The replies to hop_requests' messages, read exactly, in order. 0 or a negative errno. */
int hop_replies(int fd, const struct hop *hop, const struct endpoint *next, int64_t deadline,
		char *reason, size_t cap);

#endif
