#define _GNU_SOURCE
#include "check.h"

#include "../../chain/deadline.h"
#include "../../chain/dial.h"
#include "../../chain/printable.h"
#include "target_arg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXIT_LAUNCHER 125

/* One row's outcome. */
struct probe {
	int rc;
	int64_t us;
	char why[HOP_TEXT_MAX + 300];
};

static int open_socket(const struct chain *chain, struct probe *out)
{
	int family = chain->hops[0].addr.family == AF_INET6 ? AF_INET6 : AF_INET;
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		out->rc = -errno;
		snprintf(out->why, sizeof(out->why), "socket: %s", strerror(errno));
	}
	return fd;
}

/* Row 1: a TCP connection to hop 1. */
static void probe_first_hop(const struct chain *chain, struct probe *out)
{
	const struct hop *hop = &chain->hops[0];
	struct sockaddr_storage sa;
	int64_t start = clock_now_us();
	int fd = open_socket(chain, out);
	socklen_t len;

	if (fd < 0)
		return;
	len = netaddr_to_sockaddr(&hop->addr, hop->addr.family, &sa);
	if (hop->addr.family == 0 || len == 0) {
		out->rc = -EHOSTUNREACH;
		snprintf(out->why, sizeof(out->why), "its name did not resolve");
	} else {
		out->rc = sockio_connect(fd, (struct sockaddr *)&sa, len,
					 deadline_after_ms(chain->timeout_ms), connect);
		if (out->rc < 0)
			snprintf(out->why, sizeof(out->why), "%s", out->rc == -ETIMEDOUT
				 ? "did not accept the connection in time" : strerror(-out->rc));
	}
	out->us = clock_now_us() - start;
	close(fd);
}

/* Later rows: `to` reached through the first nvia hops, in order. */
static void probe_through(const struct chain *chain, unsigned nvia, const struct endpoint *to,
			  struct probe *out)
{
	static struct chain via;	/* too large for the stack; the launcher has one thread */
	static struct hop_health health;
	struct dial_env env = { .health = &health, .do_connect = connect };
	struct dial_report rep;
	char hop[HOP_TEXT_MAX];
	int64_t start = clock_now_us();
	int fd = open_socket(chain, out);
	unsigned failed;

	if (fd < 0)
		return;
	via = *chain;
	via.mode = MODE_STRICT;
	via.connect_timeout_ms = 0;
	via.nhops = nvia;
	out->rc = chain_dial(fd, chain->hops[0].addr.family == AF_INET6 ? AF_INET6 : AF_INET,
			     &via, &env, to, &rep);
	out->us = clock_now_us() - start;
	if (out->rc < 0) {
		failed = rep.path[rep.failed_pos];
		hop_describe(&via.hops[failed], hop, sizeof(hop));
		snprintf(out->why, sizeof(out->why), "hop %u (%s) %s", failed + 1, hop, rep.reason);
	}
	close(fd);
}

static void print_row(const char *num, const char *what, int width, const char *proto,
		      const struct probe *p)
{
	char took[32] = "";

	if (p)
		snprintf(took, sizeof(took), "%.1f ms", (double)p->us / 1000);
	printf("  %-3s %-*s  %-7s %-9s %10s  %s\n", num, width, what, proto,
	       !p ? "not tried" : p->rc == 0 ? "answered" : "FAILED", took,
	       p && p->rc < 0 ? p->why : "");
}

/* One chain's table. Returns whether every row answered. */
static bool check_one(const struct chain *chain, const struct endpoint *dest)
{
	char text[CHAIN_MAX_HOPS][HOP_TEXT_MAX], num[12], where[ENDPOINT_TEXT_MAX] = "";
	struct probe p;
	struct endpoint next;
	unsigned i, width = 11;
	bool ok = true;

	for (i = 0; i < chain->nhops; i++) {
		hop_describe(&chain->hops[i], text[i], sizeof(text[i]));
		width = strlen(text[i]) > width ? (unsigned)strlen(text[i]) : width;
	}
	if (dest)
		endpoint_format(dest, where, sizeof(where));
	printf("chain %s (%s, timeout %.3g s per hop)\n", chain->name, chain_mode_name(chain->mode),
	       (double)chain->timeout_ms / 1000);
	printf("  %-3s %-*s  %-7s %-9s %10s  %s\n", "#", (int)width, "hop", "speaks", "result",
	       "time", "error");
	for (i = 0; i < chain->nhops; i++) {
		snprintf(num, sizeof(num), "%u", i + 1);
		if (!ok) {
			print_row(num, text[i], (int)width, hop_proto_name(chain->hops[i].proto), NULL);
			continue;
		}
		hop_endpoint(&chain->hops[i], &next);
		if (i == 0)
			probe_first_hop(chain, &p);
		else
			probe_through(chain, i, &next, &p);
		print_row(num, text[i], (int)width, hop_proto_name(chain->hops[i].proto), &p);
		ok = p.rc == 0;
	}
	if (!dest)
		return ok;
	if (ok)
		probe_through(chain, chain->nhops, dest, &p);
	print_row("->", where, (int)width, "", ok ? &p : NULL);
	return ok && p.rc == 0;
}

int check_chains(const struct chain_config *cfg, const char *target)
{
	struct endpoint dest;
	char name[256];
	bool ok = true;
	unsigned i;

	if (target && target_arg_parse(target, &dest, name) < 0) {
		char shown[80];

		printable_copy(shown, sizeof(shown), target, strlen(target));
		fprintf(stderr, "sockschain: --check wants HOST:PORT, not \"%s\"\n", shown);
		return EXIT_LAUNCHER;
	}
	for (i = 0; i < cfg->nchains; i++) {
		if (cfg->chains[i].nhops == 0)
			continue;
		if (i > 0)
			putchar('\n');
		ok = check_one(&cfg->chains[i], target && i == 0 ? &dest : NULL) && ok;
	}
	return ok ? 0 : 1;
}
