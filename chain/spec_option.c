#define _GNU_SOURCE
#include "spec_parser.h"

#include "route.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "10", "0.5", "2.25": seconds with an optional fraction, to milliseconds. */
int spec_parse_seconds(const char *text, int64_t *ms)
{
	int64_t whole = 0, frac = 0, scale = 1000;
	const char *p = text;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > 86400)
			return -EINVAL;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			scale /= 10;
			frac += (*p - '0') * scale;	/* digits past milliseconds add 0 */
		}
	}
	if (*p != '\0' || whole * 1000 + frac == 0)
		return -EINVAL;
	*ms = whole * 1000 + frac;
	return 0;
}

static int parse_bypass(struct parser *ps, const struct item *it, const char *value)
{
	struct chain_config *cfg = ps->cfg;
	char (*names)[SPEC_NAME_MAX + 3];

	if (strcmp(value, "none") == 0) {
		cfg->nbypass = 0;
		cfg->nbypass_names = 0;
		return 0;
	}
	if (cfg->nbypass == CHAIN_MAX_BYPASS || cfg->nbypass_names == CHAIN_MAX_BYPASS)
		return spec_fail(ps, it, "more than %d bypass rules", CHAIN_MAX_BYPASS);
	if (cidr_parse(value, &cfg->bypass[cfg->nbypass]) == 0) {
		ps->bypass_at[cfg->nbypass].line = it->line;
		ps->bypass_at[cfg->nbypass].column = it->column;
		cfg->nbypass++;
		return 0;
	}
	if (!name_pattern_ok(value))
		return spec_fail(ps, it, "bypass wants an address range like 10.0.0.0/8, a name "
			    "pattern like *.corp.example, or none");
	if (!(names = spec_grow(ps, cfg->bypass_names, cfg->nbypass_names, sizeof(*names))))
		return -ENOMEM;
	cfg->bypass_names = names;
	snprintf(cfg->bypass_names[cfg->nbypass_names++], SPEC_NAME_MAX + 3, "%.*s", SPEC_NAME_MAX + 2,
		 value);
	return 0;
}

static int parse_fake_range(struct parser *ps, const struct item *it, const char *value)
{
	struct cidr range;

	if (cidr_parse(value, &range) < 0 || range.family != AF_INET || range.prefix > 24)
		return spec_fail(ps, it, "fake_range wants an IPv4 range of at least 256 addresses, "
			    "like 240.0.0.0/4");
	ps->cfg->fake_range = range;
	ps->fake_range_at.line = it->line;
	ps->fake_range_at.column = it->column;
	return 0;
}

/* key=value where value is one of two words; *flag says which. */
static int parse_choice(struct parser *ps, const struct item *it, const char *value,
			const char *first, const char *second, bool *is_second)
{
	if (strcmp(value, first) != 0 && strcmp(value, second) != 0)
		return spec_fail(ps, it, "wants %s or %s", first, second);
	*is_second = strcmp(value, second) == 0;
	return 0;
}

/* "hops=N": a count of hops, 1 to CHAIN_MAX_HOPS. */
static int parse_count(const char *text, unsigned *out)
{
	char *end;
	unsigned long n = strtoul(text, &end, 10);

	if (*text < '0' || *text > '9' || *end != '\0' || n < 1 || n > CHAIN_MAX_HOPS)
		return -EINVAL;
	*out = (unsigned)n;
	return 0;
}

/* In enum chain_mode's order. */
static const char *const mode_names[] = { "strict", "dynamic", "random", "round_robin" };

const char *chain_mode_name(enum chain_mode mode)
{
	return (unsigned)mode < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[mode] : "?";
}

static int parse_mode(struct parser *ps, const struct item *it, const char *value)
{
	unsigned i;

	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (strcmp(value, mode_names[i]) == 0) {
			ps->chain->mode = (enum chain_mode)i;
			return 0;
		}
	return spec_fail(ps, it, "mode wants strict, dynamic, random or round_robin");
}

/* A chain's name: letters, digits, '-' and '_'; "direct" and "refuse" are route targets. */
static bool chain_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len >= 1 && len <= CHAIN_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == len &&
	       strcmp(name, "direct") != 0 && strcmp(name, "refuse") != 0;
}

/* "chain=NAME": the items that follow belong to that chain, a new one or not. */
static int parse_chain(struct parser *ps, const struct item *it, const char *value)
{
	struct chain_config *cfg = ps->cfg;
	struct chain *chain;
	unsigned i;

	if (!chain_name_ok(value))
		return spec_fail(ps, it, "a chain's name is 1-%d letters, digits, '-' or '_' "
			    "(and not direct or refuse)", CHAIN_NAME_MAX);
	for (i = 0; i < cfg->nchains; i++)
		if (strcmp(cfg->chains[i].name, value) == 0) {
			ps->chain = &cfg->chains[i];
			return 0;
		}
	if (cfg->nchains == CHAIN_MAX_CHAINS)
		return spec_fail(ps, it, "more than %d chains", CHAIN_MAX_CHAINS);
	chain = &cfg->chains[cfg->nchains++];
	memset(chain, 0, sizeof(*chain));
	snprintf(chain->name, sizeof(chain->name), "%s", value);
	chain->mode = cfg->chains[0].mode;
	chain->path_len = cfg->chains[0].path_len;
	chain->timeout_ms = cfg->chains[0].timeout_ms;
	chain->connect_timeout_ms = cfg->chains[0].connect_timeout_ms;
	chain->pipeline = cfg->chains[0].pipeline;
	chain->no_async = cfg->chains[0].no_async;
	chain->line = it->line;
	chain->column = it->column;
	ps->chain = chain;
	return 0;
}

static int parse_route_item(struct parser *ps, const struct item *it, const char *value)
{
	struct chain_config *cfg = ps->cfg;
	struct route *route;
	const char *why;

	if (cfg->nroutes == CHAIN_MAX_ROUTES)
		return spec_fail(ps, it, "more than %d routes", CHAIN_MAX_ROUTES);
	if (!(route = spec_grow(ps, cfg->routes, cfg->nroutes, sizeof(*route))))
		return -ENOMEM;
	cfg->routes = route;
	route = &cfg->routes[cfg->nroutes];
	if (route_parse(value, route, &why) < 0)
		return spec_fail(ps, it, "%s", why);
	route->line = it->line;
	route->column = it->column;
	cfg->nroutes++;
	return 0;
}

/* Options of the chain being written: mode, hops, timeout, connect_timeout, pipeline, async. */
static int parse_chain_option(struct parser *ps, const struct item *it, const char *key,
			      const char *value)
{
	struct chain *chain = ps->chain;

	if (strcmp(key, "mode") == 0)
		return parse_mode(ps, it, value);
	if (strcmp(key, "hops") == 0) {
		if (parse_count(value, &chain->path_len) < 0)
			return spec_fail(ps, it, "hops wants a count of hops, 1 to %d", CHAIN_MAX_HOPS);
		return 0;
	}
	if (strcmp(key, "timeout") == 0 || strcmp(key, "connect_timeout") == 0) {
		int64_t *ms = key[0] == 't' ? &chain->timeout_ms : &chain->connect_timeout_ms;

		if (spec_parse_seconds(value, ms) < 0)
			return spec_fail(ps, it, "%s wants seconds, like 10 or 2.5 (at most 86400)", key);
		return 0;
	}
	if (strcmp(key, "pipeline") == 0)
		return parse_choice(ps, it, value, "no", "yes", &chain->pipeline);
	if (strcmp(key, "async") == 0)
		return parse_choice(ps, it, value, "yes", "no", &chain->no_async);
	return 1;	/* not one of these */
}

int spec_parse_option(struct parser *ps, const struct item *it, const char *eq)
{
	const char *value = eq + 1;
	size_t keylen = (size_t)(eq - it->text);
	struct chain_config *cfg = ps->cfg;
	char key[32];
	bool second;
	int rc;

	snprintf(key, sizeof(key), "%.*s", (int)(keylen < sizeof(key) ? keylen : 0), it->text);
	rc = parse_chain_option(ps, it, key, value);
	if (rc <= 0)
		return rc;
	if (strcmp(key, "chain") == 0)
		return parse_chain(ps, it, value);
	if (strcmp(key, "route") == 0)
		return parse_route_item(ps, it, value);
	if (strcmp(key, "bypass") == 0)
		return parse_bypass(ps, it, value);
	if (strcmp(key, "fake_range") == 0)
		return parse_fake_range(ps, it, value);
	if (strcmp(key, "fake_reuse_after") == 0) {
		if (spec_parse_seconds(value, &cfg->fake_reuse_after_ms) < 0)
			return spec_fail(ps, it, "fake_reuse_after wants seconds, like 3600 (at most 86400)");
		return 0;
	}
	if (strcmp(key, "retry_after") == 0) {
		if (spec_parse_seconds(value, &cfg->retry_after_ms) < 0)
			return spec_fail(ps, it, "retry_after wants seconds, like 30 (at most 86400)");
		return 0;
	}
	if (strcmp(key, "dns") == 0) {
		rc = parse_choice(ps, it, value, "remote", "local", &second);
		if (rc == 0)	/* a bad value leaves second unset */
			cfg->dns = second ? DNS_LOCAL : DNS_REMOTE;
		return rc;
	}
	if (strcmp(key, "udp") == 0)
		return parse_choice(ps, it, value, "block", "allow", &cfg->udp_allowed);
	return spec_fail(ps, it, "unknown option \"%.*s\" (known: timeout, connect_timeout, mode, "
		    "hops, pipeline, async, chain, route, bypass, retry_after, dns, fake_range, "
		    "fake_reuse_after, udp)", (int)keylen,
		    it->text);
}
