/* Choosing the hops one connection takes, by the chain's mode. */
#ifndef SOCKSCHAIN_PATH_H
#define SOCKSCHAIN_PATH_H

#include "health.h"

/*
 * Hops left out of this connection's tries so far; the rest are candidates,
 * those not cooling down first (a mode that skips hops takes a hop that is
 * down only when too few others are up).
 */
struct path_state {
	bool excluded[CHAIN_MAX_HOPS];
	unsigned start;		/* round_robin: where this connection starts */
	uint64_t draw;		/* random: this connection's random bits */
};

/*
 * Writes the indexes of the hops to dial, in order, into path; returns how
 * many (0 when none is left). strict: every hop. dynamic: every candidate that
 * is up, in order (those cooling down when none is up). round_robin: path_len
 * (else all) candidates from start, wrapping. random: path_len (else all)
 * distinct candidates in random order. Both take hops that are up first.
 */
unsigned path_pick(const struct chain *chain, unsigned chain_index, const struct hop_health *h,
		   const struct path_state *st, int64_t now_ms, unsigned path[CHAIN_MAX_HOPS]);

#endif
