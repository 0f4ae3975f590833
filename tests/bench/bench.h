/*
 * bench - what one mode of the benchmark client needs from the others.
 *
 * The program under test is this client: run plain, its connect() is
 * socksified by whatever is preloaded (sockschain, proxychains-ng); with
 * --floor it dials the chain itself, in-process, with nothing preloaded.
 */
#ifndef SOCKSCHAIN_BENCH_H
#define SOCKSCHAIN_BENCH_H

#include "../../chain/endpoint.h"
#include "../../chain/spec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	BENCH_IO_TIMEOUT_MS = 10000,	/* any one wait of a non-blocking socket */
	BENCH_ERRNO_SLOTS = 256,	/* histogram of failures by errno */
};

/* Failures that are no errno: the peer closed before the expected bytes
 * came; a spawned command exited non-zero or was killed. */
#define BENCH_SHORT_READ (BENCH_ERRNO_SLOTS - 1)
#define BENCH_COMMAND_FAILED (BENCH_ERRNO_SLOTS - 2)

struct bench_opts {
	const char *mode;		/* connect, resolve, throughput, spawn, unixsend */
	unsigned long count;		/* -n: connections, names or runs */
	unsigned threads;		/* -t */
	bool nonblock;			/* --nonblock */
	const char *name;		/* --name: dial this name instead of HOST */
	size_t expect;			/* --expect: bytes of reply per connection */
	unsigned long long bytes;	/* --bytes, for throughput */
	const char *floor_spec;		/* --floor SPEC, NULL under a preload */
	bool pipeline;			/* --pipeline: the floor sends a SOCKS5 hop's messages at once */
	const struct chain *chain;	/* parsed from floor_spec */
	const char *host;		/* HOST or NAMEPATTERN */
	uint16_t port;
	char **command;			/* spawn: CMD ARGS */
	char **env;			/* spawn: the environment CMD gets */
};

/* Counts of one thread, or of all of them. */
struct bench_tally {
	unsigned long ok, failed;
	unsigned long long bytes;
	unsigned long errnos[BENCH_ERRNO_SLOTS];
};

/* Monotonic time in seconds. */
double bench_now(void);

/* Adds a failure with errno err (positive) to the histogram. */
void tally_fail(struct bench_tally *t, int err);

/* Prints "errno NAME: COUNT" lines on stderr for each failure kind. */
void tally_report(const struct bench_tally *t);

/* The peak resident set of this process, in kB, from /proc/self/status. */
long bench_rss_kb(void);

/* Waits up to BENCH_IO_TIMEOUT_MS for events on fd. 0 or -errno. */
int bench_wait(int fd, short events);

/* Full-transfer I/O on a blocking or non-blocking socket. 0 or -errno. */
int bench_send_all(int fd, const void *buf, size_t len);
int bench_recv_exact(int fd, void *buf, size_t len);

/*
 * connect() as a program does it: on a non-blocking socket, EINPROGRESS,
 * then a wait for POLLOUT and SO_ERROR. 0 or -errno.
 */
int bench_connect_fd(int fd, const struct sockaddr *sa, socklen_t len);

/*
 * The floor: a socket connected through o->chain to dest, dialed here with
 * the chain/ codecs, non-blocking or pipelined as o says. The fd, or -errno.
 */
int floor_dial(const struct bench_opts *o, const struct endpoint *dest);

/* Parses a --floor spec; its default chain must have hop 1 as an address. */
int floor_parse(const char *spec, const struct chain **out);

/* The modes. Each prints one line on stdout and returns the exit status. */
int run_connect(const struct bench_opts *o);
int run_throughput(const struct bench_opts *o);
/* N at once from one event loop, against one: the ratio of their times. */
int run_concurrent(const struct bench_opts *o);
int run_resolve(const struct bench_opts *o);
int run_unixsend(const struct bench_opts *o);
int run_spawn(const struct bench_opts *o);

/*
 * One connection the way the program under test makes it (or the floor):
 * to o->name via getaddrinfo, else to o->host. Returns the fd, or -errno.
 */
int bench_open(const struct bench_opts *o);

#endif
