/*
 * --print's text, exactly as a user sees it; and it parses back to the
 * configuration it was printed from, passwords aside.
 */
#define _GNU_SOURCE
#include "../../chain/pcconf.h"
#include "../../chain/spec_print.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static struct chain_config first, again;
static struct spec_error err;
static char *printed;

/* Prints cfg into `printed`. */
static void print(const struct chain_config *cfg)
{
	free(printed);
	printed = NULL;
	CHECK(spec_print(cfg, &printed) == 0);
}

static bool same_hop(const struct hop *a, const struct hop *b)
{
	return a->proto == b->proto && strcmp(a->host, b->host) == 0 && a->port == b->port &&
	       a->host_is_name == b->host_is_name && strcmp(a->user, b->user) == 0 &&
	       a->has_pass == b->has_pass && (!b->has_pass || strcmp(b->pass, "***") == 0);
}

static bool same_chain(const struct chain *a, const struct chain *b)
{
	unsigned i;

	if (strcmp(a->name, b->name) || a->mode != b->mode || a->path_len != b->path_len ||
	    a->timeout_ms != b->timeout_ms || a->connect_timeout_ms != b->connect_timeout_ms ||
	    a->pipeline != b->pipeline || a->nhops != b->nhops)
		return false;
	for (i = 0; i < a->nhops; i++)
		if (!same_hop(&a->hops[i], &b->hops[i]))
			return false;
	return true;
}

static bool same_config(const struct chain_config *a, const struct chain_config *b)
{
	unsigned i;
	bool same = a->nchains == b->nchains && a->nroutes == b->nroutes &&
		    a->nbypass == b->nbypass && a->nbypass_names == b->nbypass_names &&
		    a->dns == b->dns && a->udp_allowed == b->udp_allowed &&
		    a->retry_after_ms == b->retry_after_ms &&
		    a->fake_reuse_after_ms == b->fake_reuse_after_ms &&
		    memcmp(&a->fake_range, &b->fake_range, sizeof(a->fake_range)) == 0;

	for (i = 0; same && i < a->nchains; i++)
		same = same_chain(&a->chains[i], &b->chains[i]);
	for (i = 0; same && i < a->nbypass; i++)
		same = memcmp(&a->bypass[i], &b->bypass[i], sizeof(a->bypass[i])) == 0;
	for (i = 0; same && i < a->nbypass_names; i++)
		same = strcmp(a->bypass_names[i], b->bypass_names[i]) == 0;
	for (i = 0; same && i < a->nroutes; i++)
		same = strcmp(a->routes[i].text, b->routes[i].text) == 0 &&
		       a->routes[i].chain == b->routes[i].chain;
	return same;
}

/* Shows text as TAP comments, a line each. */
static void show(const char *title, const char *text)
{
	const char *end;

	printf("# %s:\n", title);
	for (; text && *text; text = *end ? end + 1 : end) {
		end = strchrnul(text, '\n');
		printf("#   %.*s\n", (int)(end - text), text);
	}
}

/* The text printed last is exactly want; if not, both are shown. */
static bool printed_is(const char *want)
{
	if (printed && strcmp(printed, want) == 0)
		return true;
	show("printed", printed);
	show("wanted", want);
	return false;
}

/* Parses spec, prints it, parses the print: the same configuration both times. */
static bool round_trips(const char *spec)
{
	if (spec_parse(spec, "first", &first, &err) < 0) {
		printf("# %s\n", err.text);
		return false;
	}
	print(&first);
	if (!printed || spec_parse(printed, "printed", &again, &err) < 0) {
		printf("# %s\n# printed:\n%s", err.text, printed);
		return false;
	}
	return same_config(&first, &again);
}

static void defaults(void)
{
	CHECK(round_trips("socks4://127.0.0.1:1080"));
	CHECK(printed_is("# the default chain\n"
			 "mode=strict timeout=10 pipeline=no\n"
			 "socks4://127.0.0.1:1080\n"
			 "\n"
			 "# for every chain\n"
			 "retry_after=30 dns=remote fake_range=240.0.0.0/4 fake_reuse_after=3600 udp=block\n"
			 "bypass=none bypass=127.0.0.0/8 bypass=::1/128\n"));
}

static void everything(void)
{
	CHECK(round_trips("mode=random hops=2 timeout=2.25 connect_timeout=0.001 retry_after=7 "
			  "pipeline=yes "
			  "socks5://al%40ce:s3cret@10.0.0.1:1 http://b:@[2001:db8::1]:3128 "
			  "socks4://u%20id@proxy.example dns=local fake_range=100.64.0.0/16 "
			  "fake_reuse_after=0.5 udp=allow "
			  "bypass=none bypass=fd00::/8 bypass=*.corp.example bypass=host.lan "
			  "chain=tor mode=dynamic socks5h://127.0.0.1:9050 "
			  "chain=work timeout=3 http://proxy.corp:3128 "
			  "route=*.onion->tor route=10.0.0.0/8:22->direct route=[fd00::]/8:80->work "
			  "route=*:25->refuse"));
	CHECK(!strstr(printed, "s3cret"));
	/* The named chains take the options given before them; routes keep their order. */
	CHECK(printed_is("# the default chain\n"
			 "mode=random hops=2 timeout=2.25 connect_timeout=0.001 pipeline=yes\n"
			 "socks5://al%40ce:***@10.0.0.1:1\n"
			 "http://b:***@[2001:db8::1]:3128\n"
			 "socks4://u%20id@proxy.example:1080\n"
			 "\n"
			 "# for every chain\n"
			 "retry_after=7 dns=local fake_range=100.64.0.0/16 fake_reuse_after=0.5 udp=allow\n"
			 "bypass=none bypass=fd00::/8 bypass=*.corp.example bypass=host.lan\n"
			 "\n"
			 "chain=tor\n"
			 "mode=dynamic hops=2 timeout=2.25 connect_timeout=0.001 pipeline=yes\n"
			 "socks5://127.0.0.1:9050\n"
			 "\n"
			 "chain=work\n"
			 "mode=random hops=2 timeout=3 connect_timeout=0.001 pipeline=yes\n"
			 "http://proxy.corp:3128\n"
			 "\n"
			 "# routes: the first that matches wins\n"
			 "route=*.onion->tor\n"
			 "route=10.0.0.0/8:22->direct\n"
			 "route=[fd00::]/8:80->work\n"
			 "route=*:25->refuse\n"));
}

static void only_routes(void)
{
	CHECK(round_trips("chain=a socks4://10.0.0.1 route=*->a"));	/* an empty default chain */
	CHECK(printed_is("# the default chain\n"
			 "mode=strict timeout=10 pipeline=no\n"
			 "\n"
			 "# for every chain\n"
			 "retry_after=30 dns=remote fake_range=240.0.0.0/4 fake_reuse_after=3600 udp=block\n"
			 "bypass=none bypass=127.0.0.0/8 bypass=::1/128\n"
			 "\n"
			 "chain=a\n"
			 "mode=strict timeout=10 pipeline=no\n"
			 "socks4://10.0.0.1:1080\n"
			 "\n"
			 "# routes: the first that matches wins\n"
			 "route=*->a\n"));
}

static void a_proxychains_file(void)
{
	struct pcconf pc;
	char *spec;

	CHECK(pcconf_translate("random_chain\nproxy_dns\nlocalnet 10.0.0.0:80/255.0.0.0\n"
			       "[ProxyList]\nsocks5 10.0.0.1 1080 u p\nhttp 10.0.0.2 8080\n",
			       "pc.conf", &spec, &pc, &err) == 0);
	CHECK(round_trips(spec));
	/* localnet becomes a route, and proxychains has no bypass list of its own */
	CHECK(printed_is("# the default chain\n"
			 "mode=random hops=1 timeout=10 pipeline=no\n"
			 "socks5://u:***@10.0.0.1:1080\n"
			 "http://10.0.0.2:8080\n"
			 "\n"
			 "# for every chain\n"
			 "retry_after=30 dns=remote fake_range=240.0.0.0/4 fake_reuse_after=3600 udp=block\n"
			 "bypass=none\n"
			 "\n"
			 "# routes: the first that matches wins\n"
			 "route=10.0.0.0/8:80->direct\n"));
	free(spec);
}

int main(void)
{
	RUN(defaults);
	RUN(everything);
	RUN(only_routes);
	RUN(a_proxychains_file);
	free(printed);
	return check_done();
}
