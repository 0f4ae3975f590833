/*
 * One hop's handshake on an open connection, as steps: ask the hop to
 * connect to the next endpoint and read its answer exactly, leaving any
 * tunnel bytes unread. The steps never block: hop_talk_pump() does what the
 * socket allows now and says what it waits for, so the same steps serve a
 * blocking dial (which polls between pumps) and the background one (which
 * pumps many connections from one poll loop).
 */
#ifndef SOCKSCHAIN_HANDSHAKE_H
#define SOCKSCHAIN_HANDSHAKE_H

#include "http.h"
#include "socks4.h"
#include "socks5.h"
#include "sockio.h"
#include "spec.h"

#include <stdbool.h>
#include <stdint.h>

/* What hop_talk_pump() waits for, when it is not done (0) or failed (< 0). */
enum talk_wait {
	TALK_DONE = 0,
	TALK_READ = 1,		/* poll for POLLIN, then pump again */
	TALK_WRITE = 2,		/* poll for POLLOUT, then pump again */
};

/* The largest message one step sends. */
#define TALK_OUT_MAX (HTTP_REQUEST_MAX > SOCKS4_REQUEST_MAX ? HTTP_REQUEST_MAX : SOCKS4_REQUEST_MAX)

struct hop_talk {
	const struct hop *hop;
	struct endpoint next;
	char next_name[256];		/* next.name points here */
	int step;			/* the protocol's current step (handshake.c) */
	bool pipelined;			/* the requests went out already: read replies only */
	bool fresh;			/* a request just went out: wait before reading */
	unsigned offer;			/* SOCKS5 methods offered */
	uint8_t connect_req[SOCKS5_REQUEST_MAX];	/* SOCKS5: built first, sent last */
	size_t connect_len;
	uint8_t out[TALK_OUT_MAX];	/* the message going out */
	size_t out_len, out_done;
	uint8_t in[HTTP_HEADERS_MAX];	/* the reply coming in */
	size_t in_have, in_want;
	bool http_whole;		/* HTTP: in_want ends the final response's headers... */
	size_t http_final;		/* ...which start here */
};

/*
 * Prepares hop's handshake for next (copied). pipelined: the messages of
 * hop_requests() were sent already, and only their replies are read.
 * Returns 0, or a negative errno with reason (nothing was sent).
 */
int hop_talk_begin(struct hop_talk *t, const struct hop *hop, const struct endpoint *next,
		   bool pipelined, char *reason, size_t cap);

/*
 * Sends and receives what the socket takes now. readable: poll said so (or
 * the caller does not know), so a read is worth trying even right after a
 * request. Returns TALK_DONE with the tunnel open, TALK_READ or TALK_WRITE,
 * or a negative errno with reason.
 */
int hop_talk_pump(struct hop_talk *t, const struct sock_calls *io, int fd, bool readable,
		  char *reason, size_t cap);

/* Wipes the credentials the messages held; t->hop NULL (never begun): nothing to wipe. */
void hop_talk_end(struct hop_talk *t);

/* Says why waiting or I/O failed (-ETIMEDOUT: "did not answer in time"). Returns err. */
int hop_talk_failure(int err, char *reason, size_t cap);

/*
 * Pipelining, for proxies known to take it: every message this hop reads,
 * built into buf so that they can be sent before any reply has come (a
 * SOCKS5 greeting then offers one method only). Returns their length, or a
 * negative errno with reason.
 */
int hop_requests(const struct hop *hop, const struct endpoint *next, uint8_t *buf, size_t cap,
		 char *reason, size_t rcap);

#endif
