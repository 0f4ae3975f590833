/*
 * The chain spec: one grammar for SOCKS_CHAIN and for chain files.
 *
 *   spec   = item *( sep item )       sep: white space, ',' or newline
 *   item   = proxy / option           '#' starts a comment to the end of the line
 *   proxy  = scheme "://" [ userinfo "@" ] host [ ":" port ] [ "/" ]
 *   option = key "=" value
 *
 * Proxies, and the options mode, hops, timeout, connect_timeout, pipeline and async, belong to
 * the chain being written: the default chain, until "chain=NAME" starts a
 * named one (which begins with the default chain's settings so far).
 * "route=PATTERN->TARGET" sends destinations to a chain, direct, or refuse.
 *
 * Parsing builds a chain_config that never changes afterwards. Its hops,
 * routes and bypass name patterns are allocated as the spec needs them:
 * a chain_config is small, and holds only what its spec says.
 */
#ifndef SOCKSCHAIN_SPEC_H
#define SOCKSCHAIN_SPEC_H

#include "endpoint.h"

#include <stdbool.h>
#include <stdint.h>

#define CHAIN_MAX_HOPS 32
#define CHAIN_MAX_CHAINS 8
#define CHAIN_MAX_ROUTES 64
#define CHAIN_NAME_MAX 31
#define CHAIN_MAX_BYPASS 64
#define SPEC_NAME_MAX 255	/* host names, user ids: what SOCKS can carry */
#define SPEC_TEXT_MAX (1 << 20)	/* a longer spec is refused, not truncated */
#define CHAIN_DEFAULT_TIMEOUT_MS 10000
#define CHAIN_DEFAULT_RETRY_AFTER_MS 30000
/* Without connect_timeout, a connection gets this many hops' timeouts: 30 s by default. */
#define CHAIN_DEFAULT_CONNECT_TIMEOUTS 3
/*
 * Fake addresses for names resolved by the last hop: 240.0.0.0/4, the old
 * class E, reserved since 1989 and routed by no network, so a fake address
 * can never be a real destination, and one that escaped would reach nothing.
 */
#define CHAIN_DEFAULT_FAKE_RANGE "240.0.0.0/4"
/*
 * A full fake address map gives a new name the address of one unused this
 * long (see chain/fakemap.h). Long, since programs cache addresses and a
 * reused one reaches another host; an hour, so that a program meeting
 * thousands of names an hour still finds room.
 */
#define CHAIN_DEFAULT_FAKE_REUSE_AFTER_MS 3600000

enum hop_proto {
	HOP_SOCKS4,	/* SOCKS4, and SOCKS4A for names */
	HOP_SOCKS5,	/* RFC 1928, with RFC 1929 username/password */
	HOP_HTTP,	/* HTTP CONNECT, with Basic proxy authorization */
};

struct hop {
	enum hop_proto proto;
	char host[SPEC_NAME_MAX + 1];	/* as written, without IPv6 brackets */
	bool host_is_name;
	uint16_t port;
	char user[SPEC_NAME_MAX + 1];	/* percent-decoded; empty when none */
	char pass[SPEC_NAME_MAX + 1];	/* percent-decoded; never shown */
	bool has_pass;
	struct netaddr addr;		/* the literal, or for hop 1 what its name resolved to */
	unsigned line, column;		/* where the item was written */
};

enum chain_mode {
	MODE_STRICT,		/* every hop, in order; any failure fails the connection */
	MODE_DYNAMIC,		/* hops in order, skipping those that fail */
	MODE_RANDOM,		/* hops=N distinct hops drawn for each connection */
	MODE_ROUND_ROBIN,	/* each connection starts at the next hop in turn */
};

struct chain {
	char name[CHAIN_NAME_MAX + 1];	/* "default" for the one without a name */
	struct hop *hops;		/* nhops of them, as many as written (malloc) */
	unsigned nhops;
	enum chain_mode mode;
	unsigned path_len;		/* hops=N for random and round_robin; 0: all */
	int64_t timeout_ms;		/* per hop: its connect and its reply */
	int64_t connect_timeout_ms;	/* the whole connection, every try; 0: the default */
	bool pipeline;			/* send hops' requests before their replies come */
	bool no_async;			/* async=no: a non-blocking connect() waits for the chain */
	unsigned line, column;		/* where chain=NAME was written */
};

enum route_match {
	MATCH_ANY,	/* "*" */
	MATCH_NAME,	/* "*.onion", "host.example" */
	MATCH_RANGE,	/* "10.0.0.0/8" */
};

enum route_action {
	ROUTE_CHAIN,
	ROUTE_DIRECT,
	ROUTE_REFUSE,
};

struct route {
	enum route_match match;
	char pattern[SPEC_NAME_MAX + 3];	/* "*." and a name */
	struct cidr range;
	uint16_t port;			/* 0: any port */
	enum route_action action;
	unsigned chain;			/* for ROUTE_CHAIN: its index */
	char target[CHAIN_NAME_MAX + 1];
	char text[SPEC_NAME_MAX + 64];	/* as written, for messages */
	unsigned line, column;
};

enum dns_mode {
	DNS_REMOTE,	/* names go to the last hop; no query leaves this machine */
	DNS_LOCAL,	/* the real resolver, which leaks every name to the local network */
};

struct chain_config {
	struct chain chains[CHAIN_MAX_CHAINS];	/* [0] is the default chain */
	unsigned nchains;
	struct route *routes;		/* nroutes of them (malloc); first match wins */
	unsigned nroutes;
	int64_t retry_after_ms;		/* how long a failed hop is skipped */
	struct cidr bypass[CHAIN_MAX_BYPASS];
	unsigned nbypass;
	/* "*.corp.example" (any name under it) or "host.example" (that name) */
	char (*bypass_names)[SPEC_NAME_MAX + 3];	/* nbypass_names of them (malloc) */
	unsigned nbypass_names;
	enum dns_mode dns;
	struct cidr fake_range;		/* IPv4, for names resolved remotely */
	int64_t fake_reuse_after_ms;	/* a full map reuses addresses unused this long */
	bool udp_allowed;		/* udp=allow: no leak guard on UDP and port 53 */
};

/* One line saying where and what: "ORIGIN:LINE:COL: ITEM: what is wrong". */
struct spec_error {
	char text[2048];
};

/* An empty chain with the defaults: 10 s timeout, loopback bypassed. cfg's contents are not freed. */
void chain_config_init(struct chain_config *cfg);

/* Frees what parsing allocated in cfg, leaving it empty, as chain_config_init() does. */
void chain_config_free(struct chain_config *cfg);

/*
 * Parses text into cfg, which holds zeroes or what chain_config_init() or an
 * earlier spec_parse() left there (freed first). origin names the source in
 * messages: "SOCKS_CHAIN", "-c", or a file's path. Host names are left
 * unresolved (see chain_resolve). Returns 0, or -EINVAL or -ENOMEM with err
 * filled in (and cfg holding what was parsed so far, for chain_config_free()).
 */
int spec_parse(const char *text, const char *origin, struct chain_config *cfg,
	       struct spec_error *err);

/* "socks5://user:***@host:port" for messages: passwords never appear. */
#define HOP_TEXT_MAX 1100
void hop_describe(const struct hop *hop, char *buf, size_t cap);

/*
 * Userinfo as a URL writes it: letters, digits and "-._~" as they are, every
 * other byte as %XX (so 3 * 255 + 1 bytes hold any user name or password).
 */
void spec_percent_encode(const char *in, char *out, size_t cap);

/* "socks4", "socks5", "http"; "strict", "dynamic", "random", "round_robin". */
const char *hop_proto_name(enum hop_proto proto);
const char *chain_mode_name(enum chain_mode mode);

/* How the hop before this one is asked to reach it: by name when written as one. */
void hop_endpoint(const struct hop *hop, struct endpoint *ep);

#endif
