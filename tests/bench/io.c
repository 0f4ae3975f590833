/*
 * bench: socket I/O that works on blocking and non-blocking sockets alike,
 * time, the failure histogram and the resident set.
 *
 * On a blocking socket each call is one system call and no poll(): the
 * cheapest there is, which is what the floor must be. A non-blocking socket
 * polls only after EAGAIN.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tally_fail(struct bench_tally *t, int err)
{
	if (err <= 0 || err >= BENCH_ERRNO_SLOTS)
		err = BENCH_SHORT_READ;
	t->failed++;
	t->errnos[err]++;
}

void tally_report(const struct bench_tally *t)
{
	for (int e = 1; e < BENCH_ERRNO_SLOTS; e++) {
		if (t->errnos[e] == 0)
			continue;
		if (e == BENCH_SHORT_READ)
			fprintf(stderr, "bench: failed: short reply: %lu\n", t->errnos[e]);
		else if (e == BENCH_COMMAND_FAILED)
			fprintf(stderr, "bench: failed: command exited non-zero: %lu\n", t->errnos[e]);
		else
			fprintf(stderr, "bench: failed: %s (%s): %lu\n", strerrorname_np(e),
				strerror(e), t->errnos[e]);
	}
}

long bench_rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

int bench_wait(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		int n = poll(&pfd, 1, BENCH_IO_TIMEOUT_MS);
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

int bench_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n >= 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		int rc = bench_wait(fd, POLLOUT);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* MSG_WAITALL: a blocking socket gets the whole message in one call. */
int bench_recv_exact(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = recv(fd, p, len, MSG_WAITALL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return -BENCH_SHORT_READ;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		int rc = bench_wait(fd, POLLIN);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int bench_connect_fd(int fd, const struct sockaddr *sa, socklen_t len)
{
	int err = 0;
	socklen_t err_len = sizeof err;

	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		return -errno;
	int rc = bench_wait(fd, POLLOUT);
	if (rc < 0)
		return rc;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) < 0)
		return -errno;
	return -err;
}
