/*
 * getaddrinfo(): a name for the last hop to resolve gets a fake address, and
 * no query leaves this machine. The answer is built by the real getaddrinfo
 * from the fake address in numeric form, so service names, socket types,
 * flags and EAI_* codes are exactly libc's.
 */
#define _GNU_SOURCE
#include "export.h"
#include "../common/fake_names.h"
#include "../common/log.h"
#include "../common/name_policy.h"
#include "real.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The fake address as text, IPv4-mapped when the program asks for IPv6 only. */
static void fake_text(const struct netaddr *fake, int family, char *buf, size_t cap)
{
	char v4[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, fake->addr, v4, sizeof(v4));
	strcpy(buf, family == AF_INET6 ? "::ffff:" : "");
	strncat(buf, v4, cap - strlen(buf) - 1);
}

static int fake_error(const struct shim_config *cfg, const char *name, int err)
{
	if (err == -EINVAL)
		return EAI_NONAME;	/* what libc says of a name no DNS could hold */
	if (err != -ENOSPC)
		shim_log(cfg, VERBOSITY_DEFAULT, "cannot resolve %.255s remotely: no shared "
			 "memory for names", name);
	else if (fake_names_full_news())	/* once, not once per name refused */
		shim_log(cfg, VERBOSITY_DEFAULT, "cannot resolve %.255s remotely: the fake address "
			 "map is full, and no name has gone unused for fake_reuse_after=%lld s; "
			 "names fail with EAI_MEMORY (said once) until one has", name,
			 (long long)(cfg->chain.fake_reuse_after_ms / 1000));
	return EAI_MEMORY;
}

/* AI_CANONNAME: the canonical name is the name itself; the last hop knows no better. */
static int set_canonical_name(struct addrinfo *res, const char *name)
{
	char *copy = strdup(name);

	if (!copy)
		return EAI_MEMORY;
	free(res->ai_canonname);
	res->ai_canonname = copy;
	return 0;
}

SHIM_EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
			    struct addrinfo **res)
{
	const struct shim_config *cfg = name_policy_remote(node);
	struct addrinfo numeric = { 0 };
	char text[INET6_ADDRSTRLEN + 8];
	struct netaddr fake;
	int rc;

	if (hints)
		numeric = *hints;
	if (!cfg || (numeric.ai_flags & AI_NUMERICHOST) ||
	    (numeric.ai_family != AF_UNSPEC && numeric.ai_family != AF_INET &&
	     numeric.ai_family != AF_INET6))
		return real_getaddrinfo(node, service, hints, res);
	rc = fake_names_assign(cfg, node, &fake);
	if (rc < 0)
		return fake_error(cfg, node, rc);
	fake_text(&fake, numeric.ai_family, text, sizeof(text));
	/* ADDRCONFIG would judge the fake address by this host's interfaces. */
	numeric.ai_flags = (numeric.ai_flags | AI_NUMERICHOST) & ~(AI_ADDRCONFIG | AI_V4MAPPED);
	rc = real_getaddrinfo(text, service, &numeric, res);
	if (rc == 0 && (numeric.ai_flags & AI_CANONNAME) && set_canonical_name(*res, node) != 0) {
		real_freeaddrinfo(*res);
		*res = NULL;
		rc = EAI_MEMORY;
	}
	return rc;
}
