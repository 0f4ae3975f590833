#define _GNU_SOURCE
#include "leak_guard.h"

#include "../../chain/route.h"
#include "log.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define DNS_PORT 53

/*
 * A raw socket's address has no port: the program writes the UDP (or whole
 * IP) header itself, so it could carry DNS to any address, bypassed
 * resolvers included. Only ICMP has no ports to hide.
 */
static bool ports_unseen(int type, int protocol)
{
	return type == SOCK_RAW && protocol != IPPROTO_ICMP && protocol != IPPROTO_ICMPV6;
}

bool leak_guard_on(const struct shim_config *cfg)
{
	/* Under the supervisor, what it would refuse reaches it: it answers DNS itself. */
	return cfg->chain.dns == DNS_REMOTE && !cfg->chain.udp_allowed && !cfg->supervised;
}

const char *leak_guard_refusal(const struct shim_config *cfg, int type, int protocol,
			       const struct netaddr *dest)
{
	if (!leak_guard_on(cfg))
		return NULL;
	if (dest->port == DNS_PORT)
		return "DNS would leave this machine beside the chain";
	if (ports_unseen(type, protocol))
		return "raw IP, whose ports cannot be seen, could carry DNS";
	if (type == SOCK_DGRAM && !chain_bypasses(&cfg->chain, dest))
		return "UDP cannot go through the chain, and must not go around it";
	if (type != SOCK_STREAM && !chain_bypasses(&cfg->chain, dest))
		return "only TCP can go through the chain, and this must not go around it";
	return NULL;
}

int leak_guard_check(const struct shim_config *cfg, int type, int protocol,
		     const struct netaddr *dest, const char *call)
{
	const char *what = leak_guard_refusal(cfg, type, protocol, dest);

	return what ? leak_guard_refuse(cfg, dest, call, what) : 0;
}

int leak_guard_refuse(const struct shim_config *cfg, const struct netaddr *dest,
		      const char *call, const char *what)
{
	char where[NETADDR_TEXT_MAX];

	netaddr_format(dest, where, sizeof(where));
	shim_log(cfg, VERBOSITY_DEFAULT, "%s: %s refused: %s (udp=allow permits it)", where, call,
		 what);
	errno = EPERM;
	return -1;
}
