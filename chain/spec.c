#define _GNU_SOURCE
#include "spec.h"

#include "route.h"
#include "printable.h"
#include "spec_parser.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct cursor {
	const char *p;
	unsigned line, column;
};

static void advance(struct cursor *c)
{
	if (*c->p == '\n') {
		c->line++;
		c->column = 1;
	} else {
		c->column++;
	}
	c->p++;
}

static int is_separator(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == ',' ||
	       ch == '\v' || ch == '\f';
}

static void skip_separators_and_comments(struct cursor *c)
{
	for (;;) {
		while (*c->p && is_separator(*c->p))
			advance(c);
		if (*c->p != '#')
			return;
		while (*c->p && *c->p != '\n')
			advance(c);
	}
}

/* Writes a password-free copy of an item: "user:secret@" becomes "user:***@". */
static void redact(const char *item, char *out, size_t cap)
{
	const char *auth = strstr(item, "://");
	const char *at, *colon;

	at = auth ? strrchr(auth + 3, '@') : NULL;
	colon = at ? memchr(auth + 3, ':', (size_t)(at - (auth + 3))) : NULL;
	if (!colon) {
		snprintf(out, cap, "%.*s", (int)cap - 1, item);	/* long items are cut */
		return;
	}
	snprintf(out, cap, "%.*s:***%s", (int)(colon - item), item, at);
}

int spec_fail(struct parser *ps, const struct item *it, const char *fmt, ...)
{
	char shown[200], what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	redact(it->text, shown, sizeof(shown));
	snprintf(ps->err->text, sizeof(ps->err->text), "%s:%u:%u: \"%s\": %s", ps->origin,
		 it->line, it->column, shown, what);
	return -EINVAL;
}

/* Returns 1 with the next item, 0 at the end, -EINVAL for an item too long. */
static int next_item(struct parser *ps, struct cursor *c, struct item *it)
{
	char *sep, *colon;
	size_t n = 0;

	skip_separators_and_comments(c);
	if (!*c->p)
		return 0;
	it->line = c->line;
	it->column = c->column;
	while (*c->p && !is_separator(*c->p) && *c->p != '#') {
		if (n + 1 >= sizeof(it->text)) {
			/* Cut short, and before any password: its '@' may be past the cut. */
			it->text[40] = '\0';
			if ((sep = strstr(it->text, "://")) && (colon = strchr(sep + 3, ':')))
				*colon = '\0';
			return spec_fail(ps, it, "item longer than %d bytes", ITEM_MAX - 1);
		}
		it->text[n++] = *c->p;
		advance(c);
	}
	it->text[n] = '\0';
	return 1;
}

void chain_config_init(struct chain_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nchains = 1;
	strcpy(cfg->chains[0].name, "default");
	cfg->chains[0].mode = MODE_STRICT;
	cfg->chains[0].timeout_ms = CHAIN_DEFAULT_TIMEOUT_MS;
	cfg->retry_after_ms = CHAIN_DEFAULT_RETRY_AFTER_MS;
	cfg->dns = DNS_REMOTE;
	cidr_parse(CHAIN_DEFAULT_FAKE_RANGE, &cfg->fake_range);
	cfg->fake_reuse_after_ms = CHAIN_DEFAULT_FAKE_REUSE_AFTER_MS;
	cidr_parse("127.0.0.0/8", &cfg->bypass[0]);
	cidr_parse("::1/128", &cfg->bypass[1]);
	cfg->nbypass = 2;
}

void chain_config_free(struct chain_config *cfg)
{
	unsigned i;

	for (i = 0; i < CHAIN_MAX_CHAINS; i++)
		free(cfg->chains[i].hops);
	free(cfg->routes);
	free(cfg->bypass_names);
	chain_config_init(cfg);
}

void *spec_grow(struct parser *ps, void *array, unsigned n, size_t size)
{
	void *grown = realloc(array, (n + 1) * size);

	if (!grown)
		snprintf(ps->err->text, sizeof(ps->err->text), "%s: out of memory", ps->origin);
	return grown;
}

static int parse_item(struct parser *ps, const struct item *it)
{
	const char *sep = strstr(it->text, "://");
	const char *eq = strchr(it->text, '=');

	if (sep && (!eq || sep < eq))
		return spec_parse_proxy(ps, it, sep);
	if (eq && eq != it->text)
		return spec_parse_option(ps, it, eq);
	return spec_fail(ps, it, "expected a proxy like socks5://host:port, or an option key=value");
}

/* After the last item: routes name chains that exist, and every chain has hops. */
static int check_chains(struct parser *ps)
{
	struct chain_config *cfg = ps->cfg;
	const char *why = NULL;
	bool catch_all = false;
	unsigned i;
	int rc;

	for (i = 0; i < cfg->nroutes; i++) {
		struct route *r = &cfg->routes[i];

		if ((rc = route_resolve_target(r, cfg)) < 0) {
			snprintf(ps->err->text, sizeof(ps->err->text), "%s:%u:%u: \"route=%s\": no "
				 "chain named \"%s\"", ps->origin, r->line, r->column, r->text, r->target);
			return rc;
		}
		catch_all = catch_all || (r->match == MATCH_ANY && r->port == 0);
	}
	for (i = 0; i < cfg->nchains && !why; i++)
		if (cfg->chains[i].nhops == 0 && (i > 0 || !catch_all))
			why = cfg->chains[i].name;
	if (!why)
		return 0;
	if (strcmp(why, "default") == 0)
		snprintf(ps->err->text, sizeof(ps->err->text), "%s: no proxies in the chain",
			 ps->origin);
	else
		snprintf(ps->err->text, sizeof(ps->err->text), "%s: no proxies in chain \"%s\"",
			 ps->origin, why);
	return -EINVAL;
}

int spec_parse(const char *text, const char *origin, struct chain_config *cfg,
	       struct spec_error *err)
{
	struct parser ps = { .origin = origin, .cfg = cfg, .chain = &cfg->chains[0], .err = err };
	struct cursor c = { text, 1, 1 };
	struct item *it = malloc(sizeof(*it));
	int rc;

	chain_config_free(cfg);
	if (!it) {
		snprintf(err->text, sizeof(err->text), "%s: out of memory", origin);
		return -ENOMEM;
	}
	while ((rc = next_item(&ps, &c, it)) > 0)
		if ((rc = parse_item(&ps, it)) < 0)
			break;
	if (rc == 0)
		rc = check_chains(&ps);
	if (rc == 0)
		rc = spec_check_fake_range(&ps);
	if (rc < 0)	/* it quotes the spec, which may hold ESC and other controls */
		printable_copy(err->text, sizeof(err->text), err->text, strlen(err->text));
	free(it);
	return rc;
}
