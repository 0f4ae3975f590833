/* Dialing through one of the configuration's chains: its dial_env (chain/dial.h), and the dial itself. */
#ifndef SOCKSCHAIN_DIAL_ENV_H
#define SOCKSCHAIN_DIAL_ENV_H

#include "../../chain/dial.h"
#include "config.h"

/*
 * The shared hop memory, the seed and retry time, the real connect and
 * getpeername, the dial's other calls (io; NULL: libc's), and the resolver.
 */
struct dial_env shim_dial_env(const struct shim_config *cfg, const struct chain *chain,
			      connect_fn do_connect, peername_fn do_getpeername,
			      const struct sock_calls *io, hop_resolve_fn resolve_hop);

/*
 * Dials chain on fd, whose status flags are flags, there and then: made
 * non-blocking for the handshake's deadlines and restored after; on failure
 * disconnected (nothing flows past a failed chain), unless it was connected
 * or connecting already. Writes the connection's line. 0 or a negative errno.
 */
int shim_dial_now(const struct shim_config *cfg, const struct chain *chain, int fd, int flags,
		  int family, const struct endpoint *target, const struct dial_env *env,
		  struct dial_report *rep);

#endif
