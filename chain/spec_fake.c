/*
 * fake_range against the rest of the spec. A fake address stands in for a
 * name, so it must never also be an address the program could mean as such:
 * loopback (the first fake address would be 127.0.0.1, and a local service
 * would be reached as a name through the proxy), a bypassed range, or a proxy.
 */
#define _GNU_SOURCE
#include "spec_parser.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* 0.0.0.0 connects to this host too. */
static const struct cidr local_ranges[] = {
	{ AF_INET, { 127 }, 8 },
	{ AF_INET, { 0 }, 8 },
};

/* Whether two ranges share an address: the wider one holds the other's first address. */
static bool ranges_overlap(const struct cidr *a, const struct cidr *b)
{
	const struct cidr *wide = a->prefix <= b->prefix ? a : b, *narrow = wide == a ? b : a;
	struct netaddr first = { .family = narrow->family };

	if (a->family != b->family)
		return false;
	memcpy(first.addr, narrow->addr, sizeof(first.addr));
	return cidr_contains(wide, &first);
}

static void range_text(const struct cidr *range, char *buf, size_t cap)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	inet_ntop(range->family, range->addr, addr, sizeof(addr));
	snprintf(buf, cap, "%s/%u", addr, range->prefix);
}

/*
 * "ORIGIN:LINE:COL: "fake_range=R": why" when fake_range was written; for
 * the default range, at the other item (at) when it has a place.
 */
static int refuse(struct parser *ps, const struct spec_position *at, const char *why)
{
	const struct spec_position *where = ps->fake_range_at.line ? &ps->fake_range_at : at;
	char range[64];

	range_text(&ps->cfg->fake_range, range, sizeof(range));
	if (where && where->line)
		snprintf(ps->err->text, sizeof(ps->err->text), "%s:%u:%u: \"fake_range=%s\"%s: %s",
			 ps->origin, where->line, where->column, range,
			 ps->fake_range_at.line ? "" : " (the default)", why);
	else
		snprintf(ps->err->text, sizeof(ps->err->text), "%s: \"fake_range=%s\": %s",
			 ps->origin, range, why);
	return -EINVAL;
}

static int check_bypass(struct parser *ps)
{
	const struct chain_config *cfg = ps->cfg;
	char why[256], range[64];
	unsigned i;

	for (i = 0; i < cfg->nbypass; i++) {
		if (!ranges_overlap(&cfg->fake_range, &cfg->bypass[i]))
			continue;
		range_text(&cfg->bypass[i], range, sizeof(range));
		snprintf(why, sizeof(why), "overlaps bypass=%s%s: an address cannot both stand in "
			 "for a name and go direct", range,
			 ps->bypass_at[i].line ? "" : " (a default)");
		return refuse(ps, &ps->bypass_at[i], why);
	}
	return 0;
}

static int check_hops(struct parser *ps)
{
	const struct chain_config *cfg = ps->cfg;
	const struct hop *hop;
	char why[SPEC_NAME_MAX + 128];
	unsigned c, i;

	for (c = 0; c < cfg->nchains; c++)
		for (i = 0; i < cfg->chains[c].nhops; i++) {
			hop = &cfg->chains[c].hops[i];
			if (hop->host_is_name || !cidr_contains(&cfg->fake_range, &hop->addr))
				continue;
			snprintf(why, sizeof(why), "holds the address of the proxy written at %u:%u (%s)",
				 hop->line, hop->column, hop->host);
			return refuse(ps, &(struct spec_position){ hop->line, hop->column }, why);
		}
	return 0;
}

int spec_check_fake_range(struct parser *ps)
{
	size_t i;
	int rc;

	for (i = 0; i < sizeof(local_ranges) / sizeof(local_ranges[0]); i++)
		if (ranges_overlap(&ps->cfg->fake_range, &local_ranges[i]))
			return refuse(ps, NULL, "overlaps loopback (127.0.0.0/8 and 0.0.0.0/8): its "
				      "addresses would stand in for names instead of reaching local "
				      "services; use a range no network uses, like the default "
				      CHAIN_DEFAULT_FAKE_RANGE);
	if ((rc = check_bypass(ps)) < 0)
		return rc;
	return check_hops(ps);
}
