#define _GNU_SOURCE
#include "sockio.h"

#include "deadline.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>

int sockio_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	for (;;) {
		n = poll(&pfd, 1, deadline_left_ms(deadline));
		if (n > 0)
			return pfd.revents;	/* an error, if any, the next call reports */
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

int sockio_connect(int fd, const struct sockaddr *addr, socklen_t len,
		   int64_t deadline, connect_fn do_connect)
{
	int err = 0;
	socklen_t errlen = sizeof(err);
	int rc;

	if (do_connect(fd, addr, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		return -errno;
	/* EINTR on a non-blocking connect still leaves the attempt running. */
	rc = sockio_wait(fd, POLLOUT, deadline);
	if (rc < 0)
		return rc;
	if (!(rc & (POLLERR | POLLHUP)))
		return 0;	/* writable and no error: connected, no need to ask */
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
		return -errno;
	return err ? -err : 0;
}

int sockio_send_all(int fd, const void *buf, size_t len, int64_t deadline)
{
	const char *p = buf;
	ssize_t n;
	int rc;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		rc = sockio_wait(fd, POLLOUT, deadline);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * Receives len bytes. With poll_first, waits before the first read: a reply
 * is never there the instant its request went out. Without, reads first: the
 * rest of a reply most often came with its start.
 */
static int recv_all(int fd, char *p, size_t len, int64_t deadline, bool poll_first)
{
	bool ready = !poll_first;
	ssize_t n;
	int rc;

	while (len > 0) {
		if (!ready && (rc = sockio_wait(fd, POLLIN, deadline)) < 0)
			return rc;
		n = recv(fd, p, len, 0);
		if (n == 0)
			return -EPROTO;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		ready = n < 0 && errno == EINTR;
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		}
	}
	return 0;
}

int sockio_recv_exact(int fd, void *buf, size_t len, int64_t deadline)
{
	return recv_all(fd, buf, len, deadline, true);
}

int sockio_recv_rest(int fd, void *buf, size_t len, int64_t deadline)
{
	return recv_all(fd, buf, len, deadline, false);
}

long sockio_peek(int fd, void *buf, size_t cap, int64_t deadline)
{
	ssize_t n;
	int rc;

	for (;;) {
		rc = sockio_wait(fd, POLLIN, deadline);
		if (rc < 0)
			return rc;
		n = recv(fd, buf, cap, MSG_PEEK);
		if (n >= 0)
			return n;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
	}
}
