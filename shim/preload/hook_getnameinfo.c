/*
 * getnameinfo(): a fake address gives back its name; any other address that
 * a reverse lookup would send out as a DNS query is answered numerically.
 */
#define _GNU_SOURCE
#include "export.h"
#include "../common/fake_names.h"
#include "../common/name_policy.h"
#include "real.h"

#include <stdio.h>
#include <string.h>

typedef int (*getnameinfo_t)(const struct sockaddr *, socklen_t, char *, socklen_t, char *,
			     socklen_t, int);

SHIM_EXPORT int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
			    socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	REAL(getnameinfo_t, getnameinfo);
	const struct shim_config *cfg;
	struct netaddr addr;
	char name[256];
	int rc;

	if (!fn)
		return EAI_SYSTEM;
	if (!host || hostlen == 0 || (flags & NI_NUMERICHOST) || shim_config_loading() ||
	    !sa || netaddr_from_sockaddr(sa, salen, &addr) < 0)
		return fn(sa, salen, host, hostlen, serv, servlen, flags);
	cfg = shim_config();
	if (fake_names_lookup(cfg, &addr, name)) {
		/* The service alone; libc refuses a call with neither buffer. */
		rc = serv && servlen ? fn(sa, salen, NULL, 0, serv, servlen, flags) : 0;
		if (rc == 0 && (size_t)snprintf(host, hostlen, "%s", name) >= hostlen)
			rc = EAI_OVERFLOW;
		return rc;
	}
	if (!name_policy_reverse_leaks(cfg, &addr))
		return fn(sa, salen, host, hostlen, serv, servlen, flags);
	if (flags & NI_NAMEREQD)
		return EAI_NONAME;	/* the name exists only behind the chain */
	return fn(sa, salen, host, hostlen, serv, servlen, flags | NI_NUMERICHOST);
}
