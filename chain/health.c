#include "health.h"

bool health_is_down(const struct hop_health *h, unsigned chain, unsigned hop, int64_t now_ms)
{
	return __atomic_load_n(&h->down_until_ms[chain][hop], __ATOMIC_RELAXED) > now_ms;
}

void health_mark_down(struct hop_health *h, unsigned chain, unsigned hop, int64_t until_ms)
{
	__atomic_store_n(&h->down_until_ms[chain][hop], until_ms, __ATOMIC_RELAXED);
}

unsigned health_next_start(struct hop_health *h, unsigned chain, unsigned nhops)
{
	return __atomic_fetch_add(&h->next_start[chain], 1, __ATOMIC_RELAXED) % nhops;
}

uint64_t health_next_draw(struct hop_health *h)
{
	return __atomic_fetch_add(&h->draws, 1, __ATOMIC_RELAXED);
}
