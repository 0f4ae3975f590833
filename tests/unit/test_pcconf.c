/* proxychains.conf translation: each directive's mapping, and where and why it refuses. */
#define _GNU_SOURCE
#include "../../chain/pcconf.h"
#include "../../chain/route.h"
#include "check.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static struct chain_config cfg;
static struct pcconf pc;
static struct spec_error err;

/* Translates, then parses the result as a chain spec: 0 when both succeed. */
static int load(const char *text)
{
	char *spec = NULL;
	int rc;

	err.text[0] = '\0';
	rc = pcconf_translate(text, "pc.conf", &spec, &pc, &err);
	if (rc == 0) {
		rc = spec_parse(spec, "pc.conf", &cfg, &err);
		if (rc < 0)
			printf("# spec was: %s\n# error: %s\n", spec, err.text);
	}
	free(spec);
	return rc;
}

/* The translation fails with a message holding both pieces. */
static int refused_with(const char *text, const char *where, const char *what)
{
	if (load(text) == 0)
		return 0;
	if (!strstr(err.text, where) || !strstr(err.text, what)) {
		printf("# message was: %s\n", err.text);
		return 0;
	}
	return 1;
}

static struct netaddr addr(const char *text, uint16_t port)
{
	struct netaddr a = { .family = strchr(text, ':') ? AF_INET6 : AF_INET, .port = port };

	inet_pton(a.family, text, a.addr);
	return a;
}

static const struct hop *hop(unsigned i)
{
	return &cfg.chains[0].hops[i];
}

static void detection(void)
{
	CHECK(pcconf_detect("# proxychains\n[ProxyList]\nsocks5 127.0.0.1 1080\n"));
	CHECK(pcconf_detect("  strict_chain\n"));
	CHECK(pcconf_detect("chain_len=2\n"));
	CHECK(pcconf_detect("socks4://127.0.0.1:1\n\tproxy_dns\n"));
	CHECK(!pcconf_detect("socks5://127.0.0.1:1080 mode=strict\n"));
	CHECK(!pcconf_detect("# strict_chain\n# [ProxyList]\nsocks4://h:1 # proxy_dns\n"));
	CHECK(!pcconf_detect(""));
	CHECK(!pcconf_detect("strict_chainx\n"));
}

static void the_stock_file(void)
{
	CHECK(load("# proxychains.conf  VER 4.x\n#dynamic_chain\nstrict_chain\n#chain_len = 2\n"
		   "proxy_dns\nremote_dns_subnet 224\ntcp_read_time_out 15000\n"
		   "tcp_connect_time_out 8000\n[ProxyList]\n# add proxy here ...\n"
		   "socks4 \t127.0.0.1 9050\n") == 0);
	CHECK(cfg.chains[0].mode == MODE_STRICT);
	CHECK(cfg.dns == DNS_REMOTE && pc.remote_dns);
	CHECK(cfg.fake_range.prefix == 8 && cfg.fake_range.addr[0] == 224);
	CHECK(cfg.chains[0].timeout_ms == 15000);
	CHECK(cfg.chains[0].nhops == 1 && hop(0)->proto == HOP_SOCKS4 && hop(0)->port == 9050);
	CHECK(hop(0)->line == 11);	/* spec lines are the file's lines */
	CHECK(cfg.nbypass == 0 && cfg.nbypass_names == 0);	/* proxychains proxies loopback */
	CHECK(!pc.quiet && pc.nnotes == 0);
}

static void proxychains_defaults(void)
{
	CHECK(load("[ProxyList]\nhttp 10.0.0.1 3128\n") == 0);
	CHECK(cfg.chains[0].mode == MODE_DYNAMIC);
	CHECK(cfg.dns == DNS_LOCAL && !pc.remote_dns);
	CHECK(cfg.chains[0].timeout_ms == 10000);	/* the larger of 4000 and 10000 */
	CHECK(cfg.chains[0].path_len == 0);
	CHECK(pc.nnotes == 1 && strstr(pc.notes[0].text, "no proxy_dns"));
	CHECK(cfg.fake_range.addr[0] == 240);	/* ours, without remote_dns_subnet */
}

static void modes_and_chain_len(void)
{
	CHECK(load("random_chain\n[ProxyList]\nsocks5 10.0.0.1 1\nsocks5 10.0.0.2 2\n") == 0);
	CHECK(cfg.chains[0].mode == MODE_RANDOM && cfg.chains[0].path_len == 1);
	CHECK(load("round_robin_chain\nchain_len = 2\n[ProxyList]\nsocks5 10.0.0.1 1\n") == 0);
	CHECK(cfg.chains[0].mode == MODE_ROUND_ROBIN && cfg.chains[0].path_len == 2);
	CHECK(load("chain_len=3\nrandom_chain\n[ProxyList]\nsocks5 10.0.0.1 1\n") == 0);
	CHECK(cfg.chains[0].path_len == 3);
	CHECK(load("chain_len 4\n[ProxyList]\nsocks5 10.0.0.1 1\n") == 0);
	CHECK(cfg.chains[0].path_len == 4);
	/* the last one written wins, as in proxychains */
	CHECK(load("strict_chain\ndynamic_chain\n[ProxyList]\nsocks5 10.0.0.1 1\n") == 0);
	CHECK(cfg.chains[0].mode == MODE_DYNAMIC);
	CHECK(refused_with("chain_len = 0\n[ProxyList]\nsocks5 10.0.0.1 1\n", "pc.conf:1:",
			   "chain_len wants a count of hops, 1 to 32"));
	CHECK(refused_with("chain_len = 33\n", "pc.conf:1:", "chain_len wants"));
	CHECK(refused_with("chain_len = two\n", "pc.conf:1:", "chain_len wants"));
	CHECK(refused_with("chain_len = 99999999999999999999999\n", "pc.conf:1:", "chain_len wants"));
	CHECK(refused_with("strict_chain now\n", "pc.conf:1:", "strict_chain takes no value"));
}

static void dns_quiet_and_timeouts(void)
{
	CHECK(load("quiet_mode\nproxy_dns_old\ntcp_connect_time_out 2500\n[ProxyList]\n"
		   "socks5 10.0.0.1 1\n") == 0);
	CHECK(pc.quiet && cfg.dns == DNS_REMOTE);
	CHECK(cfg.chains[0].timeout_ms == 4000);	/* read's default is larger */
	CHECK(pc.nnotes == 1 && pc.notes[0].line == 2 && strstr(pc.notes[0].text, "proxy_dns_old"));
	CHECK(load("proxy_dns_daemon 127.0.0.1:1053\ntcp_read_time_out 1\ntcp_connect_time_out 1\n"
		   "[ProxyList]\nsocks5 10.0.0.1 1\n") == 0);
	CHECK(cfg.dns == DNS_REMOTE && cfg.chains[0].timeout_ms == 1);
	CHECK(strstr(pc.notes[0].text, "no daemon"));
	CHECK(load("tcp_read_time_out 2500\ntcp_connect_time_out 1000\n[ProxyList]\n"
		   "socks5 10.0.0.1 1\n") == 0);
	CHECK(cfg.chains[0].timeout_ms == 2500);
	CHECK(load("remote_dns_subnet 10\n[ProxyList]\nsocks5 198.18.0.1 1\n") == 0);
	CHECK(cfg.fake_range.addr[0] == 10 && cfg.fake_range.prefix == 8);
	/* loopback, which proxychains' own file suggests: refused, with what to write */
	CHECK(refused_with("remote_dns_subnet 127\n[ProxyList]\nsocks5 198.18.0.1 1\n",
			   "pc.conf:1:", "use 224, proxychains' default"));
	CHECK(refused_with("remote_dns_subnet 0\n", "pc.conf:1:", "use 224"));
	/* a fake range over a localnet or a proxy is refused by the spec it becomes */
	CHECK(refused_with("remote_dns_subnet 10\nlocalnet 10.1.0.0/255.255.0.0\n[ProxyList]\n"
			   "socks5 198.18.0.1 1\n", "fake_range=10.0.0.0/8", "overlaps bypass=10.1.0.0/16"));
	CHECK(refused_with("remote_dns_subnet 10\n[ProxyList]\nsocks5 10.0.0.1 1\n",
			   "fake_range=10.0.0.0/8", "the proxy written at 3:1 (10.0.0.1)"));
	CHECK(refused_with("remote_dns_subnet 256\n", "pc.conf:1:", "0 to 255"));
	CHECK(refused_with("remote_dns_subnet\n", "pc.conf:1:", "wants one value"));
	CHECK(refused_with("tcp_read_time_out soon\n", "pc.conf:1:", "milliseconds"));
	CHECK(refused_with("tcp_read_time_out 0\n", "pc.conf:1:", "milliseconds"));
	CHECK(refused_with("tcp_connect_time_out 86400001\n", "pc.conf:1:", "milliseconds"));
}

static void localnets(void)
{
	struct route_decision d;
	struct netaddr a;

	CHECK(load("localnet 127.0.0.0/255.0.0.0\nlocalnet 172.16.9.9/12\n"
		   "localnet 192.168.1.0:80/255.255.255.0\nlocalnet ::1/128\nlocalnet [fd00::]:443/8\n"
		   "[ProxyList]\nsocks5 10.0.0.1 1\n") == 0);
	CHECK(cfg.nbypass == 3 && cfg.nroutes == 2);
	a = addr("127.1.2.3", 5);
	CHECK(chain_bypasses(&cfg, &a));
	a = addr("172.31.0.1", 5);
	CHECK(chain_bypasses(&cfg, &a));	/* host bits of 172.16.9.9/12 cleared */
	a = addr("172.32.0.1", 5);
	CHECK(!chain_bypasses(&cfg, &a));
	a = addr("::1", 5);
	CHECK(chain_bypasses(&cfg, &a));
	a = addr("192.168.1.7", 80);
	route_decide(&cfg, NULL, &a, &d);
	CHECK(d.action == ROUTE_DIRECT && d.rule);
	a = addr("192.168.1.7", 81);
	route_decide(&cfg, NULL, &a, &d);
	CHECK(d.action == ROUTE_CHAIN);
	a = addr("fd12::1", 443);
	route_decide(&cfg, NULL, &a, &d);
	CHECK(d.action == ROUTE_DIRECT);
	CHECK(refused_with("localnet 10.0.0.0\n", "pc.conf:1:", "localnet wants ADDRESS[:PORT]/MASK"));
	CHECK(refused_with("\nlocalnet 10.0.0.0/255.0.255.0\n", "pc.conf:2:", "bad mask"));
	CHECK(refused_with("localnet 10.0.0.0/33\n", "pc.conf:1:", "bad mask"));
	CHECK(refused_with("localnet 10.0.0.300/8\n", "pc.conf:1:", "bad address"));
	CHECK(refused_with("localnet 10.0.0.0:99999/8\n", "pc.conf:1:", "bad port"));
	CHECK(refused_with("localnet [::1/128\n", "pc.conf:1:", "bad address"));
}

static void proxies_and_credentials(void)
{
	CHECK(load("[ProxyList]\nsocks5 10.0.0.1 1080 al@ce p@ss:w%rd#x\t\n"
		   "http 2001:db8::1 3128 bob secret\nsocks4 proxy.example 1081 carol\n"
		   "socks5://dave:pw@10.0.0.4:1082\nhttp://10.0.0.5:8080\n") == 0);
	CHECK(cfg.chains[0].nhops == 5);
	CHECK(hop(0)->proto == HOP_SOCKS5 && strcmp(hop(0)->user, "al@ce") == 0);
	CHECK(hop(0)->has_pass && strcmp(hop(0)->pass, "p@ss:w%rd#x") == 0);
	CHECK(hop(1)->proto == HOP_HTTP && hop(1)->addr.family == AF_INET6 && hop(1)->port == 3128);
	CHECK(strcmp(hop(1)->pass, "secret") == 0);
	CHECK(hop(2)->proto == HOP_SOCKS4 && hop(2)->host_is_name && strcmp(hop(2)->user, "carol") == 0);
	CHECK(strcmp(hop(3)->user, "dave") == 0 && strcmp(hop(3)->pass, "pw") == 0 && hop(3)->port == 1082);
	CHECK(hop(4)->proto == HOP_HTTP && hop(4)->port == 8080 && !hop(4)->user[0]);
	/* socks4 carries no password: dropped, with a note */
	CHECK(load("proxy_dns\n[ProxyList]\nsocks4 10.0.0.1 1080 erin pw\n") == 0);
	CHECK(strcmp(hop(0)->user, "erin") == 0 && !hop(0)->has_pass);
	CHECK(pc.nnotes == 1 && pc.notes[0].line == 3);
	/* a password may start with '#'; a comment after the port is a comment */
	CHECK(load("[ProxyList]\nsocks5 10.0.0.1 1080 u #pw\nsocks5 10.0.0.2 1080 # tor\n") == 0);
	CHECK(strcmp(hop(0)->pass, "#pw") == 0 && !hop(1)->user[0]);
	CHECK(load("strict_chain # the order matters\r\n[ProxyList]\r\nsocks5 10.0.0.1 1\r\n") == 0);
	CHECK(cfg.chains[0].mode == MODE_STRICT && hop(0)->port == 1);
}

static void refusals_name_file_and_line(void)
{
	CHECK(refused_with("strict_chain\ndnat 1.1.1.1 1.1.1.2\n", "pc.conf:2: \"dnat 1.1.1.1 1.1.1.2\"",
			   "dnat is not supported"));
	CHECK(refused_with("[ProxyList]\nraw 10.0.0.1 1\n", "pc.conf:2:", "raw proxies are not supported"));
	CHECK(refused_with("[ProxyList]\nsocks6 10.0.0.1 1\n", "pc.conf:2:", "unknown proxy type \"socks6\""));
	CHECK(refused_with("frobnicate\n", "pc.conf:1:", "unknown proxychains directive \"frobnicate\""));
	CHECK(refused_with("[ProxyList]\nsocks5 10.0.0.1 1\nproxy_dns\n", "pc.conf:3:",
			   "proxy_dns must come before [ProxyList]"));
	CHECK(refused_with("strict_chain\n", "pc.conf: ", "no [ProxyList] section"));
	CHECK(refused_with("[ProxyList]\n[ProxyList]\n", "pc.conf:2:", "a second [ProxyList]"));
	CHECK(refused_with("[ProxyList]\nchain_len=2\n", "pc.conf:2:", "chain_len must come before"));
	CHECK(refused_with("[ProxyList]\n# none\n", "pc.conf: ", "no proxies"));
	CHECK(refused_with("[ProxyList]\nsocks5 10.0.0.1\n", "pc.conf:2:", "missing fields"));
	CHECK(refused_with("[ProxyList]\nsocks5 10.0.0.1 1 u p extra\n", "pc.conf:2:", "too many fields"));
	CHECK(refused_with("[ProxyList]\nsocks5 10.0.0.1 0\n", "pc.conf:2:", "bad port \"0\""));
	CHECK(refused_with("[ProxyList]\nsocks5 10.0.0.1 65536\n", "pc.conf:2:", "bad port"));
	CHECK(refused_with("[ProxyList]\nsocks5 10.0.0.1 80x\n", "pc.conf:2:", "bad port"));
	CHECK(refused_with("[ProxyList]\nsocks5 10.0.0.999 80\n", "pc.conf:2:", "bad IPv4 address"));
	CHECK(refused_with("[ProxyList]\nsocks5 bad/host 80\n", "pc.conf:2:", "bad character"));
	CHECK(refused_with("[ProxyList]\nsocks5://10.0.0.1\n", "pc.conf:2:", "with its port"));
	CHECK(refused_with("[ProxyList]\nsocks5://:pw@10.0.0.1:1\n", "pc.conf:2:", "needs a user name"));
	CHECK(load("[ProxyList]\nsocks5://@10.0.0.1:1\nhttp://:pw@10.0.0.2:2\n") == 0);
	CHECK(!hop(0)->user[0] && !hop(0)->has_pass && strcmp(hop(1)->pass, "pw") == 0);
	CHECK(refused_with("[ProxyList]\nhttp 10.0.0.1 80 a:b c\n", "pc.conf:2:", "cannot hold ':'"));
}

static void hostile_input(void)
{
	char *text = malloc(20000), name[300];
	unsigned i;

	/* a line longer than any the translator takes, with a password in it */
	strcpy(text, "[ProxyList]\nsocks5 10.0.0.1 1 u hunter2");
	i = (unsigned)strlen(text);
	memset(text + i, 'x', 9000);
	strcpy(text + i + 9000, "\n");
	CHECK(refused_with(text, "pc.conf:2:", "line longer than 4095 bytes"));
	CHECK(!strstr(err.text, "hunter2"));
	/* names and credentials over 255 bytes */
	memset(name, 'a', 256);
	name[256] = '\0';
	snprintf(text, 20000, "[ProxyList]\nsocks5 %s.example 1\n", name);
	CHECK(refused_with(text, "pc.conf:2:", "host is 1-255 bytes"));
	snprintf(text, 20000, "[ProxyList]\nsocks5 10.0.0.1 1 %s pw\n", name);
	CHECK(refused_with(text, "pc.conf:2:", "user name longer than 255"));
	snprintf(text, 20000, "[ProxyList]\nsocks5 10.0.0.1 1 u %s\n", name);
	CHECK(refused_with(text, "pc.conf:2:", "password longer than 255"));
	CHECK(!strstr(err.text, "aaaa"));
	/* the password never shows in a message */
	CHECK(refused_with("[ProxyList]\nsocks5 10.0.0.1 99999 u hunter2\n", "\"socks5 10.0.0.1 99999 u ***\"",
			   "bad port"));
	CHECK(refused_with("[ProxyList]\nsocks5://u:hunter2@10.0.0.1:99999\n",
			   "\"socks5://u:***@10.0.0.1:99999\"", "bad port"));
	/* 33 proxies, 65 localnets */
	strcpy(text, "[ProxyList]\n");
	for (i = 0; i < 33; i++)
		strcat(text, "socks5 10.0.0.1 1\n");
	CHECK(refused_with(text, "pc.conf:34:", "more than 32 proxies"));
	text[0] = '\0';
	for (i = 0; i < 65; i++)
		strcat(text, "localnet 10.0.0.0/8\n");
	CHECK(refused_with(text, "pc.conf:65:", "more than 64 localnet"));
	/* an '@' before a "://": no password to mask, and no read before the field */
	CHECK(refused_with("c@hain_x://\n", "pc.conf:1: \"c@hain_x://\"", "unknown proxychains directive"));
	CHECK(refused_with("[ProxyList]\nu@socks5://x:y\n", "pc.conf:2:", "unknown proxy type"));
	/* a NUL-free soup of separators and nothing else */
	CHECK(refused_with("\n\n \t\r\n[ProxyList]\n\t\n", "pc.conf", "no proxies"));
	free(text);
}

int main(void)
{
	RUN(detection);
	RUN(the_stock_file);
	RUN(proxychains_defaults);
	RUN(modes_and_chain_len);
	RUN(dns_quiet_and_timeouts);
	RUN(localnets);
	RUN(proxies_and_credentials);
	RUN(refusals_name_file_and_line);
	RUN(hostile_input);
	return check_done();
}
