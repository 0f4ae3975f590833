#define _GNU_SOURCE
#include "leak_guard.h"

#include "../../chain/route.h"
#include "log.h"

#include <errno.h>
#include <sys/socket.h>

#define DNS_PORT 53

int leak_guard_check(const struct shim_config *cfg, int type, const struct netaddr *dest,
		     const char *call)
{
	char where[NETADDR_TEXT_MAX];
	const char *what;

	if (cfg->chain.dns != DNS_REMOTE || cfg->chain.udp_allowed)
		return 0;
	if (dest->port == DNS_PORT)
		what = "DNS would leave this machine beside the chain";
	else if (type == SOCK_DGRAM && !chain_bypasses(&cfg->chain, dest))
		what = "UDP cannot go through the chain, and must not go around it";
	else
		return 0;
	netaddr_format(dest, where, sizeof(where));
	shim_log(cfg, VERBOSITY_DEFAULT, "%s: %s refused: %s (udp=allow permits it)", where, call,
		 what);
	errno = EPERM;
	return -1;
}
