/*
 * Dialing a chain on the caller's own socket: connect to hop 1, then one
 * request per hop over that same connection, the last naming the destination.
 */
#ifndef SOCKSCHAIN_DIAL_H
#define SOCKSCHAIN_DIAL_H

#include "sockio.h"
#include "spec.h"

/* What happened, for the caller's messages and traces. */
struct dial_report {
	unsigned hops_done;			/* hops that answered */
	int64_t hop_us[CHAIN_MAX_HOPS];		/* how long each took */
	unsigned failed_hop;			/* 0-based; meaningful on failure */
	char reason[256];			/* on failure: what the hop did */
};

/*
 * fd: a non-blocking stream socket of sock_family, not yet connected.
 * Returns 0 with the socket connected through the chain to dest, or a
 * negative errno with rep->failed_hop and rep->reason saying why.
 */
int chain_dial(int fd, int sock_family, const struct chain_config *cfg,
	       const struct endpoint *dest, connect_fn do_connect, struct dial_report *rep);

#endif
