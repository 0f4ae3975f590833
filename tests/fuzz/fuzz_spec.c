/*
 * The chain-spec parser on arbitrary text. When the text parses, the result
 * is checked and used: every hop's description, every request a hop would be
 * sent or would send for the next one, and route_decide for names and
 * addresses taken from the config. When it does not, the message is checked:
 * it says where, and never shows the password of the item it quotes.
 */
#define _GNU_SOURCE
#include "../../chain/http.h"
#include "../../chain/route.h"
#include "../../chain/socks4.h"
#include "../../chain/socks5.h"
#include "../../chain/spec.h"
#include "fuzz.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static bool is_separator(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == ',' || ch == '\v' ||
	       ch == '\f';
}

/* The item that starts at line:column of text, counted as the parser counts. */
static const char *item_at(const char *text, unsigned line, unsigned column, size_t *len)
{
	unsigned l = 1, c = 1;
	const char *p = text;

	for (; *p && (l != line || c != column); p++) {
		if (*p == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	FUZZ_CHECK(*p && !is_separator(*p) && *p != '#');
	for (*len = 0; p[*len] && !is_separator(p[*len]) && p[*len] != '#'; (*len)++)
		;
	return p;
}

/*
 * A message quoting a proxy item with a password ("scheme://user:pw@host")
 * shows it as "scheme://user:***@host", or cut short before the password.
 */
static void check_no_password(const char *text, const struct spec_error *err)
{
	const char *item, *sep, *eq, *at, *colon, *shown;
	unsigned line, column;
	size_t len, keep, stars;
	int off = -1;

	if (sscanf(err->text, "fuzz:%u:%u: \"%n", &line, &column, &off) != 2 || off < 0)
		return;
	shown = err->text + off;
	item = item_at(text, line, column, &len);
	sep = memmem(item, len, "://", 3);
	eq = memchr(item, '=', len);
	if (!sep || (eq && eq < sep))
		return;		/* an option: no password in it */
	at = memrchr(sep + 3, '@', len - (size_t)(sep + 3 - item));
	colon = at ? memchr(sep + 3, ':', (size_t)(at - (sep + 3))) : NULL;
	if (!colon)
		return;
	keep = (size_t)(colon + 1 - item);	/* "scheme://user:" */
	if (strncmp(shown, item, keep) != 0)
		return;		/* cut before the password */
	stars = strspn(shown + keep, "*");
	/* "***", or as much of it as the quote had room for (an item holds no space) */
	FUZZ_CHECK(stars >= 3 || strncmp(shown + keep + stars, "\": ", 3) == 0);
}

static void check_error(const char *text, int rc, const struct spec_error *err)
{
	FUZZ_CHECK(rc == -EINVAL || rc == -ENOMEM);
	FUZZ_CHECK(memchr(err->text, '\0', sizeof(err->text)) != NULL);
	FUZZ_CHECK(strncmp(err->text, "fuzz:", 5) == 0);
	check_no_password(text, err);
}

static bool terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static void check_hop(const struct hop *hop)
{
	char text[HOP_TEXT_MAX];

	FUZZ_CHECK(hop->proto == HOP_SOCKS4 || hop->proto == HOP_SOCKS5 || hop->proto == HOP_HTTP);
	FUZZ_CHECK(terminated(hop->host, sizeof(hop->host)) && hop->host[0]);
	FUZZ_CHECK(terminated(hop->user, sizeof(hop->user)));
	FUZZ_CHECK(terminated(hop->pass, sizeof(hop->pass)));
	FUZZ_CHECK(hop->port >= 1 && hop->addr.port == hop->port);
	if (hop->host_is_name)
		FUZZ_CHECK(endpoint_name_ok(hop->host));
	else
		FUZZ_CHECK(hop->addr.family == AF_INET || hop->addr.family == AF_INET6);
	FUZZ_CHECK(hop->has_pass || hop->pass[0] == '\0');
	FUZZ_CHECK(hop->proto != HOP_SOCKS4 || !hop->has_pass);
	FUZZ_CHECK(hop->proto != HOP_SOCKS5 || !hop->has_pass || hop->user[0]);

	hop_describe(hop, text, sizeof(text));
	FUZZ_CHECK(strlen(text) < sizeof(text) - 1);	/* never cut short */
	FUZZ_CHECK(!hop->has_pass || strstr(text, ":***@"));
}

/* Whatever the parser accepts, a handshake can send: hop asked for next (NULL: a test destination). */
static void check_requests(const struct hop *hop, const struct hop *next)
{
	struct endpoint ep = { .name = "destination.test", .addr = { .port = 443 } };
	uint8_t req[HTTP_REQUEST_MAX];
	int rc;

	if (next)
		hop_endpoint(next, &ep);
	switch (hop->proto) {
	case HOP_SOCKS4:
		rc = socks4_build_connect(req, SOCKS4_REQUEST_MAX, &ep, hop->user);
		FUZZ_CHECK(rc > 0 || (rc == -EAFNOSUPPORT && !ep.name));
		break;
	case HOP_SOCKS5:
		FUZZ_CHECK(socks5_build_connect(req, SOCKS5_REQUEST_MAX, &ep) > 0);
		if (hop->user[0])
			FUZZ_CHECK(socks5_build_auth(req, SOCKS5_AUTH_MAX, hop->user, hop->pass) > 0);
		break;
	case HOP_HTTP:
		rc = http_build_connect((char *)req, HTTP_REQUEST_MAX, &ep,
					hop->user[0] ? hop->user : NULL, hop->pass);
		FUZZ_CHECK(rc > 0);
		break;
	}
}

static void check_decision(const struct chain_config *cfg, const char *name,
			   const struct netaddr *addr)
{
	bool bypassed = name ? chain_bypasses_name(cfg, name) : chain_bypasses(cfg, addr);
	struct route_decision d;
	const struct route *r;

	route_decide(cfg, name, addr, &d);
	FUZZ_CHECK(d.bypassed == bypassed);
	if (bypassed) {
		FUZZ_CHECK(d.action == ROUTE_DIRECT && !d.rule && !d.chain);
		return;
	}
	r = d.rule;
	if (!r) {
		FUZZ_CHECK(d.action == ROUTE_CHAIN && d.chain == &cfg->chains[0]);
	} else {
		FUZZ_CHECK(r >= cfg->routes && r < cfg->routes + cfg->nroutes);
		FUZZ_CHECK(d.action == r->action);
		FUZZ_CHECK(!r->port || r->port == addr->port);
		FUZZ_CHECK(r->match != MATCH_NAME || (name && name_pattern_matches(r->pattern, name)));
		FUZZ_CHECK(r->match != MATCH_RANGE || (!name && cidr_contains(&r->range, addr)));
		FUZZ_CHECK(d.action != ROUTE_CHAIN || d.chain == &cfg->chains[r->chain]);
	}
	/* No destination is ever sent to a chain without hops. */
	FUZZ_CHECK(d.action != ROUTE_CHAIN || d.chain->nhops > 0);
}

/* Names and addresses the config itself mentions, and a few others, each routed both ways. */
static void check_routes(const struct chain_config *cfg)
{
	static const char *const names[] = { "localhost", "a.localhost", "example.test",
					     "x.onion", "LOCALHOST" };
	struct netaddr addr = { .family = AF_INET, .addr = { 192, 0, 2, 1 }, .port = 80 };
	char name[SPEC_NAME_MAX + 4];
	unsigned i, j;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_decision(cfg, names[i], &addr);
	check_decision(cfg, NULL, &addr);
	for (i = 0; i < cfg->nroutes; i++) {
		const struct route *r = &cfg->routes[i];

		addr.port = r->port ? r->port : 22;
		if (r->match == MATCH_RANGE) {
			addr.family = r->range.family;
			memcpy(addr.addr, r->range.addr, sizeof(addr.addr));
			check_decision(cfg, NULL, &addr);
		} else if (r->match == MATCH_NAME) {
			/* "*.onion" -> "a.onion", "host.example" as it is */
			snprintf(name, sizeof(name), "%s%s", r->pattern[0] == '*' ? "a" : "",
				 r->pattern + (r->pattern[0] == '*'));
			check_decision(cfg, name, &addr);
		}
	}
	for (i = 0; i < cfg->nbypass_names; i++) {
		const char *p = cfg->bypass_names[i];

		snprintf(name, sizeof(name), "%s%s", p[0] == '*' ? "b" : "", p + (p[0] == '*'));
		check_decision(cfg, name, &addr);
	}
	for (i = 0; i < cfg->nbypass; i++) {
		addr.family = cfg->bypass[i].family;
		memcpy(addr.addr, cfg->bypass[i].addr, sizeof(addr.addr));
		check_decision(cfg, NULL, &addr);
	}
	for (i = 0; i < cfg->nchains; i++)
		for (j = 0; j < cfg->chains[i].nhops; j++) {
			const struct hop *hop = &cfg->chains[i].hops[j];

			if (hop->host_is_name) {
				check_decision(cfg, hop->host, &hop->addr);
			} else {
				check_decision(cfg, NULL, &hop->addr);
			}
		}
}

static void check_config(const struct chain_config *cfg)
{
	unsigned i, j;

	FUZZ_CHECK(cfg->nchains >= 1 && cfg->nchains <= CHAIN_MAX_CHAINS);
	FUZZ_CHECK(cfg->nroutes <= CHAIN_MAX_ROUTES);
	FUZZ_CHECK(cfg->nbypass <= CHAIN_MAX_BYPASS && cfg->nbypass_names <= CHAIN_MAX_BYPASS);
	FUZZ_CHECK(cfg->fake_range.family == AF_INET && cfg->fake_range.prefix <= 24);
	FUZZ_CHECK(cfg->retry_after_ms > 0 && cfg->retry_after_ms <= 86400000 + 999);
	for (i = 0; i < cfg->nchains; i++) {
		const struct chain *c = &cfg->chains[i];

		FUZZ_CHECK(terminated(c->name, sizeof(c->name)) && c->name[0]);
		FUZZ_CHECK(c->nhops <= CHAIN_MAX_HOPS && (c->nhops > 0 || i == 0));
		FUZZ_CHECK(c->path_len <= CHAIN_MAX_HOPS);
		FUZZ_CHECK(c->timeout_ms > 0 && c->timeout_ms <= 86400000 + 999);
		FUZZ_CHECK(c->connect_timeout_ms >= 0 && c->connect_timeout_ms <= 86400000 + 999);
		for (j = 0; j < c->nhops; j++) {
			check_hop(&c->hops[j]);
			check_requests(&c->hops[j], j + 1 < c->nhops ? &c->hops[j + 1] : NULL);
		}
	}
	for (i = 0; i < cfg->nroutes; i++) {
		const struct route *r = &cfg->routes[i];

		FUZZ_CHECK(terminated(r->text, sizeof(r->text)));
		FUZZ_CHECK(terminated(r->target, sizeof(r->target)));
		FUZZ_CHECK(r->action != ROUTE_CHAIN || r->chain < cfg->nchains);
		if (r->match == MATCH_NAME)
			FUZZ_CHECK(name_pattern_ok(r->pattern));
	}
	for (i = 0; i < cfg->nbypass_names; i++)
		FUZZ_CHECK(name_pattern_ok(cfg->bypass_names[i]));
	check_routes(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* static, not on the heap: ASan puts redzones around globals too, and a
	 * config this large would be mapped and unmapped on every run */
	static struct chain_config config;
	static struct spec_error error;
	struct chain_config *cfg = &config;
	struct spec_error *err = &error;
	char *text = malloc(size + 1);
	int rc;

	FUZZ_CHECK(text);
	memcpy(text, data, size);
	text[size] = '\0';
	memset(err->text, 'x', sizeof(err->text));	/* a message must terminate itself */
	rc = spec_parse(text, "fuzz", cfg, err);
	if (rc == 0)
		check_config(cfg);
	else
		check_error(text, rc, err);
	free(text);
	return 0;
}
