#define _GNU_SOURCE
#include "spec_print.h"

#include <arpa/inet.h>
#include <inttypes.h>

/* Milliseconds as the seconds timeout= takes: "10", "2.5", "0.001". */
static void print_seconds(FILE *out, const char *key, int64_t ms)
{
	int64_t frac = ms % 1000;
	int digits = 3;

	if (frac == 0) {
		fprintf(out, "%s=%" PRId64, key, ms / 1000);
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	fprintf(out, "%s=%" PRId64 ".%0*" PRId64, key, ms / 1000, digits, frac);
}

static void print_cidr(FILE *out, const char *key, const struct cidr *c)
{
	char text[INET6_ADDRSTRLEN];

	inet_ntop(c->family, c->addr, text, sizeof(text));
	fprintf(out, "%s=%s/%u", key, text, c->prefix);
}

/* A chain's own options, then its hops one to a line. */
static void print_chain(const struct chain_config *cfg, const struct chain *chain, FILE *out)
{
	char hop[HOP_TEXT_MAX];
	unsigned i;

	if (chain != &cfg->chains[0])
		fprintf(out, "\nchain=%s", chain->name);
	else
		fputs("# the default chain", out);
	fprintf(out, "\nmode=%s", chain_mode_name(chain->mode));
	if (chain->path_len)
		fprintf(out, " hops=%u", chain->path_len);
	fputc(' ', out);
	print_seconds(out, "timeout", chain->timeout_ms);
	if (chain->connect_timeout_ms) {
		fputc(' ', out);
		print_seconds(out, "connect_timeout", chain->connect_timeout_ms);
	}
	fputc('\n', out);
	for (i = 0; i < chain->nhops; i++) {
		hop_describe(&chain->hops[i], hop, sizeof(hop));
		fprintf(out, "%s\n", hop);
	}
}

/* The options that hold for every chain. bypass=none first: the list is written out whole. */
static void print_global(const struct chain_config *cfg, FILE *out)
{
	unsigned i;

	fputs("\n# for every chain\n", out);
	print_seconds(out, "retry_after", cfg->retry_after_ms);
	fprintf(out, " dns=%s ", cfg->dns == DNS_REMOTE ? "remote" : "local");
	print_cidr(out, "fake_range", &cfg->fake_range);
	fprintf(out, " udp=%s\n", cfg->udp_allowed ? "allow" : "block");
	fputs("bypass=none", out);
	for (i = 0; i < cfg->nbypass; i++) {
		fputc(' ', out);
		print_cidr(out, "bypass", &cfg->bypass[i]);
	}
	for (i = 0; i < cfg->nbypass_names; i++)
		fprintf(out, " bypass=%s", cfg->bypass_names[i]);
	fputc('\n', out);
}

void spec_print(const struct chain_config *cfg, FILE *out)
{
	unsigned i;

	print_chain(cfg, &cfg->chains[0], out);
	print_global(cfg, out);
	for (i = 1; i < cfg->nchains; i++)
		print_chain(cfg, &cfg->chains[i], out);
	if (cfg->nroutes)
		fputs("\n# routes: the first that matches wins\n", out);
	for (i = 0; i < cfg->nroutes; i++)
		fprintf(out, "route=%s\n", cfg->routes[i].text);
}
