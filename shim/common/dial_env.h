/* The dial_env (chain/dial.h) of a connection through one of the configuration's chains. */
#ifndef SOCKSCHAIN_DIAL_ENV_H
#define SOCKSCHAIN_DIAL_ENV_H

#include "../../chain/dial.h"
#include "config.h"

/* The shared hop memory, the seed and retry time, and the program's connect and resolver. */
struct dial_env shim_dial_env(const struct shim_config *cfg, const struct chain *chain,
			      connect_fn do_connect, hop_resolve_fn resolve_hop);

#endif
