/*
 * Addresses of the hops written as names, resolved when a connection needs
 * one, within its deadline, and kept a while. A lookup that fails or does
 * not answer in time fails that connection only: the next one asks again.
 * An answer that comes after its connection gave up is kept for the next.
 * Shared by the threads of a process under one mutex.
 */
#ifndef SOCKSCHAIN_HOP_NAMES_H
#define SOCKSCHAIN_HOP_NAMES_H

#include "../../chain/resolve.h"

/* How long an answer is used before it is looked up again (the old one meanwhile). */
#define HOP_NAME_KEEP_MS 60000

/*
 * A hop_resolve_fn, with res as the resolver: hop must stay where it is for
 * as long as the process uses it (it is the cache's key).
 */
int hop_names_resolve(const struct resolver *res, const struct hop *hop, int64_t deadline,
		      struct netaddr *addr, char *reason, size_t cap);

#endif
