#define _GNU_SOURCE
#include "resolve.h"

#include "deadline.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

int resolve_pick(const struct addrinfo *list, uint16_t port, struct netaddr *out)
{
	const struct addrinfo *ai, *pick = NULL;

	for (ai = list; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			pick = ai;
			break;
		}
		if (ai->ai_family == AF_INET6 && !pick)
			pick = ai;
	}
	if (!pick || netaddr_from_sockaddr(pick->ai_addr, pick->ai_addrlen, out) < 0)
		return -1;
	out->port = port;
	return 0;
}

int chain_resolve(struct chain_config *cfg, hop_resolve_fn resolve, const char *origin,
		  struct spec_error *err)
{
	char text[HOP_TEXT_MAX], why[256];
	unsigned i, h;

	for (i = 0; i < cfg->nchains; i++) {
		struct chain *chain = &cfg->chains[i];
		unsigned firsts = chain->mode == MODE_STRICT ? 1 : chain->nhops;

		for (h = 0; h < firsts && h < chain->nhops; h++) {
			struct hop *hop = &chain->hops[h];

			if (!hop->host_is_name ||
			    resolve(hop, deadline_after_ms(chain->timeout_ms), &hop->addr, why,
				    sizeof(why)) == 0 ||
			    chain->mode != MODE_STRICT)
				continue;
			hop_describe(hop, text, sizeof(text));
			snprintf(err->text, sizeof(err->text),
				 "%s:%u:%u: hop 1 (%s) %s", origin,
				 hop->line, hop->column, text, why);
			return -EHOSTUNREACH;
		}
	}
	return 0;
}
