/*
 * bench concurrent: N connections made at once from one event loop (epoll,
 * non-blocking sockets), each reading the expected bytes of the target's
 * reply, against one connection made the same way just before. rate is the
 * ratio of the two times: 1 when the N cost no more than one, N when they
 * took their turns.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct pending {
	int fd;
	size_t have;
	bool connected;
};

/* The non-blocking connect, as an event loop starts it. The fd, or -errno. */
static int start_one(const struct bench_opts *o, int epfd, struct pending *p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(o->port) };
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = p };
	int fd;

	if (inet_pton(AF_INET, o->host, &sa.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if ((connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	*p = (struct pending){ .fd = fd };
	return fd;
}

/* One event: 1 when the connection is done (fine or not), 0 to wait on, with *err. */
static int on_event(const struct bench_opts *o, int epfd, struct pending *p, char *buf,
		    int *err)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = p };
	socklen_t len = sizeof(*err);
	ssize_t n;

	*err = 0;
	if (!p->connected) {
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, err, &len) < 0)
			*err = errno;
		if (*err)
			return 1;
		p->connected = true;
		return epoll_ctl(epfd, EPOLL_CTL_MOD, p->fd, &ev) < 0 ? (*err = errno, 1) : 0;
	}
	n = recv(p->fd, buf, o->expect - p->have, MSG_DONTWAIT);
	if (n > 0)
		p->have += (size_t)n;
	else if (n == 0)
		*err = BENCH_SHORT_READ;
	else if (errno != EAGAIN)
		*err = errno;
	return *err || p->have >= o->expect;
}

/* n connections at once; the seconds they took, their outcomes in t. */
static double round_of(const struct bench_opts *o, unsigned long n, struct bench_tally *t)
{
	struct pending *ps = calloc(n, sizeof(*ps));
	char *buf = malloc(o->expect + 1);
	int epfd = epoll_create1(EPOLL_CLOEXEC), err;
	unsigned long left = 0, i;
	struct epoll_event evs[64];
	double t0 = bench_now();

	for (i = 0; ps && buf && epfd >= 0 && i < n; i++) {
		int rc = start_one(o, epfd, &ps[i]);

		if (rc < 0)
			tally_fail(t, -rc);
		else
			left++;
	}
	while (left > 0) {
		int got = epoll_wait(epfd, evs, 64, BENCH_IO_TIMEOUT_MS), k;

		if (got <= 0) {
			for (i = 0; i < left; i++)
				tally_fail(t, ETIMEDOUT);
			break;
		}
		for (k = 0; k < got; k++) {
			struct pending *p = evs[k].data.ptr;

			if (!on_event(o, epfd, p, buf, &err))
				continue;
			epoll_ctl(epfd, EPOLL_CTL_DEL, p->fd, NULL);
			close(p->fd);
			left--;
			if (err) {
				tally_fail(t, err);
			} else {
				t->ok++;
				t->bytes += o->expect;
			}
		}
	}
	double seconds = bench_now() - t0;
	if (epfd >= 0)
		close(epfd);
	free(buf);
	free(ps);
	return seconds;
}

int run_concurrent(const struct bench_opts *o)
{
	struct bench_tally one = { 0 }, all = { 0 };
	double single = round_of(o, 1, &one), together = round_of(o, o->count, &all);

	all.ok += one.ok;
	all.failed += one.failed;
	for (int e = 0; e < BENCH_ERRNO_SLOTS; e++)
		all.errnos[e] += one.errnos[e];
	printf("ok=%lu failed=%lu bytes=%llu seconds=%.4f single=%.4f rate=%.2f rss_kb=%ld\n",
	       all.ok, all.failed, all.bytes, together, single,
	       single > 0 ? together / single : 0, bench_rss_kb());
	tally_report(&all);
	return all.failed == 0 ? 0 : 1;
}
