#define _GNU_SOURCE
#include "resolve.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static int resolve_hop(struct hop *hop, const struct resolver *res, const char **why)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *list = NULL, *ai, *pick = NULL;
	int rc;

	rc = res->getaddrinfo(hop->host, NULL, &hints, &list);
	if (rc != 0) {
		*why = gai_strerror(rc);
		return -EHOSTUNREACH;
	}
	for (ai = list; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			pick = ai;
			break;
		}
		if (ai->ai_family == AF_INET6 && !pick)
			pick = ai;
	}
	rc = pick ? netaddr_from_sockaddr(pick->ai_addr, pick->ai_addrlen, &hop->addr) : -1;
	res->freeaddrinfo(list);
	if (rc < 0) {
		*why = "no IPv4 or IPv6 address";
		return -EHOSTUNREACH;
	}
	hop->addr.port = hop->port;
	return 0;
}

int chain_resolve(struct chain_config *cfg, const struct resolver *res, const char *origin,
		  struct spec_error *err)
{
	char text[HOP_TEXT_MAX];
	const char *why = "";
	unsigned i, h;

	for (i = 0; i < cfg->nchains; i++) {
		struct chain *chain = &cfg->chains[i];
		unsigned firsts = chain->mode == MODE_STRICT ? 1 : chain->nhops;

		for (h = 0; h < firsts && h < chain->nhops; h++) {
			struct hop *hop = &chain->hops[h];

			if (!hop->host_is_name || resolve_hop(hop, res, &why) == 0 ||
			    chain->mode != MODE_STRICT)
				continue;
			hop_describe(hop, text, sizeof(text));
			snprintf(err->text, sizeof(err->text),
				 "%s:%u:%u: hop 1 (%s): cannot resolve its name: %s", origin,
				 hop->line, hop->column, text, why);
			return -EHOSTUNREACH;
		}
	}
	return 0;
}
