#define _GNU_SOURCE
#include "explain.h"

#include "../../chain/printable.h"
#include "../../chain/route.h"
#include "target_arg.h"

#include <stdio.h>
#include <string.h>

static void print_chain(const struct chain *chain)
{
	char hop[HOP_TEXT_MAX];
	unsigned i;

	printf("  chain %s, mode %s", chain->name, chain_mode_name(chain->mode));
	if (chain->path_len && chain->mode >= MODE_RANDOM)
		printf(", %u of its hops per connection", chain->path_len);
	printf(", timeout %.3g s per hop\n", (double)chain->timeout_ms / 1000);
	for (i = 0; i < chain->nhops; i++) {
		hop_describe(&chain->hops[i], hop, sizeof(hop));
		printf("  %u. %s\n", i + 1, hop);
	}
}

/* Why: "rule 2, route=*.onion->tor (FILE:3:1)", "bypass", or "no rule matched". */
static void print_reason(const struct chain_config *cfg, const char *origin,
			 const struct route_decision *d, const struct endpoint *ep)
{
	if (d->bypassed)
		printf("  because %s is bypassed\n", ep->name ? "the name" : "the address");
	else if (d->rule)
		printf("  by rule %u, route=%s (%s:%u:%u)\n", (unsigned)(d->rule - cfg->routes) + 1,
		       d->rule->text, origin, d->rule->line, d->rule->column);
	else
		printf("  by default: no rule matched\n");
}

int explain(const struct chain_config *cfg, const char *origin, const char *target)
{
	struct route_decision d;
	struct endpoint ep;
	char name[256], where[ENDPOINT_TEXT_MAX];

	if (target_arg_parse(target, &ep, name) < 0) {
		char shown[80];

		printable_copy(shown, sizeof(shown), target, strlen(target));
		fprintf(stderr, "sockschain: --explain wants HOST[:PORT], not \"%s\"\n", shown);
		return 125;
	}
	route_decide(cfg, ep.name, &ep.addr, &d);
	endpoint_format(&ep, where, sizeof(where));
	switch (d.action) {
	case ROUTE_DIRECT:
		printf("%s: direct, not through any chain\n", where);
		break;
	case ROUTE_REFUSE:
		printf("%s: refused\n", where);
		break;
	case ROUTE_CHAIN:
		printf("%s: through chain %s\n", where, d.chain->name);
		break;
	}
	print_reason(cfg, origin, &d, &ep);
	if (d.action == ROUTE_CHAIN)
		print_chain(d.chain);
	if (ep.name && d.action != ROUTE_DIRECT)
		printf("  the name is resolved %s\n", cfg->dns == DNS_REMOTE
		       ? "by the last hop (dns=remote)" : "here, by the local resolver (dns=local)");
	return 0;
}
