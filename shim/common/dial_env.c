#define _GNU_SOURCE
#include "dial_env.h"

#include "hop_memory.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>

struct dial_env shim_dial_env(const struct shim_config *cfg, const struct chain *chain,
			      connect_fn do_connect, peername_fn do_getpeername,
			      const struct sock_calls *io, hop_resolve_fn resolve_hop)
{
	return (struct dial_env){
		.health = hop_memory(),
		.chain_index = (unsigned)(chain - cfg->chain.chains),
		.seed = cfg->seed,
		.retry_after_ms = cfg->chain.retry_after_ms,
		.do_connect = do_connect,
		.do_getpeername = do_getpeername,
		.io = io,
		.resolve_hop = resolve_hop,
	};
}

int shim_dial_now(const struct shim_config *cfg, const struct chain *chain, int fd, int flags,
		  int family, const struct endpoint *target, const struct dial_env *env,
		  struct dial_report *rep)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	int rc;

	if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	rc = chain_dial(fd, family, chain, env, target, rep);
	if (!(flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, flags);
	if (rc == -EISCONN || rc == -EALREADY)
		return rc;	/* the kernel's answer: the socket was connected (or connecting) already */
	if (rc < 0) {
		env->do_connect(fd, &unspec, sizeof(unspec));
		if (!rep->family_doubted)	/* its caller asks the socket (hook_connect.c) */
			trace_failed(cfg, chain, target, rep, -rc);
		return rc;
	}
	trace_connected(cfg, chain, target, rep);
	return 0;
}
