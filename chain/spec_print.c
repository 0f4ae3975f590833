#define _GNU_SOURCE
#include "spec_print.h"

#include "strbuf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

/* Milliseconds as the seconds timeout= takes: "10", "2.5", "0.001". */
static void print_seconds(struct strbuf *out, const char *key, int64_t ms)
{
	int64_t frac = ms % 1000;
	int digits = 3;

	if (frac == 0) {
		strbuf_add(out, "%s=%" PRId64, key, ms / 1000);
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	strbuf_add(out, "%s=%" PRId64 ".%0*" PRId64, key, ms / 1000, digits, frac);
}

static void print_cidr(struct strbuf *out, const char *key, const struct cidr *c)
{
	char text[INET6_ADDRSTRLEN];

	inet_ntop(c->family, c->addr, text, sizeof(text));
	strbuf_add(out, "%s=%s/%u", key, text, c->prefix);
}

/* A chain's own options, then its hops one to a line. */
static void print_chain(const struct chain_config *cfg, const struct chain *chain,
			struct strbuf *out)
{
	char hop[HOP_TEXT_MAX];
	unsigned i;

	if (chain != &cfg->chains[0])
		strbuf_add(out, "\nchain=%s", chain->name);
	else
		strbuf_add(out, "# the default chain");
	strbuf_add(out, "\nmode=%s", chain_mode_name(chain->mode));
	if (chain->path_len)
		strbuf_add(out, " hops=%u", chain->path_len);
	strbuf_add(out, " ");
	print_seconds(out, "timeout", chain->timeout_ms);
	if (chain->connect_timeout_ms) {
		strbuf_add(out, " ");
		print_seconds(out, "connect_timeout", chain->connect_timeout_ms);
	}
	strbuf_add(out, " pipeline=%s%s\n", chain->pipeline ? "yes" : "no",
		   chain->no_async ? " async=no" : "");
	for (i = 0; i < chain->nhops; i++) {
		hop_describe(&chain->hops[i], hop, sizeof(hop));
		strbuf_add(out, "%s\n", hop);
	}
}

/* The options that hold for every chain. bypass=none first: the list is written out whole. */
static void print_global(const struct chain_config *cfg, struct strbuf *out)
{
	unsigned i;

	strbuf_add(out, "\n# for every chain\n");
	print_seconds(out, "retry_after", cfg->retry_after_ms);
	strbuf_add(out, " dns=%s ", cfg->dns == DNS_REMOTE ? "remote" : "local");
	print_cidr(out, "fake_range", &cfg->fake_range);
	strbuf_add(out, " ");
	print_seconds(out, "fake_reuse_after", cfg->fake_reuse_after_ms);
	strbuf_add(out, " udp=%s\n", cfg->udp_allowed ? "allow" : "block");
	strbuf_add(out, "bypass=none");
	for (i = 0; i < cfg->nbypass; i++) {
		strbuf_add(out, " ");
		print_cidr(out, "bypass", &cfg->bypass[i]);
	}
	for (i = 0; i < cfg->nbypass_names; i++)
		strbuf_add(out, " bypass=%s", cfg->bypass_names[i]);
	strbuf_add(out, "\n");
}

int spec_print(const struct chain_config *cfg, char **text)
{
	struct strbuf sb = { NULL, 0, 0, false }, *out = &sb;
	unsigned i;

	print_chain(cfg, &cfg->chains[0], out);
	print_global(cfg, out);
	for (i = 1; i < cfg->nchains; i++)
		print_chain(cfg, &cfg->chains[i], out);
	if (cfg->nroutes)
		strbuf_add(out, "\n# routes: the first that matches wins\n");
	for (i = 0; i < cfg->nroutes; i++)
		strbuf_add(out, "route=%s\n", cfg->routes[i].text);
	if (sb.failed) {
		free(sb.text);
		return -ENOMEM;
	}
	*text = sb.text;
	return 0;
}
