/*
 * Dialing a chain on the caller's own socket: connect to the first hop, then
 * one request per hop over that same connection, the last naming the
 * destination. Modes other than strict try again without the hops that
 * failed, on the same socket, within the one connect() call.
 */
#ifndef SOCKSCHAIN_DIAL_H
#define SOCKSCHAIN_DIAL_H

#include "health.h"
#include "resolve.h"
#include "sockio.h"
#include "spec.h"

/* What the chain's modes need beyond the chain itself. */
struct dial_env {
	struct hop_health *health;	/* shared memory of failed hops and turns */
	unsigned chain_index;		/* the chain's place in the configuration */
	uint64_t seed;			/* random mode: SOCKS_CHAIN_SEED, or random */
	int64_t retry_after_ms;		/* how long a failed hop is skipped */
	connect_fn do_connect;		/* the real connect() */
	const struct sock_calls *io;	/* the rest of the dial's calls; NULL: libc's */
	/*
	 * The real getpeername(): asked when hop 1's connect() succeeds at once,
	 * which on a socket that was connected already means no handshake must
	 * go out. NULL: never asked (the unit tests' socket pairs).
	 */
	peername_fn do_getpeername;
	hop_resolve_fn resolve_hop;	/* hops written as names; NULL: hop->addr as it is */
	/*
	 * The socket's family is taken from the program's address, unasked: a
	 * first hop the socket cannot take (the kernel's EINVAL or EAFNOSUPPORT,
	 * or an IPv6 hop for an AF_INET socket) then ends the dial, no hop
	 * blamed, with rep->family_doubted set for the caller to ask the socket.
	 */
	bool family_guessed;
};

/* A hop left out of the path, and why. */
struct dial_skip {
	unsigned hop;			/* index in the chain */
	const char *reason;		/* in the report's skip_text */
};

/*
 * The skips' reasons, one after another: more than the traces that print
 * them have room for (3000 bytes a line), where 256 bytes for each of 64
 * skips made the report 17 kB of stack, kept resident in every thread that
 * connects.
 */
#define DIAL_SKIP_TEXT_MAX 3072

/* What happened, for the caller's messages and traces. */
struct dial_report {
	unsigned path[CHAIN_MAX_HOPS];	/* the hops of the last try, as chain indexes */
	unsigned path_len;
	struct netaddr first_hop;	/* on success: the address of hop path[0] */
	int64_t hop_us[CHAIN_MAX_HOPS];	/* how long each took, by place in the path */
	unsigned failed_pos;		/* on failure: the place in the path that failed */
	bool connect_failed;		/* ...and it was the TCP connect to the first hop */
	bool family_doubted;		/* ...which the socket refused (dial_env.family_guessed) */
	char reason[256];		/* on failure: what that hop did */
	struct dial_skip skips[CHAIN_MAX_HOPS * 2];
	unsigned nskips;
	size_t skip_text_len;
	char skip_text[DIAL_SKIP_TEXT_MAX];
};

/*
 * The one deadline of a connection, every hop and try included:
 * connect_timeout, or without it CHAIN_DEFAULT_CONNECT_TIMEOUTS hop timeouts,
 * so that a chain that fails over gets a few tries, not one per hop.
 */
int64_t chain_connect_timeout_ms(const struct chain *chain);

/*
 * fd: a non-blocking stream socket of sock_family, not yet connected.
 * Returns 0 with the socket connected through the chain to dest, or a
 * negative errno with rep->failed_pos and rep->reason saying why.
 */
int chain_dial(int fd, int sock_family, const struct chain *chain, const struct dial_env *env,
	       const struct endpoint *dest, struct dial_report *rep);

#endif
