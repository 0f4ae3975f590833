/*
 * bench - the benchmark client of `make bench`: the program under test.
 *
 * usage: bench connect [-n N] [-t T] [--nonblock] [--expect BYTES] [--floor SPEC]
 *                      [--pipeline] HOST PORT | --name NAME PORT
 *        bench throughput --bytes B [--nonblock] [--floor SPEC] HOST PORT
 *        bench concurrent [-n N] [--expect BYTES] HOST PORT
 *        bench resolve [-n N] NAMEPATTERN         (e.g. host%lu.bench.example)
 *        bench spawn [-n N] [--env NAME=VALUE]... -- CMD [ARG...]
 *        bench unixsend [-n N]
 *
 * connect: T threads (default 1) share N connections (default 1000); each
 *   connects to HOST:PORT (a literal), or to NAME looked up with getaddrinfo
 *   for every connection as a legacy program would, reads BYTES (default 1)
 *   of reply, and closes.
 * throughput: one connection; reads B bytes (until EOF at most), timed from
 *   the end of connect().
 * resolve: getaddrinfo() on N names made from NAMEPATTERN and 0..N-1.
 * spawn: posix_spawn CMD N times (default 100), one after the other, with
 *   this environment and each --env added.
 * unixsend: N (default 100000) one-byte sendmsg() on an AF_UNIX socket
 *   pair, each read back (see unixsend.c).
 *
 * Under LD_PRELOAD (sockschain, proxychains-ng) connect() and getaddrinfo()
 * are theirs. --floor SPEC dials the chain in-process instead, preloading
 * nothing (see floor.c); with --name it sends the name in the request.
 * --pipeline makes the floor send a SOCKS5 hop's greeting, authentication
 * and request in one write, then read the replies: one round trip a hop,
 * the floor of a socksifier that pipelines.
 *
 * stdout: one line, key=value: ok= failed= ... seconds= rate= (per second:
 * connections, bytes or names) rss_kb= (peak resident set, VmHWM).
 * stderr: one line per kind of failure, with its count.
 * Exit status: 0 when nothing failed, 1 when something did, 2 on usage errors.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_USAGE = 2 };
enum { OPT_NONBLOCK = 256, OPT_NAME, OPT_EXPECT, OPT_BYTES, OPT_FLOOR, OPT_ENV, OPT_PIPELINE };
enum { ENV_EXTRA_MAX = 16 };

extern char **environ;

static const struct option long_options[] = {
	{ "nonblock", no_argument, NULL, OPT_NONBLOCK },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "expect", required_argument, NULL, OPT_EXPECT },
	{ "bytes", required_argument, NULL, OPT_BYTES },
	{ "floor", required_argument, NULL, OPT_FLOOR },
	{ "env", required_argument, NULL, OPT_ENV },
	{ "pipeline", no_argument, NULL, OPT_PIPELINE },
	{ 0 },
};

static void usage(void)
{
	fputs("usage: bench connect [-n N] [-t T] [--nonblock] [--expect BYTES] [--floor SPEC]\n"
	      "                     [--pipeline] HOST PORT | --name NAME PORT\n"
	      "       bench throughput --bytes B [--nonblock] [--floor SPEC] HOST PORT\n"
	      "       bench concurrent [-n N] [--expect BYTES] HOST PORT\n"
	      "       bench resolve [-n N] NAMEPATTERN\n"
	      "       bench spawn [-n N] [--env NAME=VALUE]... -- CMD [ARG...]\n"
	      "       bench unixsend [-n N]\n",
	      stderr);
	exit(EXIT_USAGE);
}

static unsigned long long number(const char *text, unsigned long long max)
{
	char *end;
	unsigned long long v = strtoull(text, &end, 10);

	if (end == text || *end != '\0' || v > max || text[0] == '-')
		usage();
	return v;
}

/* The environment for spawn: the --env entries first, since getenv() takes
 * the first match, then ours. */
static void add_env(struct bench_opts *o, char *entry)
{
	static char *env[ENV_EXTRA_MAX + 1];
	static char **merged;
	size_t extra = 0, ours = 0;

	while (env[extra])
		extra++;
	if (extra == ENV_EXTRA_MAX || !strchr(entry, '='))
		usage();
	env[extra++] = entry;
	while (environ[ours])
		ours++;
	free(merged);
	merged = calloc(extra + ours + 1, sizeof *merged);
	if (!merged)
		usage();
	memcpy(merged, env, extra * sizeof *merged);
	memcpy(merged + extra, environ, ours * sizeof *merged);
	o->env = merged;
}

static void take_option(struct bench_opts *o, int opt, char *arg)
{
	switch (opt) {
	case 'n': o->count = (unsigned long)number(arg, 100000000); break;
	case 't': o->threads = (unsigned)number(arg, 1024); break;
	case OPT_NONBLOCK: o->nonblock = true; break;
	case OPT_NAME: o->name = arg; break;
	case OPT_EXPECT: o->expect = (size_t)number(arg, 1 << 20); break;
	case OPT_BYTES: o->bytes = number(arg, 1ULL << 40); break;
	case OPT_FLOOR: o->floor_spec = arg; break;
	case OPT_ENV: add_env(o, arg); break;
	case OPT_PIPELINE: o->pipeline = true; break;
	default: usage();
	}
}

/* HOST PORT for connect and throughput; NAMEPATTERN for resolve; CMD for spawn. */
static void take_operands(struct bench_opts *o, int argc, char **argv)
{
	if (strcmp(o->mode, "spawn") == 0) {
		if (argc < 1)
			usage();
		o->command = argv;
	} else if (strcmp(o->mode, "unixsend") == 0) {
		if (argc != 0)
			usage();
	} else if (strcmp(o->mode, "resolve") == 0) {
		if (argc != 1)
			usage();
		o->host = argv[0];
	} else if (o->name && argc == 1) {
		o->port = (uint16_t)number(argv[0], 65535);
	} else {
		if (argc != 2)
			usage();
		o->host = argv[0];
		o->port = (uint16_t)number(argv[1], 65535);
	}
}

int main(int argc, char **argv)
{
	struct bench_opts o = { .count = 0, .threads = 1, .expect = 1, .env = environ };
	int opt;

	if (argc < 2)
		usage();
	o.mode = argv[1];
	optind = 2;
	while ((opt = getopt_long(argc, argv, "+n:t:", long_options, NULL)) != -1)
		take_option(&o, opt, optarg);
	take_operands(&o, argc - optind, argv + optind);
	if (o.threads == 0)
		usage();
	if (o.floor_spec && floor_parse(o.floor_spec, &o.chain) < 0)
		return EXIT_USAGE;
	if (o.pipeline && !o.floor_spec)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(o.mode, "connect") == 0) {
		o.count = o.count ? o.count : 1000;
		return run_connect(&o);
	}
	if (strcmp(o.mode, "concurrent") == 0) {
		o.count = o.count ? o.count : 20;
		return run_concurrent(&o);
	}
	if (strcmp(o.mode, "throughput") == 0)
		return o.bytes ? run_throughput(&o) : (usage(), EXIT_USAGE);
	if (strcmp(o.mode, "resolve") == 0) {
		o.count = o.count ? o.count : 1000;
		return run_resolve(&o);
	}
	if (strcmp(o.mode, "spawn") == 0) {
		o.count = o.count ? o.count : 100;
		return run_spawn(&o);
	}
	if (strcmp(o.mode, "unixsend") == 0) {
		o.count = o.count ? o.count : 100000;
		return run_unixsend(&o);
	}
	usage();
}
