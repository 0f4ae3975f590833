/* The chain spec parser: what it accepts, and where and why it refuses. */
#define _GNU_SOURCE
#include "../../chain/spec.h"
#include "../../chain/route.h"
#include "check.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static struct chain_config cfg;
static struct spec_error err;

static int parse(const char *text)
{
	err.text[0] = '\0';
	return spec_parse(text, "SOCKS_CHAIN", &cfg, &err);
}

/* The parse fails with a message that contains each of the given pieces. */
static int refused_with(const char *text, const char *where, const char *what)
{
	if (parse(text) == 0)
		return 0;
	if (!strstr(err.text, where) || !strstr(err.text, what)) {
		printf("# message was: %s\n", err.text);
		return 0;
	}
	return 1;
}

static bool is_ipv4(const struct netaddr *a, const char *ip, uint16_t port)
{
	uint8_t want[4];

	inet_pton(AF_INET, ip, want);
	return a->family == AF_INET && a->port == port && memcmp(a->addr, want, 4) == 0;
}

static void one_hop(void)
{
	CHECK(parse("socks4://127.0.0.1:1080") == 0);
	CHECK(cfg.chains[0].nhops == 1);
	CHECK(cfg.chains[0].hops[0].proto == HOP_SOCKS4);
	CHECK(is_ipv4(&cfg.chains[0].hops[0].addr, "127.0.0.1", 1080));
	CHECK(!cfg.chains[0].hops[0].host_is_name);
	CHECK(cfg.chains[0].timeout_ms == 10000);
}

static void separators_and_comments(void)
{
	CHECK(parse("  # my chain\nsocks4://10.0.0.1:1,socks4://10.0.0.2:2\t socks4://10.0.0.3:3 "
		    "# trailing\n\n,, socks4://10.0.0.4 # last\n") == 0);
	CHECK(cfg.chains[0].nhops == 4);
	CHECK(is_ipv4(&cfg.chains[0].hops[0].addr, "10.0.0.1", 1));
	CHECK(is_ipv4(&cfg.chains[0].hops[2].addr, "10.0.0.3", 3));
	CHECK(is_ipv4(&cfg.chains[0].hops[3].addr, "10.0.0.4", 1080));	/* default port */
	CHECK(cfg.chains[0].hops[3].line == 4 && cfg.chains[0].hops[3].column == 4);
}

static void userid_host_forms(void)
{
	CHECK(parse("SOCKS4://alice%20b%40x@proxy.example:9050/ socks4://[::1]:1081") == 0);
	CHECK(strcmp(cfg.chains[0].hops[0].user, "alice b@x") == 0);
	CHECK(cfg.chains[0].hops[0].host_is_name);
	CHECK(strcmp(cfg.chains[0].hops[0].host, "proxy.example") == 0);
	CHECK(cfg.chains[0].hops[0].port == 9050);
	CHECK(cfg.chains[0].hops[1].addr.family == AF_INET6 && cfg.chains[0].hops[1].addr.port == 1081);
}

static void schemes_and_credentials(void)
{
	char text[HOP_TEXT_MAX];

	CHECK(parse("socks4a://10.0.0.1 socks5h://u@10.0.0.2 socks5://me:p%40ss%3Aw%25rd%20x@h.test:7 "
		    "http://10.0.0.4 http://a:@10.0.0.5:3128") == 0);
	CHECK(cfg.chains[0].nhops == 5);
	CHECK(cfg.chains[0].hops[0].proto == HOP_SOCKS4 && cfg.chains[0].hops[0].port == 1080);
	CHECK(cfg.chains[0].hops[1].proto == HOP_SOCKS5 && strcmp(cfg.chains[0].hops[1].user, "u") == 0);
	CHECK(!cfg.chains[0].hops[1].has_pass);
	CHECK(cfg.chains[0].hops[2].proto == HOP_SOCKS5 && strcmp(cfg.chains[0].hops[2].user, "me") == 0);
	CHECK(strcmp(cfg.chains[0].hops[2].pass, "p@ss:w%rd x") == 0 && cfg.chains[0].hops[2].has_pass);
	CHECK(cfg.chains[0].hops[3].proto == HOP_HTTP && cfg.chains[0].hops[3].port == 8080);
	CHECK(cfg.chains[0].hops[4].has_pass && cfg.chains[0].hops[4].pass[0] == '\0');
	hop_describe(&cfg.chains[0].hops[2], text, sizeof(text));
	CHECK(strcmp(text, "socks5://me:***@h.test:7") == 0);
	hop_describe(&cfg.chains[0].hops[0], text, sizeof(text));
	CHECK(strcmp(text, "socks4://10.0.0.1:1080") == 0);
	CHECK(parse("socks4://a%20b%0D%0A%1B[31m@10.0.0.1") == 0);
	hop_describe(&cfg.chains[0].hops[0], text, sizeof(text));
	CHECK(strcmp(text, "socks4://a%20b%0D%0A%1B%5B31m@10.0.0.1:1080") == 0);	/* no raw control bytes */
	CHECK(parse("http://[2001:db8::1]:3128") == 0);
	hop_describe(&cfg.chains[0].hops[0], text, sizeof(text));
	CHECK(strcmp(text, "http://[2001:db8::1]:3128") == 0);
}

static void hops_named_to_the_hop_before(void)
{
	struct endpoint ep;

	CHECK(parse("socks5://127.0.0.1:1 http://proxy.internal:3128 socks4://[::1]:5") == 0);
	hop_endpoint(&cfg.chains[0].hops[1], &ep);
	CHECK(ep.name && strcmp(ep.name, "proxy.internal") == 0 && ep.addr.port == 3128);
	hop_endpoint(&cfg.chains[0].hops[2], &ep);
	CHECK(!ep.name && ep.addr.family == AF_INET6 && ep.addr.port == 5);
}

static void options(void)
{
	struct netaddr ten = { .family = AF_INET }, lo = { .family = AF_INET };

	inet_pton(AF_INET, "10.1.2.3", ten.addr);
	inet_pton(AF_INET, "127.0.0.1", lo.addr);
	CHECK(parse("timeout=2.5 socks4://127.0.0.1 bypass=10.0.0.0/8") == 0);
	CHECK(cfg.chains[0].timeout_ms == 2500);
	CHECK(chain_bypasses(&cfg, &ten));
	CHECK(chain_bypasses(&cfg, &lo));	/* the default stays */
	CHECK(parse("socks4://127.0.0.1 bypass=none") == 0);
	CHECK(!chain_bypasses(&cfg, &lo));
	CHECK(parse("bypass=none bypass=10.0.0.0/8 socks4://127.0.0.1 timeout=0.001") == 0);
	CHECK(chain_bypasses(&cfg, &ten) && !chain_bypasses(&cfg, &lo));
	CHECK(cfg.chains[0].timeout_ms == 1);
}

static void pipeline_option(void)
{
	CHECK(parse("socks5://127.0.0.1") == 0);
	CHECK(!cfg.chains[0].pipeline);	/* off unless asked */
	CHECK(parse("pipeline=yes socks5://127.0.0.1 chain=b socks4://127.0.0.2 "
		    "chain=c pipeline=no socks4://127.0.0.3") == 0);
	CHECK(cfg.chains[0].pipeline && cfg.chains[1].pipeline);	/* b starts from the default's */
	CHECK(!cfg.chains[2].pipeline);
	CHECK(refused_with("socks5://127.0.0.1 pipeline=on", "1:20", "wants no or yes"));
}

static void async_option(void)
{
	CHECK(parse("socks5://127.0.0.1") == 0);
	CHECK(!cfg.chains[0].no_async);	/* background dials unless told otherwise */
	CHECK(parse("async=no socks5://127.0.0.1 chain=b socks4://127.0.0.2 "
		    "chain=c async=yes socks4://127.0.0.3") == 0);
	CHECK(cfg.chains[0].no_async && cfg.chains[1].no_async);	/* b starts from the default's */
	CHECK(!cfg.chains[2].no_async);
	CHECK(refused_with("socks5://127.0.0.1 async=off", "1:20", "wants yes or no"));
}

static void ipv6_bypass(void)
{
	struct netaddr v6 = { .family = AF_INET6 };

	inet_pton(AF_INET6, "fd00::5", v6.addr);
	CHECK(parse("socks4://127.0.0.1 bypass=fd00::/8") == 0);
	CHECK(chain_bypasses(&cfg, &v6));
	CHECK(parse("socks4://127.0.0.1 bypass=[fd00::]/8") == 0);
	CHECK(chain_bypasses(&cfg, &v6));
}

static void errors_name_position_and_item(void)
{
	CHECK(refused_with("socks4://127.0.0.1\n  socks9://h:1", "SOCKS_CHAIN:2:3:",
			   "unknown scheme \"socks9\""));
	CHECK(refused_with("socks4://h:0", ":1:1:", "bad port \"0\""));
	CHECK(refused_with("socks4://h:65536", ":1:1:", "bad port"));
	CHECK(refused_with("socks4://h:", ":1:1:", "bad port"));
	CHECK(refused_with("socks4://h:80x", ":1:1:", "bad port"));
	CHECK(refused_with("socks4://:80", "\"socks4://:80\"", "missing host"));
	CHECK(refused_with("socks4://::1:80", ":1:1:", "brackets"));
	CHECK(refused_with("socks4://[::1", ":1:1:", "missing ']'"));
	CHECK(refused_with("socks4://[::1]x", ":1:1:", "after ']'"));
	CHECK(refused_with("socks4://[zz::1]:80", ":1:1:", "bad IPv6 address"));
	CHECK(refused_with("socks4://1.2.3:80", ":1:1:", "bad IPv4 address"));
	CHECK(refused_with("socks4://ho$t:80", ":1:1:", "bad character '$'"));
	CHECK(refused_with("socks4://h:80/path", ":1:1:", "unexpected path"));
	CHECK(refused_with("socks4://a%zz@h", ":1:1:", "bad percent escape"));
	CHECK(refused_with("socks4://a%00@h", ":1:1:", "%00"));
	CHECK(refused_with("socks4://h timeout=0", ":1:12:", "timeout wants seconds"));
	CHECK(refused_with("socks4://h timeout=-1", ":1:12:", "timeout wants seconds"));
	CHECK(refused_with("socks4://h timeout=1s", ":1:12:", "timeout wants seconds"));
	CHECK(refused_with("socks4://h bypass=10.0.0.0/33", ":1:12:", "bypass wants"));
	CHECK(refused_with("socks4://h colour=blue", ":1:12:", "unknown option \"colour\""));
	CHECK(refused_with("socks4://h just-a-word", ":1:12:", "expected a proxy"));
	CHECK(refused_with("=x socks4://h", ":1:1:", "expected a proxy"));
	CHECK(refused_with("# nothing\n timeout=3", "SOCKS_CHAIN", "no proxies"));
	CHECK(refused_with("", "SOCKS_CHAIN", "no proxies"));
}

static void passwords_never_shown(void)
{
	char *long_item;

	CHECK(refused_with("socks4://user:s3cret@h:99999", "user:***@h", "user id, not a password"));
	CHECK(!strstr(err.text, "s3cret"));
	CHECK(refused_with("socks5://user:s3cret@h:99999", "socks5://user:***@h:99999", "bad port"));
	CHECK(!strstr(err.text, "s3cret"));
	CHECK(refused_with("http://u:s3cret%zz@h", "http://u:***@h", "password: bad percent escape"));
	CHECK(!strstr(err.text, "s3cret"));
	CHECK(refused_with("socks5://:s3cret@h", "socks5://:***@h", "needs a user name"));
	CHECK(!strstr(err.text, "s3cret"));
	/* an item too long to quote whole, its password's '@' past the cut */
	long_item = malloc(5000);
	memset(long_item, 'h', 4999);
	long_item[4999] = '\0';
	memcpy(long_item, "socks5://u:s3cret", 17);
	long_item[60] = '@';
	CHECK(refused_with(long_item, "\"socks5://u\"", "item longer than"));
	CHECK(!strstr(err.text, "s3cret"));
	free(long_item);
	/* HTTP Basic cannot carry a user with ':' (RFC 7617): the proxy would split it elsewhere */
	CHECK(refused_with("http://a%3Ab:s3cret@h", "http://a%3Ab:***@h", "':'"));
	CHECK(parse("socks5://a%3Ab:s3cret@h") == 0);
}

static void limits(void)
{
	char text[2000], *long_item;
	size_t i;

	memset(text, 0, sizeof(text));
	strcpy(text, "socks4://");
	for (i = 0; i < 256; i++)
		strcat(text, "a");
	CHECK(refused_with(text, ":1:1:", "host longer than 255"));
	text[9 + 255] = '\0';
	CHECK(parse(text) == 0);
	text[0] = '\0';
	for (i = 0; i <= CHAIN_MAX_HOPS; i++)
		strcat(text, "socks4://10.0.0.1 ");
	CHECK(refused_with(text, ":1:", "more than 32 hops"));
	long_item = malloc(10000);
	memset(long_item, 'x', 9999);
	long_item[9999] = '\0';
	CHECK(refused_with(long_item, ":1:1:", "item longer than"));
	free(long_item);
}

/* Fake addresses stand in for names: never for loopback, a bypassed range or a proxy. */
static void fake_range_overlaps(void)
{
	CHECK(parse("socks4://10.0.0.1 fake_range=100.64.0.0/16") == 0);
	CHECK(cfg.fake_range.addr[0] == 100 && cfg.fake_range.prefix == 16);
	CHECK(refused_with("socks4://10.0.0.1 fake_range=127.0.0.0/8", "SOCKS_CHAIN:1:19: "
			   "\"fake_range=127.0.0.0/8\"", "overlaps loopback"));
	CHECK(refused_with("socks4://10.0.0.1 fake_range=127.192.0.0/10", ":1:19:", "loopback"));
	/* bypass=none drops the default bypass, not loopback */
	CHECK(refused_with("bypass=none socks4://10.0.0.1 fake_range=127.0.0.0/24", ":1:31:",
			   "loopback"));
	CHECK(refused_with("socks4://10.0.0.1 fake_range=0.0.0.0/8", ":1:19:", "loopback"));
	CHECK(refused_with("socks4://10.0.0.1 fake_range=96.0.0.0/3", ":1:19:", "loopback"));
	/* in either order, a range inside or around the other */
	CHECK(refused_with("socks4://10.0.0.1 fake_range=10.99.0.0/24 bypass=10.0.0.0/8 x=",
			   "", "unknown option"));	/* items are read to the end first */
	CHECK(refused_with("socks4://10.0.0.9 fake_range=10.99.0.0/24 bypass=10.0.0.0/8",
			   ":1:19: \"fake_range=10.99.0.0/24\"", "overlaps bypass=10.0.0.0/8"));
	CHECK(refused_with("socks4://10.0.0.9 bypass=10.99.3.0/24 fake_range=10.99.0.0/16",
			   ":1:39:", "overlaps bypass=10.99.3.0/24"));
	/* the default range, against what the spec says: the error points at that item */
	CHECK(refused_with("socks4://10.0.0.9\nbypass=241.0.0.0/8", "SOCKS_CHAIN:2:1: "
			   "\"fake_range=240.0.0.0/4\" (the default)", "overlaps bypass=241.0.0.0/8"));
	CHECK(refused_with("socks4://10.0.0.9 socks5://user:pw@250.0.0.1:1080", ":1:19: "
			   "\"fake_range=240.0.0.0/4\" (the default)", "the proxy written at 1:19 (250.0.0.1)"));
	CHECK(refused_with("socks4://10.0.0.1 chain=b socks4://10.99.0.7 fake_range=10.99.0.0/24",
			   "", "the proxy written at 1:27 (10.99.0.7)"));
	/* a proxy given by name is handed to the hop before it by name, or resolved later */
	CHECK(parse("socks4://proxy.example fake_range=10.99.0.0/24") == 0);
	CHECK(parse("socks4://10.0.0.1 bypass=10.98.0.0/16 fake_range=10.99.0.0/16") == 0);
}

/* A config holds what its spec says, not room for every limit: the library keeps one resident. */
static void config_is_small(void)
{
	char spec[64 * 40];
	size_t n = 0;
	int i;

	CHECK(sizeof(struct chain_config) < 8 * 1024);
	CHECK(parse("socks4://10.0.0.1 bypass=*.a.example route=*.b->direct") == 0);
	CHECK(cfg.chains[0].nhops == 1 && cfg.nbypass_names == 1 && cfg.nroutes == 1);
	CHECK(strcmp(cfg.bypass_names[0], "*.a.example") == 0 && strcmp(cfg.routes[0].pattern, "*.b") == 0);
	/* every limit still reached, and parsing again frees what the last parse held */
	for (i = 0; i < CHAIN_MAX_HOPS; i++)
		n += (size_t)snprintf(spec + n, sizeof(spec) - n, "socks4://10.0.0.%d ", i + 1);
	for (i = 0; i < CHAIN_MAX_ROUTES; i++)
		n += (size_t)snprintf(spec + n, sizeof(spec) - n, "route=*.r%d->direct ", i);
	CHECK(n < sizeof(spec) - 1 && parse(spec) == 0);
	CHECK(cfg.chains[0].nhops == CHAIN_MAX_HOPS && cfg.nroutes == CHAIN_MAX_ROUTES);
	CHECK(strcmp(cfg.chains[0].hops[31].host, "10.0.0.32") == 0);
	CHECK(strcmp(cfg.routes[63].pattern, "*.r63") == 0);
	chain_config_free(&cfg);
	CHECK(cfg.nchains == 1 && cfg.chains[0].nhops == 0 && cfg.routes == NULL);
}

int main(void)
{
	RUN(one_hop);
	RUN(separators_and_comments);
	RUN(userid_host_forms);
	RUN(schemes_and_credentials);
	RUN(hops_named_to_the_hop_before);
	RUN(options);
	RUN(pipeline_option);
	RUN(async_option);
	RUN(ipv6_bypass);
	RUN(errors_name_position_and_item);
	RUN(passwords_never_shown);
	RUN(limits);
	RUN(fake_range_overlaps);
	RUN(config_is_small);
	return check_done();
}
