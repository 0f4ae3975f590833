#define _GNU_SOURCE
#include "spec.h"

#include "route.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ITEM_MAX 4096

struct item {
	char text[ITEM_MAX];
	unsigned line, column;
};

struct cursor {
	const char *p;
	unsigned line, column;
};

/* The parse in progress: where the text came from and where the error goes. */
struct parser {
	const char *origin;
	struct chain_config *cfg;
	struct chain *chain;		/* the chain being written */
	struct spec_error *err;
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

static int fail(struct parser *ps, const struct item *it, const char *fmt, ...)
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
	size_t n = 0;

	skip_separators_and_comments(c);
	if (!*c->p)
		return 0;
	it->line = c->line;
	it->column = c->column;
	while (*c->p && !is_separator(*c->p) && *c->p != '#') {
		if (n + 1 >= sizeof(it->text)) {
			it->text[40] = '\0';
			return fail(ps, it, "item longer than %d bytes", ITEM_MAX - 1);
		}
		it->text[n++] = *c->p;
		advance(c);
	}
	it->text[n] = '\0';
	return 1;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Percent-decodes len bytes of in. Returns the length, or a message on failure. */
static long percent_decode(const char *in, size_t len, char *out, size_t cap,
			   const char **why)
{
	size_t i, n = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		char ch = in[i];

		if (ch == '%') {
			hi = i + 2 < len ? hexval(in[i + 1]) : -1;
			lo = hi >= 0 ? hexval(in[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				*why = "bad percent escape";
				return -1;
			}
			ch = (char)(hi * 16 + lo);
			if (ch == '\0') {
				*why = "%00 is not allowed";
				return -1;
			}
			i += 2;
		}
		if (n + 1 >= cap) {
			*why = "longer than 255 bytes";
			return -1;
		}
		out[n++] = ch;
	}
	out[n] = '\0';
	return (long)n;
}

static int parse_port(const char *text, size_t len, uint16_t *port)
{
	unsigned long n = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
		n = n * 10 + (unsigned long)(text[i] - '0');
	}
	if (n < 1 || n > 65535)
		return -EINVAL;
	*port = (uint16_t)n;
	return 0;
}

static bool is_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_';
}

/* Accepts an IPv4 literal, a bracketed IPv6 literal (already unbracketed) or a name. */
static int set_host(struct parser *ps, const struct item *it, struct hop *hop,
		    const char *host, size_t len, bool bracketed)
{
	size_t i;
	bool all_numeric = true;

	if (len == 0)
		return fail(ps, it, "missing host");
	if (len > SPEC_NAME_MAX)
		return fail(ps, it, "host longer than %d bytes", SPEC_NAME_MAX);
	memcpy(hop->host, host, len);
	hop->host[len] = '\0';
	if (bracketed) {
		if (inet_pton(AF_INET6, hop->host, hop->addr.addr) != 1)
			return fail(ps, it, "bad IPv6 address \"%s\"", hop->host);
		hop->addr.family = AF_INET6;
		return 0;
	}
	if (inet_pton(AF_INET, hop->host, hop->addr.addr) == 1) {
		hop->addr.family = AF_INET;
		return 0;
	}
	for (i = 0; i < len; i++) {
		if (!is_name_char(host[i]))
			return fail(ps, it, "bad character '%c' in host name", host[i]);
		if (!(host[i] >= '0' && host[i] <= '9') && host[i] != '.')
			all_numeric = false;
	}
	if (all_numeric)
		return fail(ps, it, "bad IPv4 address \"%s\"", hop->host);
	hop->host_is_name = true;
	return 0;
}

/* host [":" port], with IPv6 literals in brackets. */
static int parse_hostport(struct parser *ps, const struct item *it, struct hop *hop,
			  const char *text, size_t len)
{
	const char *end = text + len, *colon;

	if (len > 0 && text[0] == '[') {
		const char *close = memchr(text, ']', len);

		if (!close)
			return fail(ps, it, "missing ']' after IPv6 address");
		colon = close + 1 < end ? close + 1 : NULL;
		if (colon && *colon != ':')
			return fail(ps, it, "unexpected text after ']'");
		if (set_host(ps, it, hop, text + 1, (size_t)(close - text - 1), true) < 0)
			return -EINVAL;
	} else {
		colon = memchr(text, ':', len);
		if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
			return fail(ps, it, "an IPv6 address must be written in brackets");
		if (set_host(ps, it, hop, text, colon ? (size_t)(colon - text) : len, false) < 0)
			return -EINVAL;
	}
	if (colon && parse_port(colon + 1, (size_t)(end - colon - 1), &hop->port) < 0)
		return fail(ps, it, "bad port \"%.*s\" (1-65535)", (int)(end - colon - 1), colon + 1);
	hop->addr.port = hop->port;
	return 0;
}

/* "user" or "user:password", percent-decoded; SOCKS4 has a user id only. */
static int parse_userinfo(struct parser *ps, const struct item *it, struct hop *hop,
			  const char *text, size_t len)
{
	const char *colon = memchr(text, ':', len), *why = NULL;
	size_t userlen = colon ? (size_t)(colon - text) : len;

	if (colon && hop->proto == HOP_SOCKS4)
		return fail(ps, it, "socks4 takes a user id, not a password");
	if (percent_decode(text, userlen, hop->user, sizeof(hop->user), &why) < 0)
		return fail(ps, it, "user: %s", why);
	if (hop->proto == HOP_SOCKS5 && hop->user[0] == '\0')
		return fail(ps, it, "socks5 needs a user name before the password");
	if (!colon)
		return 0;
	hop->has_pass = true;
	if (percent_decode(colon + 1, len - userlen - 1, hop->pass, sizeof(hop->pass), &why) < 0)
		return fail(ps, it, "password: %s", why);
	return 0;
}

struct scheme {
	const char *name;
	enum hop_proto proto;
	uint16_t default_port;
};

/* The first scheme of each protocol is the one shown in messages. */
static const struct scheme schemes[] = {
	{ "socks4", HOP_SOCKS4, 1080 },
	{ "socks5", HOP_SOCKS5, 1080 },
	{ "http", HOP_HTTP, 8080 },
	{ "socks4a", HOP_SOCKS4, 1080 },
	{ "socks5h", HOP_SOCKS5, 1080 },
};

static const struct scheme *find_scheme(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strlen(schemes[i].name) == len && strncasecmp(schemes[i].name, name, len) == 0)
			return &schemes[i];
	return NULL;
}

static int parse_proxy(struct parser *ps, const struct item *it, const char *sep)
{
	const char *authority = sep + 3, *end = it->text + strlen(it->text), *at, *slash;
	const struct scheme *scheme = find_scheme(it->text, (size_t)(sep - it->text));
	struct hop *hop;

	if (!scheme)
		return fail(ps, it, "unknown scheme \"%.*s\" (supported: socks4, socks4a, "
			    "socks5, socks5h, http)",
			    (int)(sep - it->text), it->text);
	if (ps->chain->nhops == CHAIN_MAX_HOPS)
		return fail(ps, it, "more than %d hops", CHAIN_MAX_HOPS);
	hop = &ps->chain->hops[ps->chain->nhops];
	memset(hop, 0, sizeof(*hop));
	hop->proto = scheme->proto;
	hop->port = scheme->default_port;
	hop->line = it->line;
	hop->column = it->column;
	slash = memchr(authority, '/', (size_t)(end - authority));
	if (slash && slash + 1 != end)
		return fail(ps, it, "unexpected path after the host");
	if (slash)
		end = slash;
	at = memrchr(authority, '@', (size_t)(end - authority));
	if (at && parse_userinfo(ps, it, hop, authority, (size_t)(at - authority)) < 0)
		return -EINVAL;
	if (parse_hostport(ps, it, hop, at ? at + 1 : authority,
			   (size_t)(end - (at ? at + 1 : authority))) < 0)
		return -EINVAL;
	ps->chain->nhops++;
	return 0;
}

/* "10", "0.5", "2.25": seconds with an optional fraction, to milliseconds. */
static int parse_seconds(const char *text, int64_t *ms)
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
	cidr_parse("127.0.0.0/8", &cfg->bypass[0]);
	cidr_parse("::1/128", &cfg->bypass[1]);
	cfg->nbypass = 2;
}

static int parse_bypass(struct parser *ps, const struct item *it, const char *value)
{
	struct chain_config *cfg = ps->cfg;

	if (strcmp(value, "none") == 0) {
		cfg->nbypass = 0;
		cfg->nbypass_names = 0;
		return 0;
	}
	if (cfg->nbypass == CHAIN_MAX_BYPASS || cfg->nbypass_names == CHAIN_MAX_BYPASS)
		return fail(ps, it, "more than %d bypass rules", CHAIN_MAX_BYPASS);
	if (cidr_parse(value, &cfg->bypass[cfg->nbypass]) == 0) {
		cfg->nbypass++;
		return 0;
	}
	if (!name_pattern_ok(value))
		return fail(ps, it, "bypass wants an address range like 10.0.0.0/8, a name "
			    "pattern like *.corp.example, or none");
	snprintf(cfg->bypass_names[cfg->nbypass_names++], SPEC_NAME_MAX + 3, "%.*s", SPEC_NAME_MAX + 2,
		 value);
	return 0;
}

static int parse_fake_range(struct parser *ps, const struct item *it, const char *value)
{
	struct cidr range;

	if (cidr_parse(value, &range) < 0 || range.family != AF_INET || range.prefix > 24)
		return fail(ps, it, "fake_range wants an IPv4 range of at least 256 addresses, "
			    "like 240.0.0.0/4");
	ps->cfg->fake_range = range;
	return 0;
}

/* key=value where value is one of two words; *flag says which. */
static int parse_choice(struct parser *ps, const struct item *it, const char *value,
			const char *first, const char *second, bool *is_second)
{
	if (strcmp(value, first) != 0 && strcmp(value, second) != 0)
		return fail(ps, it, "wants %s or %s", first, second);
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

static int parse_mode(struct parser *ps, const struct item *it, const char *value)
{
	static const char *const names[] = { "strict", "dynamic", "random", "round_robin" };
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(value, names[i]) == 0) {
			ps->chain->mode = (enum chain_mode)i;
			return 0;
		}
	return fail(ps, it, "mode wants strict, dynamic, random or round_robin");
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
		return fail(ps, it, "a chain's name is 1-%d letters, digits, '-' or '_' "
			    "(and not direct or refuse)", CHAIN_NAME_MAX);
	for (i = 0; i < cfg->nchains; i++)
		if (strcmp(cfg->chains[i].name, value) == 0) {
			ps->chain = &cfg->chains[i];
			return 0;
		}
	if (cfg->nchains == CHAIN_MAX_CHAINS)
		return fail(ps, it, "more than %d chains", CHAIN_MAX_CHAINS);
	chain = &cfg->chains[cfg->nchains++];
	memset(chain, 0, sizeof(*chain));
	snprintf(chain->name, sizeof(chain->name), "%s", value);
	chain->mode = cfg->chains[0].mode;
	chain->path_len = cfg->chains[0].path_len;
	chain->timeout_ms = cfg->chains[0].timeout_ms;
	chain->connect_timeout_ms = cfg->chains[0].connect_timeout_ms;
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
		return fail(ps, it, "more than %d routes", CHAIN_MAX_ROUTES);
	route = &cfg->routes[cfg->nroutes];
	if (route_parse(value, route, &why) < 0)
		return fail(ps, it, "%s", why);
	route->line = it->line;
	route->column = it->column;
	cfg->nroutes++;
	return 0;
}

/* Options of the chain being written: mode, hops, timeout, connect_timeout. */
static int parse_chain_option(struct parser *ps, const struct item *it, const char *key,
			      const char *value)
{
	struct chain *chain = ps->chain;

	if (strcmp(key, "mode") == 0)
		return parse_mode(ps, it, value);
	if (strcmp(key, "hops") == 0) {
		if (parse_count(value, &chain->path_len) < 0)
			return fail(ps, it, "hops wants a count of hops, 1 to %d", CHAIN_MAX_HOPS);
		return 0;
	}
	if (strcmp(key, "timeout") == 0 || strcmp(key, "connect_timeout") == 0) {
		int64_t *ms = key[0] == 't' ? &chain->timeout_ms : &chain->connect_timeout_ms;

		if (parse_seconds(value, ms) < 0)
			return fail(ps, it, "%s wants seconds, like 10 or 2.5 (at most 86400)", key);
		return 0;
	}
	return 1;	/* not one of these */
}

static int parse_option(struct parser *ps, const struct item *it, const char *eq)
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
	if (strcmp(key, "retry_after") == 0) {
		if (parse_seconds(value, &cfg->retry_after_ms) < 0)
			return fail(ps, it, "retry_after wants seconds, like 30 (at most 86400)");
		return 0;
	}
	if (strcmp(key, "dns") == 0) {
		rc = parse_choice(ps, it, value, "remote", "local", &second);
		cfg->dns = second ? DNS_LOCAL : DNS_REMOTE;
		return rc;
	}
	if (strcmp(key, "udp") == 0)
		return parse_choice(ps, it, value, "block", "allow", &cfg->udp_allowed);
	return fail(ps, it, "unknown option \"%.*s\" (known: timeout, connect_timeout, mode, "
		    "hops, chain, route, bypass, retry_after, dns, fake_range, udp)", (int)keylen,
		    it->text);
}

static int parse_item(struct parser *ps, const struct item *it)
{
	const char *sep = strstr(it->text, "://");
	const char *eq = strchr(it->text, '=');

	if (sep && (!eq || sep < eq))
		return parse_proxy(ps, it, sep);
	if (eq && eq != it->text)
		return parse_option(ps, it, eq);
	return fail(ps, it, "expected a proxy like socks5://host:port, or an option key=value");
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
	struct parser ps = { origin, cfg, &cfg->chains[0], err };
	struct cursor c = { text, 1, 1 };
	struct item *it = malloc(sizeof(*it));
	int rc;

	chain_config_init(cfg);
	if (!it) {
		snprintf(err->text, sizeof(err->text), "%s: out of memory", origin);
		return -ENOMEM;
	}
	while ((rc = next_item(&ps, &c, it)) > 0)
		if ((rc = parse_item(&ps, it)) < 0)
			break;
	if (rc == 0)
		rc = check_chains(&ps);
	free(it);
	return rc;
}

bool chain_bypasses(const struct chain_config *cfg, const struct netaddr *addr)
{
	unsigned i;

	for (i = 0; i < cfg->nbypass; i++)
		if (cidr_contains(&cfg->bypass[i], addr))
			return true;
	return false;
}

static const char *proto_name(enum hop_proto proto)
{
	size_t i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (schemes[i].proto == proto)
			return schemes[i].name;
	return "?";
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

void hop_describe(const struct hop *hop, char *buf, size_t cap)
{
	bool v6 = !hop->host_is_name && hop->addr.family == AF_INET6;

	snprintf(buf, cap, "%s://%s%s%s%s%s%s:%u", proto_name(hop->proto), hop->user,
		 hop->has_pass ? ":***" : "", hop->user[0] || hop->has_pass ? "@" : "",
		 v6 ? "[" : "", hop->host, v6 ? "]" : "", hop->port);
}

void hop_endpoint(const struct hop *hop, struct endpoint *ep)
{
	ep->name = hop->host_is_name ? hop->host : NULL;
	ep->addr = hop->addr;
	ep->addr.port = hop->port;
}
