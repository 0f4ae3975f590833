/*
 * Names resolved by the last hop: the process tree's fake address map (see
 * chain/fakemap.h). The launcher makes it in a memfd that every process of
 * the tree inherits across exec (SOCKS_CHAIN_FAKE_MAP names its number), so
 * a name resolved in one process is connectable from any other, the
 * supervisor's DNS stub included; each process maps it when the library is
 * loaded. Without it (no launcher, the number closed, another build's map,
 * a set-user-ID program), shared anonymous memory mapped at load, before
 * any fork, so forked children still share it with their parent.
 * A full map reuses the addresses of names unused for fake_reuse_after.
 */
#ifndef SOCKSCHAIN_FAKE_NAMES_H
#define SOCKSCHAIN_FAKE_NAMES_H

#include "config.h"

/*
 * The launcher, before it runs the program: makes the tree's map, this
 * process's from now on, and puts its number in the environment.
 * 0 or a negative errno (then each exec'd process keeps its own).
 */
int fake_names_share_tree(void);

/* The fake address for name. 0, -EINVAL (not a host name) or -ENOSPC / -ENOMEM. */
int fake_names_assign(const struct shim_config *cfg, const char *name, struct netaddr *addr);

/* After -ENOSPC: true once, until the map has room again (a full map is said once). */
bool fake_names_full_news(void);

/* Whether addr is in the fake range at all. */
bool fake_names_in_range(const struct shim_config *cfg, const struct netaddr *addr);

/* The name behind a fake address, which counts as a use; false when addr is none of ours. */
bool fake_names_lookup(const struct shim_config *cfg, const struct netaddr *addr,
		       char name[256]);

#endif
