/*
 * Routing rules: "route=PATTERN->TARGET" sends destinations to a named chain,
 * "direct" or "refuse"; the first rule that matches wins, and a destination
 * no rule matches takes the default chain.
 *
 *   PATTERN = host [ ":" port ]       host: "*", a name pattern or an address range
 *   examples: *.onion   10.0.0.0/8   *:22   *.corp.example:443   [fd00::]/8:80
 */
#ifndef SOCKSCHAIN_ROUTE_H
#define SOCKSCHAIN_ROUTE_H

#include "spec.h"

/* "*.corp.example" (names under it) or "host.example" (that name), 1-255 bytes. */
bool name_pattern_ok(const char *pattern);

/* Whether name matches the pattern; host names compare without regard to case. */
bool name_pattern_matches(const char *pattern, const char *name);

/* Parses "PATTERN->TARGET" into route. 0, or -EINVAL with *why. */
int route_parse(const char *text, struct route *route, const char **why);

/* Finds the chain a ROUTE_CHAIN route names. 0, or -EINVAL for no such chain. */
int route_resolve_target(struct route *route, const struct chain_config *cfg);

/* Whether connections to addr go directly, by the bypass rules. */
bool chain_bypasses(const struct chain_config *cfg, const struct netaddr *addr);

/* Whether name is resolved locally: "localhost", or a bypass name pattern. */
bool chain_bypasses_name(const struct chain_config *cfg, const char *name);

/* Where a destination goes, and why. */
struct route_decision {
	enum route_action action;
	const struct chain *chain;	/* for ROUTE_CHAIN */
	const struct route *rule;	/* the rule that matched; NULL: bypass or the default */
	bool bypassed;			/* a bypass= rule sent it direct */
};

/*
 * Decides for a destination given by address and port, and by name when the
 * program asked for one (a fake address's name): bypass rules first, then the
 * routes in order, then the default chain.
 */
void route_decide(const struct chain_config *cfg, const char *name, const struct netaddr *addr,
		  struct route_decision *out);

#endif
