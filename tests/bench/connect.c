/*
 * bench connect / throughput: connections as a program makes them.
 *
 * connect: T threads share N connections; each opens one, reads the
 * expected bytes of the target's reply, closes, and counts. The clock runs
 * from the moment every thread is ready to the moment the last one is done.
 * throughput: one connection, then the clock runs over B bytes of reply.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { READ_CHUNK = 64 * 1024 };

/* Where the program connects: HOST is a literal (numeric, no resolver). */
static int literal_sockaddr(const char *host, uint16_t port, struct sockaddr_storage *ss,
			    socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof *sin;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof *sin6;
		return 0;
	}
	return -EINVAL;
}

static int open_socket_to(const struct sockaddr *sa, socklen_t len, bool nonblock)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);

	if (fd < 0)
		return -errno;
	int rc = bench_connect_fd(fd, sa, len);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

/* As a legacy program would: look the name up for every connection. */
static int open_by_name(const struct bench_opts *o)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	char port[8];

	snprintf(port, sizeof port, "%u", o->port);
	int rc = getaddrinfo(o->name, port, &hints, &res);
	if (rc != 0)
		return rc == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	int fd = open_socket_to(res->ai_addr, res->ai_addrlen, o->nonblock);
	freeaddrinfo(res);
	return fd;
}

/* The floor's destination: the name itself, or the literal. */
static int floor_open(const struct bench_opts *o)
{
	struct endpoint dest = { .name = o->name };
	struct sockaddr_storage ss;
	socklen_t len;

	if (!o->name) {
		int rc = literal_sockaddr(o->host, o->port, &ss, &len);
		if (rc == 0)
			rc = netaddr_from_sockaddr((struct sockaddr *)&ss, len, &dest.addr);
		if (rc < 0)
			return rc;
	}
	dest.addr.port = o->port;
	return floor_dial(o, &dest);
}

int bench_open(const struct bench_opts *o)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (o->chain)
		return floor_open(o);
	if (o->name)
		return open_by_name(o);
	int rc = literal_sockaddr(o->host, o->port, &ss, &len);
	return rc < 0 ? rc : open_socket_to((struct sockaddr *)&ss, len, o->nonblock);
}

/* One connection: open, read the reply, close. Bytes read, or -errno. */
static long one_connection(const struct bench_opts *o, char *buf)
{
	int fd = bench_open(o);

	if (fd < 0)
		return fd;
	int rc = bench_recv_exact(fd, buf, o->expect);
	close(fd);
	return rc < 0 ? rc : (long)o->expect;
}

struct worker {
	const struct bench_opts *o;
	pthread_barrier_t *start;
	unsigned long count;
	struct bench_tally tally;
	pthread_t thread;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char *buf = malloc(w->o->expect + 1);

	pthread_barrier_wait(w->start);
	for (unsigned long i = 0; i < w->count; i++) {
		long got = buf ? one_connection(w->o, buf) : -ENOMEM;
		if (got < 0) {
			tally_fail(&w->tally, (int)-got);
			continue;
		}
		w->tally.ok++;
		w->tally.bytes += (unsigned long long)got;
	}
	free(buf);
	return NULL;
}

static void tally_add(struct bench_tally *sum, const struct bench_tally *t)
{
	sum->ok += t->ok;
	sum->failed += t->failed;
	sum->bytes += t->bytes;
	for (int e = 0; e < BENCH_ERRNO_SLOTS; e++)
		sum->errnos[e] += t->errnos[e];
}

static void print_line(const struct bench_tally *t, double seconds, double rate)
{
	printf("ok=%lu failed=%lu bytes=%llu seconds=%.4f rate=%.1f rss_kb=%ld\n", t->ok,
	       t->failed, t->bytes, seconds, rate, bench_rss_kb());
	tally_report(t);
}

/* Starts the workers, then times them from the barrier to the last join. */
static double run_workers(struct worker *w, unsigned n, pthread_barrier_t *start)
{
	unsigned started = 0;

	for (; started < n; started++)
		if (pthread_create(&w[started].thread, NULL, worker_main, &w[started]) != 0)
			break;
	/* A thread that could not start must not leave the others waiting. */
	for (unsigned i = started; i < n; i++) {
		w[i].tally.failed = w[i].count;
		w[i].tally.errnos[EAGAIN] = w[i].count;
	}
	if (started < n)
		fprintf(stderr, "bench: only %u of %u threads started\n", started, n);
	double t0 = bench_now();
	if (started == n)
		pthread_barrier_wait(start);
	for (unsigned i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
	return bench_now() - t0;
}

int run_connect(const struct bench_opts *o)
{
	unsigned n = o->threads;
	struct worker *w = calloc(n, sizeof *w);
	struct bench_tally *sum = calloc(1, sizeof *sum);
	pthread_barrier_t start;

	if (!w || !sum || pthread_barrier_init(&start, NULL, n + 1) != 0) {
		fprintf(stderr, "bench: out of memory\n");
		free(w);
		free(sum);
		return 2;
	}
	for (unsigned i = 0; i < n; i++) {
		w[i].o = o;
		w[i].start = &start;
		w[i].count = o->count / n + (i < o->count % n);
	}
	double seconds = run_workers(w, n, &start);
	for (unsigned i = 0; i < n; i++)
		tally_add(sum, &w[i].tally);
	print_line(sum, seconds, seconds > 0 ? (double)sum->ok / seconds : 0);
	int status = sum->failed == 0 ? 0 : 1;
	pthread_barrier_destroy(&start);
	free(w);
	free(sum);
	return status;
}

/* Reads until EOF or B bytes; rate in bytes per second after connect. */
int run_throughput(const struct bench_opts *o)
{
	struct bench_tally t = { 0 };
	char *buf = malloc(READ_CHUNK);
	int fd = buf ? bench_open(o) : -ENOMEM;
	double t0 = bench_now();

	while (fd >= 0 && t.bytes < o->bytes) {
		ssize_t n = recv(fd, buf, READ_CHUNK, 0);
		if (n > 0)
			t.bytes += (unsigned long long)n;
		else if (n == 0 || (errno != EINTR && errno != EAGAIN))
			break;
		else if (errno == EAGAIN && bench_wait(fd, POLLIN) < 0)
			break;
	}
	double seconds = bench_now() - t0;
	if (fd < 0)
		tally_fail(&t, -fd);
	else if (t.bytes < o->bytes)
		tally_fail(&t, BENCH_SHORT_READ);
	else
		t.ok = 1;
	if (fd >= 0)
		close(fd);
	free(buf);
	print_line(&t, seconds, seconds > 0 ? (double)t.bytes / seconds : 0);
	return t.failed == 0 ? 0 : 1;
}
