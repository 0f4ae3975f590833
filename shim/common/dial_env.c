#define _GNU_SOURCE
#include "dial_env.h"

#include "hop_memory.h"

struct dial_env shim_dial_env(const struct shim_config *cfg, const struct chain *chain,
			      connect_fn do_connect, hop_resolve_fn resolve_hop)
{
	return (struct dial_env){
		.health = hop_memory(),
		.chain_index = (unsigned)(chain - cfg->chain.chains),
		.seed = cfg->seed,
		.retry_after_ms = cfg->chain.retry_after_ms,
		.do_connect = do_connect,
		.resolve_hop = resolve_hop,
	};
}
