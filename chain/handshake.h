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

#endif
