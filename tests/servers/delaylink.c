/*
 * delaylink - a loopback TCP forwarder that makes a server look far away:
 * every byte takes -d MS to cross, in each direction, so a round trip costs
 * twice that. There is no netem in the test namespace; this puts the same
 * distance in front of any proxy, ours or a real one, to count the round
 * trips a handshake makes.
 *
 * usage: delaylink -T HOST:PORT [-d MS] [-p PORT] [-b ADDR] [-P FILE]
 *
 *   -T HOST:PORT  where each connection is forwarded: a loopback address
 *   -d MS         one-way delay (default 20)
 *
 * Each direction of each connection has its own thread: it stamps each
 * chunk with the moment it was read, queues it, and passes it on MS after
 * that moment, reading on meanwhile. Bytes that arrive together go on
 * together, which is what pipelining counts on. The TCP connect itself is
 * not delayed (the kernel completes it before accept()), so a round trip
 * counted here is one the handshake makes after connecting.
 */
#define _GNU_SOURCE
#include "servutil.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CHUNK = 16384, LISTEN_BACKLOG = 512 };

static struct {
	struct common_options common;
	long port, delay_ms;
	struct sockaddr_storage upstream;
	socklen_t upstream_len;
} cfg = { .common = COMMON_OPTIONS_INIT, .delay_ms = 20 };

struct direction {
	int from, to;
	atomic_int *open;	/* shared by the two directions: the last one closes */
};

/* Bytes read at one moment, waiting for their time to go on. */
struct chunk {
	struct chunk *next;
	int64_t due;
	size_t len;
	char data[];
};

struct queue {
	struct chunk *head, **tail;
};

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: delaylink -T HOST:PORT [-d MS] [-p PORT] [-b ADDR] [-P FILE]\n");
	exit(2);
}

static bool take_upstream(const char *arg)
{
	char host[64];
	const char *colon = strrchr(arg, ':');
	long port;

	if (!colon || (size_t)(colon - arg) >= sizeof(host) ||
	    !parse_long(colon + 1, 10, 1, 65535, &port))
		return false;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - arg), arg);
	cfg.upstream_len = loopback_sockaddr(host, (uint16_t)port, HOST_LOCALHOST, &cfg.upstream);
	return cfg.upstream_len != 0;
}

static bool take_option(int opt, const char *arg)
{
	switch (opt) {
	case 'T':
		return take_upstream(arg) || (die("-T wants a loopback HOST:PORT"), false);
	case 'd':
		return parse_long(arg, 10, 0, 60000, &cfg.delay_ms) ||
		       (die("-d wants milliseconds"), false);
	case 'p':
		cfg.port = parse_port_option(arg);
		return true;
	}
	return false;
}

static void set_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int queue_read(struct queue *q, int fd)
{
	struct chunk *c = malloc(sizeof(*c) + CHUNK);
	ssize_t n;

	if (!c)
		return -ENOMEM;
	n = read(fd, c->data, CHUNK);
	if (n <= 0) {
		free(c);
		return n == 0 ? -ECONNRESET : -errno;
	}
	c->len = (size_t)n;
	c->due = now_ms() + cfg.delay_ms;
	c->next = NULL;
	*q->tail = c;
	q->tail = &c->next;
	return 0;
}

/* Writes the chunks whose time has come. */
static int queue_flush(struct queue *q, int fd)
{
	while (q->head && q->head->due <= now_ms()) {
		struct chunk *c = q->head;
		int rc = write_all(fd, c->data, c->len);

		q->head = c->next;
		if (!q->head)
			q->tail = &q->head;
		free(c);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Reads on while earlier chunks wait; after EOF, what is queued still goes, then a shutdown. */
static void *carry(void *arg)
{
	struct direction *d = arg;
	struct queue q = { .head = NULL, .tail = &q.head };
	bool reading = true;

	while (reading || q.head) {
		struct pollfd pfd = { .fd = reading ? d->from : -1, .events = POLLIN };
		int wait = q.head ? (int)(q.head->due - now_ms()) : -1;

		if (poll(&pfd, 1, q.head && wait < 0 ? 0 : wait) < 0 && errno != EINTR)
			break;
		if (pfd.revents && queue_read(&q, d->from) < 0)
			reading = false;
		if (queue_flush(&q, d->to) < 0)
			break;
	}
	while (q.head) {
		struct chunk *c = q.head;

		q.head = c->next;
		free(c);
	}
	shutdown(d->to, SHUT_WR);
	shutdown(d->from, SHUT_RD);
	if (atomic_fetch_sub(d->open, 1) == 1) {
		close(d->from);
		close(d->to);
		free(d->open);
	}
	free(d);
	return NULL;
}

static int start_direction(int from, int to, atomic_int *open)
{
	struct direction *d = malloc(sizeof(*d));
	int rc;

	if (!d)
		return -ENOMEM;
	*d = (struct direction){ .from = from, .to = to, .open = open };
	rc = start_detached_thread(carry, d, 0);
	if (rc < 0)
		free(d);
	return rc;
}

static void serve(int client, const struct sockaddr_storage *peer)
{
	atomic_int *open = malloc(sizeof(*open));
	int upstream = server_socket(cfg.upstream.ss_family, SOCK_STREAM);

	(void)peer;
	if (!open || upstream < 0 ||
	    connect(upstream, (struct sockaddr *)&cfg.upstream, cfg.upstream_len) < 0)
		goto fail;
	set_nodelay(client);
	set_nodelay(upstream);
	atomic_init(open, 2);
	if (start_direction(client, upstream, open) < 0)
		goto fail;
	if (start_direction(upstream, client, open) < 0) {
		/* the first one owns both descriptors now: make it finish */
		shutdown(client, SHUT_RDWR);
		atomic_fetch_sub(open, 1);
	}
	return;
fail:
	free(open);
	if (upstream >= 0)
		close(upstream);
	close(client);
}

int main(int argc, char **argv)
{
	servutil_init("delaylink");
	setup_signals();
	if (!parse_command_line(argc, argv, "p:b:P:l:T:d:", take_option, &cfg.common) ||
	    cfg.upstream_len == 0)
		usage();
	int listener = open_common_listener(&cfg.common, (uint16_t)cfg.port, HOST_LOCALHOST,
					    LISTEN_BACKLOG);
	accept_loop(listener, serve);
}
