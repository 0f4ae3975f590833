#define _GNU_SOURCE
#include "route.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char name_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._";

bool name_pattern_ok(const char *pattern)
{
	const char *name = strncmp(pattern, "*.", 2) == 0 ? pattern + 2 : pattern;
	size_t len = strlen(name);

	return len >= 1 && len <= SPEC_NAME_MAX && strspn(name, name_chars) == len &&
	       strspn(name, "0123456789.") != len;
}

bool name_pattern_matches(const char *pattern, const char *name)
{
	size_t plen, nlen = strlen(name);

	if (strncmp(pattern, "*.", 2) != 0)
		return strcasecmp(pattern, name) == 0;
	plen = strlen(pattern + 1);	/* ".corp.example" */
	return nlen > plen && strcasecmp(name + nlen - plen, pattern + 1) == 0;
}

/* Splits "host:port", "[v6]/n:port" or an unbracketed IPv6 range (no port). */
static int split_port(char *pattern, uint16_t *port)
{
	char *colon = strrchr(pattern, ':'), *end;
	unsigned long n;

	*port = 0;
	if (!colon || (pattern[0] != '[' && strchr(pattern, ':') != colon))
		return 0;	/* no port, or IPv6 colons */
	if (pattern[0] == '[' && colon < strchr(pattern, ']'))
		return 0;
	n = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end || n < 1 || n > 65535)
		return -EINVAL;
	*port = (uint16_t)n;
	*colon = '\0';
	return 0;
}

static int parse_pattern(char *pattern, struct route *route, const char **why)
{
	if (split_port(pattern, &route->port) < 0) {
		*why = "bad port in the pattern (1-65535)";
		return -EINVAL;
	}
	if (strcmp(pattern, "*") == 0) {
		route->match = MATCH_ANY;
		return 0;
	}
	if (cidr_parse(pattern, &route->range) == 0) {
		route->match = MATCH_RANGE;
		return 0;
	}
	if (!name_pattern_ok(pattern)) {
		*why = "the pattern wants *, a name like *.onion or host.example, or a range "
		       "like 10.0.0.0/8, with an optional :port";
		return -EINVAL;
	}
	route->match = MATCH_NAME;
	snprintf(route->pattern, sizeof(route->pattern), "%.*s", SPEC_NAME_MAX + 2, pattern);
	return 0;
}

int route_parse(const char *text, struct route *route, const char **why)
{
	const char *arrow = strstr(text, "->");
	char pattern[SPEC_NAME_MAX + 16];
	size_t len = arrow ? (size_t)(arrow - text) : 0;

	memset(route, 0, sizeof(*route));
	snprintf(route->text, sizeof(route->text), "%.*s", (int)sizeof(route->text) - 1, text);
	if (!arrow || len == 0 || len >= sizeof(pattern) || !arrow[2]) {
		*why = "route wants PATTERN->TARGET, like *.onion->tor or 10.0.0.0/8->direct";
		return -EINVAL;
	}
	memcpy(pattern, text, len);
	pattern[len] = '\0';
	if (parse_pattern(pattern, route, why) < 0)
		return -EINVAL;
	if (strlen(arrow + 2) > CHAIN_NAME_MAX) {
		*why = "the target is direct, refuse, or a chain's name";
		return -EINVAL;
	}
	snprintf(route->target, sizeof(route->target), "%s", arrow + 2);
	route->action = strcmp(route->target, "direct") == 0   ? ROUTE_DIRECT
			: strcmp(route->target, "refuse") == 0 ? ROUTE_REFUSE
							       : ROUTE_CHAIN;
	return 0;
}

int route_resolve_target(struct route *route, const struct chain_config *cfg)
{
	unsigned i;

	if (route->action != ROUTE_CHAIN)
		return 0;
	for (i = 0; i < cfg->nchains; i++)
		if (strcmp(cfg->chains[i].name, route->target) == 0) {
			route->chain = i;
			return 0;
		}
	return -EINVAL;
}

bool chain_bypasses(const struct chain_config *cfg, const struct netaddr *addr)
{
	unsigned i;

	for (i = 0; i < cfg->nbypass; i++)
		if (cidr_contains(&cfg->bypass[i], addr))
			return true;
	return false;
}

bool chain_bypasses_name(const struct chain_config *cfg, const char *name)
{
	unsigned i;

	if (strcasecmp(name, "localhost") == 0 || name_pattern_matches("*.localhost", name))
		return true;
	for (i = 0; i < cfg->nbypass_names; i++)
		if (name_pattern_matches(cfg->bypass_names[i], name))
			return true;
	return false;
}

static bool route_matches(const struct route *r, const char *name, const struct netaddr *addr)
{
	if (r->port && r->port != addr->port)
		return false;
	switch (r->match) {
	case MATCH_ANY:
		return true;
	case MATCH_NAME:
		return name && name_pattern_matches(r->pattern, name);
	case MATCH_RANGE:
		return !name && cidr_contains(&r->range, addr);
	}
	return false;
}

void route_decide(const struct chain_config *cfg, const char *name, const struct netaddr *addr,
		  struct route_decision *out)
{
	unsigned i;

	memset(out, 0, sizeof(*out));
	if (name ? chain_bypasses_name(cfg, name) : chain_bypasses(cfg, addr)) {
		out->action = ROUTE_DIRECT;
		out->bypassed = true;
		return;
	}
	for (i = 0; i < cfg->nroutes; i++) {
		const struct route *r = &cfg->routes[i];

		if (!route_matches(r, name, addr))
			continue;
		out->action = r->action;
		out->chain = &cfg->chains[r->chain];
		out->rule = r;
		return;
	}
	out->action = ROUTE_CHAIN;
	out->chain = &cfg->chains[0];
}
