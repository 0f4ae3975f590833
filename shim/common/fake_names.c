#define _GNU_SOURCE
#include "fake_names.h"

#include "../../chain/fakemap.h"
#include "../../chain/hostname.h"

#include <errno.h>
#include <sys/mman.h>

/* Set once at load time, before any thread or fork of the program's can run. */
static struct fake_map *map;

__attribute__((constructor)) static void map_shared_memory(void)
{
	void *mem = mmap(NULL, fake_map_size(), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		return;	/* names then fail to resolve: never a local lookup instead */
	if (fake_map_init(mem) < 0) {
		munmap(mem, fake_map_size());
		return;
	}
	map = mem;
}

int fake_names_assign(const struct shim_config *cfg, const char *name, struct netaddr *addr)
{
	if (!hostname_valid(name))
		return -EINVAL;	/* ".", "-x", "a..b": no resolver would answer them either */
	if (!map)
		return -ENOMEM;
	return fake_map_assign(map, &cfg->chain.fake_range, name, addr);
}

bool fake_names_in_range(const struct shim_config *cfg, const struct netaddr *addr)
{
	return cidr_contains(&cfg->chain.fake_range, addr);
}

bool fake_names_lookup(const struct shim_config *cfg, const struct netaddr *addr,
		       char name[256])
{
	return map && fake_map_name(map, &cfg->chain.fake_range, addr, name);
}
