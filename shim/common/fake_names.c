#define _GNU_SOURCE
#include "fake_names.h"

#include "../../chain/deadline.h"
#include "../../chain/fakemap.h"
#include "shared_memory.h"
#include "../../chain/hostname.h"

#include <errno.h>

/* Set once at load time, before any thread or fork of the program's can run. */
static struct fake_map *map;

__attribute__((constructor)) static void map_fake_names(void)
{
	struct fake_map *mem = shared_memory_map(fake_map_size());

	if (!mem)
		return;	/* names then fail to resolve: never a local lookup instead */
	if (fake_map_init(mem) < 0) {
		shared_memory_unmap(mem, fake_map_size());
		return;
	}
	map = mem;
}

static struct fake_use use_now(const struct shim_config *cfg)
{
	return (struct fake_use){ .range = &cfg->chain.fake_range,
				  .reuse_after_ms = cfg->chain.fake_reuse_after_ms,
				  .now_ms = clock_now_ms() };
}

int fake_names_assign(const struct shim_config *cfg, const char *name, struct netaddr *addr)
{
	struct fake_use use = use_now(cfg);

	if (!hostname_valid(name))
		return -EINVAL;	/* ".", "-x", "a..b": no resolver would answer them either */
	if (!map)
		return -ENOMEM;
	return fake_map_assign(map, &use, name, addr);
}

bool fake_names_full_news(void)
{
	return map && fake_map_full_news(map);
}

bool fake_names_in_range(const struct shim_config *cfg, const struct netaddr *addr)
{
	return cidr_contains(&cfg->chain.fake_range, addr);
}

bool fake_names_lookup(const struct shim_config *cfg, const struct netaddr *addr,
		       char name[256])
{
	struct fake_use use = use_now(cfg);

	return map && fake_map_name(map, &use, addr, name);
}
