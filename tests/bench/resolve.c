/*
 * bench resolve: getaddrinfo() on N distinct names, as a program that looks
 * up every host it visits. Under sockschain (dns=remote) or proxychains-ng
 * (proxy_dns) no query leaves the process: this times their stand-in
 * answers. The first and last addresses are printed, so a test can see where
 * they came from.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static void first_address(const struct addrinfo *res, char *out, size_t cap)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)res->ai_addr;

	if (res->ai_family != AF_INET || !inet_ntop(AF_INET, &sin->sin_addr, out, (socklen_t)cap))
		snprintf(out, cap, "family-%d", res->ai_family);
}

int run_resolve(const struct bench_opts *o)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	struct bench_tally t = { 0 };
	char name[512], first[INET6_ADDRSTRLEN + 16] = "-", last[sizeof first] = "-";

	double t0 = bench_now();
	for (unsigned long i = 0; i < o->count; i++) {
		struct addrinfo *res;
		/* The pattern comes from the command line: a benchmark's own input. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(name, sizeof name, o->host, i);
#pragma GCC diagnostic pop
		int rc = getaddrinfo(name, "80", &hints, &res);
		if (rc != 0) {
			tally_fail(&t, rc == EAI_SYSTEM ? errno : EHOSTUNREACH);
			continue;
		}
		first_address(res, t.ok == 0 ? first : last, sizeof first);
		freeaddrinfo(res);
		t.ok++;
	}
	double seconds = bench_now() - t0;
	printf("ok=%lu failed=%lu seconds=%.4f rate=%.1f rss_kb=%ld first=%s last=%s\n", t.ok,
	       t.failed, seconds, seconds > 0 ? (double)t.ok / seconds : 0, bench_rss_kb(),
	       first, last);
	tally_report(&t);
	return t.failed == 0 ? 0 : 1;
}
