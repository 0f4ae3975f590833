/* Routes, named chains and path choice: parsed, decided and picked without sockets. */
#define _GNU_SOURCE
#include "../../chain/path.h"
#include "../../chain/route.h"
#include "check.h"

#include <arpa/inet.h>
#include <string.h>

static struct chain_config cfg;
static struct spec_error err;

static struct netaddr addr(const char *ip, uint16_t port)
{
	struct netaddr a = { .family = AF_INET, .port = port };

	if (inet_pton(AF_INET, ip, a.addr) != 1) {
		a.family = AF_INET6;
		inet_pton(AF_INET6, ip, a.addr);
	}
	return a;
}

static void route_patterns(void)
{
	struct route r;
	const char *why;

	CHECK(route_parse("*.onion->tor", &r, &why) == 0);
	CHECK(r.match == MATCH_NAME && strcmp(r.pattern, "*.onion") == 0 && r.port == 0);
	CHECK(r.action == ROUTE_CHAIN && strcmp(r.target, "tor") == 0);
	CHECK(route_parse("*:22->refuse", &r, &why) == 0);
	CHECK(r.match == MATCH_ANY && r.port == 22 && r.action == ROUTE_REFUSE);
	CHECK(route_parse("10.0.0.0/8->direct", &r, &why) == 0);
	CHECK(r.match == MATCH_RANGE && r.port == 0 && r.action == ROUTE_DIRECT);
	CHECK(route_parse("10.0.0.0/8:443->work", &r, &why) == 0);
	CHECK(r.match == MATCH_RANGE && r.port == 443);
	CHECK(route_parse("fd00::/8->direct", &r, &why) == 0);
	CHECK(r.match == MATCH_RANGE && r.range.family == AF_INET6 && r.port == 0);
	CHECK(route_parse("[fd00::]/8:80->direct", &r, &why) == 0);
	CHECK(r.match == MATCH_RANGE && r.port == 80);
	CHECK(route_parse("git.corp.example:22->work", &r, &why) == 0);
	CHECK(r.match == MATCH_NAME && r.port == 22);
}

static void route_errors(void)
{
	struct route r;
	const char *why;

	CHECK(route_parse("*.onion", &r, &why) < 0);
	CHECK(route_parse("->tor", &r, &why) < 0);
	CHECK(route_parse("*.onion->", &r, &why) < 0);
	CHECK(route_parse("*:0->tor", &r, &why) < 0);
	CHECK(route_parse("*:99999->tor", &r, &why) < 0);
	CHECK(route_parse("bad host->tor", &r, &why) < 0);
	CHECK(route_parse("1.2.3->tor", &r, &why) < 0);
}

static void spec_chains_and_routes(void)
{
	CHECK(spec_parse("socks5://127.0.0.1:1 mode=dynamic timeout=3 retry_after=5\n"
			 "chain=tor socks5://127.0.0.1:9050 hops=1 mode=random\n"
			 "chain=default socks4://127.0.0.1:2 connect_timeout=7\n"
			 "route=*.onion->tor route=*:22->refuse route=10.0.0.0/8->direct",
			 "t", &cfg, &err) == 0);
	CHECK(cfg.nchains == 2 && cfg.nroutes == 3);
	CHECK(cfg.chains[0].nhops == 2 && cfg.chains[0].mode == MODE_DYNAMIC);
	CHECK(cfg.chains[0].connect_timeout_ms == 7000 && cfg.retry_after_ms == 5000);
	CHECK(strcmp(cfg.chains[1].name, "tor") == 0 && cfg.chains[1].nhops == 1);
	CHECK(cfg.chains[1].mode == MODE_RANDOM && cfg.chains[1].path_len == 1);
	CHECK(cfg.chains[1].timeout_ms == 3000);	/* the default chain's, when it began */
	CHECK(cfg.routes[0].chain == 1);
}

static void spec_chain_errors(void)
{
	CHECK(spec_parse("socks5://127.0.0.1:1 route=*.onion->tor", "t", &cfg, &err) < 0);
	CHECK(strstr(err.text, "t:1:22: \"route=*.onion->tor\": no chain named \"tor\"") != NULL);
	CHECK(spec_parse("socks5://127.0.0.1:1 chain=tor", "t", &cfg, &err) < 0);
	CHECK(strstr(err.text, "no proxies in chain \"tor\"") != NULL);
	CHECK(spec_parse("socks5://127.0.0.1:1 chain=direct", "t", &cfg, &err) < 0);
	CHECK(spec_parse("socks5://127.0.0.1:1 mode=fast", "t", &cfg, &err) < 0);
	CHECK(strstr(err.text, "mode wants strict, dynamic, random or round_robin") != NULL);
	CHECK(spec_parse("socks5://127.0.0.1:1 hops=0", "t", &cfg, &err) < 0);
	CHECK(spec_parse("socks5://127.0.0.1:1 hops=33", "t", &cfg, &err) < 0);
	/* no default chain is fine when a catch-all route covers everything */
	CHECK(spec_parse("chain=a socks5://127.0.0.1:1 route=*->a", "t", &cfg, &err) == 0);
	CHECK(spec_parse("chain=a socks5://127.0.0.1:1 route=*:80->a", "t", &cfg, &err) < 0);
}

static void decisions(void)
{
	struct route_decision d;
	struct netaddr a;

	CHECK(spec_parse("socks5://127.0.0.1:1 chain=tor socks5://127.0.0.1:2 bypass=192.168.0.0/16 "
			 "bypass=*.lan route=*.onion->tor route=*:22->refuse route=10.0.0.0/8->direct "
			 "route=*.onion:80->refuse", "t", &cfg, &err) == 0);
	a = addr("240.0.0.1", 80);
	route_decide(&cfg, "abc.onion", &a, &d);
	CHECK(d.action == ROUTE_CHAIN && d.chain == &cfg.chains[1] && d.rule == &cfg.routes[0]);
	a = addr("240.0.0.2", 22);
	route_decide(&cfg, "abc.onion", &a, &d);
	CHECK(d.action == ROUTE_CHAIN && d.rule == &cfg.routes[0]);	/* first match wins */
	route_decide(&cfg, "host.example", &a, &d);
	CHECK(d.action == ROUTE_REFUSE);
	a = addr("10.1.2.3", 443);
	route_decide(&cfg, NULL, &a, &d);
	CHECK(d.action == ROUTE_DIRECT && !d.bypassed);
	a = addr("192.168.1.1", 22);
	route_decide(&cfg, NULL, &a, &d);
	CHECK(d.action == ROUTE_DIRECT && d.bypassed);	/* bypass comes before routes */
	route_decide(&cfg, "nas.lan", &a, &d);
	CHECK(d.action == ROUTE_DIRECT && d.bypassed);
	a = addr("198.18.0.1", 443);
	route_decide(&cfg, NULL, &a, &d);
	CHECK(d.action == ROUTE_CHAIN && d.chain == &cfg.chains[0] && !d.rule);
	a = addr("10.9.9.9", 80);
	route_decide(&cfg, "ten.example", &a, &d);	/* a name: address ranges do not apply */
	CHECK(d.action == ROUTE_CHAIN && d.chain == &cfg.chains[0]);
}

static unsigned pick(const char *spec, struct hop_health *h, struct path_state *st,
		     unsigned path[CHAIN_MAX_HOPS])
{
	CHECK(spec_parse(spec, "t", &cfg, &err) == 0);
	return path_pick(&cfg.chains[0], 0, h, st, 1000, path);
}

#define FOUR "socks5://127.0.0.1:1 socks5://127.0.0.1:2 socks5://127.0.0.1:3 socks5://127.0.0.1:4 "

static void paths(void)
{
	struct hop_health h = { 0 };
	struct path_state st = { 0 };
	unsigned path[CHAIN_MAX_HOPS], n;

	health_mark_down(&h, 0, 1, 2000);	/* hop 2 cools down until t=2000 */
	n = pick(FOUR "mode=strict", &h, &st, path);
	CHECK(n == 4 && path[1] == 1);		/* strict never skips */
	n = pick(FOUR "mode=dynamic", &h, &st, path);
	CHECK(n == 3 && path[0] == 0 && path[1] == 2 && path[2] == 3);	/* hop 2 left out */
	st.excluded[2] = true;
	n = pick(FOUR "mode=dynamic", &h, &st, path);
	CHECK(n == 2 && path[0] == 0 && path[1] == 3);
	st.excluded[0] = st.excluded[2] = st.excluded[3] = true;
	n = pick(FOUR "mode=dynamic", &h, &st, path);
	CHECK(n == 1 && path[0] == 1);	/* down, but the only one left */
	st.excluded[0] = st.excluded[2] = st.excluded[3] = false;
	st.start = 3;
	n = pick(FOUR "mode=round_robin hops=2", &h, &st, path);
	CHECK(n == 2 && path[0] == 3 && path[1] == 0);
	st.start = 1;
	n = pick(FOUR "mode=round_robin hops=2", &h, &st, path);
	CHECK(n == 2 && path[0] == 2 && path[1] == 3);	/* hop 2 is down: skipped */
}

static void random_paths(void)
{
	struct hop_health h = { 0 };
	struct path_state st = { 0 };
	unsigned path[CHAIN_MAX_HOPS], again[CHAIN_MAX_HOPS], seen[4] = { 0 }, i, n;

	for (i = 0; i < 400; i++) {
		st.draw = 42 + i;
		n = pick(FOUR "mode=random hops=2", &h, &st, path);
		CHECK(n == 2 && path[0] != path[1] && path[0] < 4 && path[1] < 4);
		seen[path[0]]++;
		pick(FOUR "mode=random hops=2", &h, &st, again);
		CHECK(memcmp(path, again, 2 * sizeof(*path)) == 0);	/* same draw, same path */
	}
	for (i = 0; i < 4; i++)
		CHECK(seen[i] > 60 && seen[i] < 140);	/* about 100 each */
	health_mark_down(&h, 0, 0, 2000);
	health_mark_down(&h, 0, 1, 2000);
	for (i = 0; i < 50; i++) {
		st.draw = i;
		pick(FOUR "mode=random hops=2", &h, &st, path);
		CHECK(path[0] >= 2 && path[1] >= 2);	/* hops that are up come first */
	}
}

int main(void)
{
	RUN(route_patterns);
	RUN(route_errors);
	RUN(spec_chains_and_routes);
	RUN(spec_chain_errors);
	RUN(decisions);
	RUN(paths);
	RUN(random_paths);
	return check_done();
}
