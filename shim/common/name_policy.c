#define _GNU_SOURCE
#include "name_policy.h"

#include "../../chain/hostname.h"
#include "../../chain/route.h"

#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <string.h>

/* What getaddrinfo() takes as an address without a lookup, scope ids included. */
static bool is_numeric_host(const char *name)
{
	char v6[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	struct in_addr a4;
	const char *scope = strchr(name, '%');
	size_t len = scope ? (size_t)(scope - name) : strlen(name);

	if (inet_aton(name, &a4))	/* also the old forms, "127.1" */
		return true;
	if (len >= sizeof(v6))
		return false;
	memcpy(v6, name, len);
	v6[len] = '\0';
	return inet_pton(AF_INET6, v6, &a6) == 1;
}

const struct shim_config *name_policy_remote(const char *name)
{
	const struct shim_config *cfg;

	if (!name || shim_config_loading() || is_numeric_host(name))
		return NULL;
	cfg = shim_config();
	if (cfg->chain.dns == DNS_LOCAL || chain_bypasses_name(&cfg->chain, name))
		return NULL;
	return cfg;
}

bool name_policy_loopback(const char *name)
{
	if (!name || shim_config_loading() || !hostname_is_localhost(name) || !hostname_valid(name))
		return false;
	return shim_config()->chain.dns == DNS_REMOTE;
}

bool name_policy_reverse_leaks(const struct shim_config *cfg, const struct netaddr *addr)
{
	return cfg->chain.dns == DNS_REMOTE && !chain_bypasses(&cfg->chain, addr);
}

bool name_policy_refuse_query(const char *fn_name, const char *what)
{
	const struct shim_config *cfg;

	if (shim_config_loading())
		return false;
	cfg = shim_config();
	if (cfg->chain.dns == DNS_LOCAL)
		return false;
	shim_log(cfg, VERBOSITY_DEFAULT, "%s(%.255s) refused: the DNS query would leave this "
		 "machine (dns=remote resolves names at the last hop)", fn_name, what ? what : "");
	h_errno = NO_RECOVERY;
	errno = EPERM;
	return true;
}
