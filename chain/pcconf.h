/*
 * proxychains.conf, translated into our chain spec, so that a proxychains
 * user's file works as it is: `sockschain -f /etc/proxychains4.conf`.
 *
 *   strict_chain, dynamic_chain,        mode=strict, dynamic,
 *   random_chain, round_robin_chain     random, round_robin (default: dynamic)
 *   chain_len = N                       hops=N (default for random and round_robin: 1)
 *   proxy_dns                           dns=remote (without it: dns=local, as proxychains)
 *   proxy_dns_old, proxy_dns_daemon A   dns=remote too, with a note: no script, no daemon
 *   remote_dns_subnet N                 fake_range=N.0.0.0/8 (not 127 or 0: loopback)
 *   tcp_read_time_out MS,               timeout= the larger of the two, in seconds
 *   tcp_connect_time_out MS             (proxychains' defaults: 4000 and 10000)
 *   localnet A/MASK, localnet A:P/MASK  bypass=CIDR, route=CIDR:P->direct
 *   quiet_mode                          struct pcconf.quiet (messages as with -q)
 *   [ProxyList]  TYPE HOST PORT [USER [PASS]], or TYPE://[USER:PASS@]HOST:PORT
 *                                       TYPE://USER:PASS@HOST:PORT, percent-encoded
 *   dnat, raw proxies, anything else    refused, naming the file and line
 *
 * Proxychains proxies loopback too unless a localnet says otherwise, so the
 * translation starts with bypass=none. Line N of the spec holds what line N
 * of the file said, so the spec parser's positions still point into the file.
 */
#ifndef SOCKSCHAIN_PCCONF_H
#define SOCKSCHAIN_PCCONF_H

#include "spec.h"

#include <stdbool.h>

#define PCCONF_LINE_MAX 4095
#define PCCONF_NOTES_MAX 8

/* What the spec cannot say, and what the user should hear about the translation. */
struct pcconf {
	bool quiet;		/* quiet_mode */
	bool remote_dns;	/* a proxy_dns directive: names resolved by the last hop */
	unsigned nnotes;
	struct {
		unsigned line;	/* 0: about the whole file */
		char text[240];
	} notes[PCCONF_NOTES_MAX];
};

/* Whether text is a proxychains.conf: a [ProxyList] line, or a line of its directives. */
bool pcconf_detect(const char *text);

/*
 * Translates text into a new spec string (free() it) and pc. origin names the
 * file in messages. Returns 0, or -EINVAL with err filled in as
 * "ORIGIN:LINE: "LINE'S TEXT": what is wrong" (passwords masked), or -ENOMEM.
 */
int pcconf_translate(const char *text, const char *origin, char **spec, struct pcconf *pc,
		     struct spec_error *err);

#endif
