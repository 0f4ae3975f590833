/*
 * Names resolved by the last hop: the process's fake address map (see
 * chain/fakemap.h), in shared anonymous memory mapped when the library is
 * loaded, before any fork, so forked children share it with their parent.
 * A full map reuses the addresses of names unused for fake_reuse_after.
 */
#ifndef SOCKSCHAIN_FAKE_NAMES_H
#define SOCKSCHAIN_FAKE_NAMES_H

#include "config.h"

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
