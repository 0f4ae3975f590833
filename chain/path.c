#include "path.h"

/* splitmix64: a well-mixed 64-bit value from each seed, cheap and stateless. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * Candidates in the chain's order from start: those up first, then those
 * cooling down. Returns how many in all; *nup of them are up.
 */
static unsigned candidates(const struct chain *chain, unsigned chain_index,
			   const struct hop_health *h, const struct path_state *st,
			   int64_t now_ms, unsigned start, unsigned out[CHAIN_MAX_HOPS],
			   unsigned *nup)
{
	unsigned i, n = 0, pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < chain->nhops; i++) {
			unsigned hop = (start + i) % chain->nhops;

			if (!st->excluded[hop] &&
			    health_is_down(h, chain_index, hop, now_ms) == (pass == 1))
				out[n++] = hop;
		}
		if (pass == 0)
			*nup = n;
	}
	return n;
}

/* Fisher-Yates over path[from, to), driven by *bits. */
static void shuffle(unsigned *path, unsigned from, unsigned to, uint64_t *bits)
{
	unsigned i, j, tmp;

	for (i = from; i + 1 < to; i++) {
		*bits = mix(*bits);
		j = i + (unsigned)(*bits % (to - i));
		tmp = path[i];
		path[i] = path[j];
		path[j] = tmp;
	}
}

unsigned path_pick(const struct chain *chain, unsigned chain_index, const struct hop_health *h,
		   const struct path_state *st, int64_t now_ms, unsigned path[CHAIN_MAX_HOPS])
{
	unsigned want = chain->path_len ? chain->path_len : chain->nhops;
	unsigned n, nup, i;
	uint64_t bits = st->draw;

	if (chain->mode == MODE_STRICT) {
		for (i = 0; i < chain->nhops; i++)
			path[i] = i;
		return chain->nhops;
	}
	n = candidates(chain, chain_index, h, st, now_ms,
		       chain->mode == MODE_ROUND_ROBIN ? st->start : 0, path, &nup);
	if (chain->mode == MODE_DYNAMIC)
		return nup ? nup : n;	/* hops cooling down only when no other is up */
	if (chain->mode == MODE_RANDOM) {
		shuffle(path, 0, nup, &bits);
		shuffle(path, nup, n, &bits);
	}
	return n < want ? n : want;
}
