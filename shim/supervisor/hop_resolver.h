/* The supervisor's hop_resolve_fn (chain/dial.h) for the chains it dials. */
#ifndef SOCKSCHAIN_SUPERVISOR_HOP_RESOLVER_H
#define SOCKSCHAIN_SUPERVISOR_HOP_RESOLVER_H

#include "../../chain/netaddr.h"
#include "../../chain/spec.h"

#include <stddef.h>
#include <stdint.h>

int supervisor_resolve_hop(const struct hop *hop, int64_t deadline, struct netaddr *addr,
			   char *reason, size_t cap);

#endif
