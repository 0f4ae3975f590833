#define _GNU_SOURCE
#include "fake_names.h"

#include "../../chain/deadline.h"
#include "../../chain/fakemap.h"
#include "../../chain/hostname.h"
#include "env_at_load.h"
#include "shared_memory.h"
#include "written_at_load.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <unistd.h>

/*
 * The tree's map (SOCKS_CHAIN_FAKE_MAP): a header, then the map. One tree is
 * one launcher's, but a program may exec another build's library (a nested
 * sockschain of another version): a header that is not exactly ours means
 * memory of our own instead, so names cross no further than forks there.
 */
#define TREE_MAP_MAGIC 0x70616d656b616673ull	/* "sfakemap" */
#define TREE_MAP_LAYOUT 2			/* bumped whenever struct fake_map changes */
#define TREE_MAP_ENV "SOCKS_CHAIN_FAKE_MAP"

struct tree_map_header {
	uint64_t magic;		/* written last: the map is set up */
	uint32_t layout;
	uint32_t header_size;
	uint64_t map_size;
	char pad[40];		/* the map starts 64 bytes in, aligned for its mutex */
};

_Static_assert(sizeof(struct tree_map_header) == 64, "the map's offset is part of the layout");

/* Set once at load time (or by the launcher, before any fork), never changed after. */
static struct fake_map *map WRITTEN_AT_LOAD;
static void *map_memory WRITTEN_AT_LOAD;	/* what to unmap when the launcher replaces it */
static size_t map_memory_size WRITTEN_AT_LOAD;

static size_t tree_map_size(void)
{
	return sizeof(struct tree_map_header) + fake_map_size();
}

static bool tree_map_ours(const struct tree_map_header *h)
{
	return __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) == TREE_MAP_MAGIC &&
	       h->layout == TREE_MAP_LAYOUT && h->header_size == sizeof(*h) &&
	       h->map_size == fake_map_size();
}

/* The tree's map, inherited across exec; false when there is none of ours. */
static bool attach_tree_map(void)
{
	const char *where = getauxval(AT_SECURE) ? NULL : env_now(TREE_MAP_ENV);
	struct tree_map_header *h;

	if (!where || !*where)
		return false;
	h = shared_memory_tree_attach(where, tree_map_size());
	if (!h)
		return false;
	if (!tree_map_ours(h)) {
		shared_memory_unmap(h, tree_map_size());
		return false;
	}
	map = (struct fake_map *)(h + 1);
	map_memory = h;
	map_memory_size = tree_map_size();
	return true;
}

__attribute__((constructor)) static void map_fake_names(void)
{
	struct fake_map *mem;

	if (attach_tree_map())
		return;
	mem = shared_memory_map(fake_map_size());
	if (!mem)
		return;	/* names then fail to resolve: never a local lookup instead */
	map = mem;
	map_memory = mem;
	map_memory_size = fake_map_size();
}

int fake_names_share_tree(void)
{
	struct tree_map_header *h;
	char name[64];
	int fd, rc;

	if (map && map_memory_size == tree_map_size())
		return 0;	/* under a launcher already: one tree, one map */
	h = shared_memory_tree_create(tree_map_size(), "sockschain-fake-map", &fd);
	if (!h)
		return -errno;
	rc = shared_memory_tree_name(fd, name, sizeof(name)) < 0 ? -EOVERFLOW : 0;
	if (rc == 0 && setenv(TREE_MAP_ENV, name, 1) < 0)
		rc = -errno;
	if (rc < 0) {
		shared_memory_unmap(h, tree_map_size());
		close(fd);
		return rc;
	}
	*h = (struct tree_map_header){ .layout = TREE_MAP_LAYOUT, .header_size = sizeof(*h),
				       .map_size = fake_map_size() };
	__atomic_store_n(&h->magic, TREE_MAP_MAGIC, __ATOMIC_RELEASE);
	if (map_memory)
		shared_memory_unmap(map_memory, map_memory_size);
	map = (struct fake_map *)(h + 1);
	map_memory = h;
	map_memory_size = tree_map_size();
	return 0;
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
