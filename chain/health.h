/*
 * What connections remember about hops, shared by threads and forked
 * children (the caller puts it in shared memory made before any fork): which
 * hops failed and until when they are skipped, where round-robin starts next,
 * and how many random paths were drawn. Plain atomics, no lock: each field
 * stands alone, and a process that dies mid-update leaves nothing half done.
 */
#ifndef SOCKSCHAIN_HEALTH_H
#define SOCKSCHAIN_HEALTH_H

#include "spec.h"

#include <stdint.h>

struct hop_health {
	int64_t down_until_ms[CHAIN_MAX_CHAINS][CHAIN_MAX_HOPS];  /* CLOCK_MONOTONIC */
	uint32_t next_start[CHAIN_MAX_CHAINS];
	uint64_t draws;
};

/* Whether the hop is cooling down after a failure. */
bool health_is_down(const struct hop_health *h, unsigned chain, unsigned hop, int64_t now_ms);

/* Skips the hop until now + retry_after. */
void health_mark_down(struct hop_health *h, unsigned chain, unsigned hop, int64_t until_ms);

/* Where this connection's round starts: 0, 1, 2, ... shared by all. */
unsigned health_next_start(struct hop_health *h, unsigned chain, unsigned nhops);

/* The n-th draw of a connection: distinct per connection, all processes counted. */
uint64_t health_next_draw(struct hop_health *h);

#endif
