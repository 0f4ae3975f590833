#define _GNU_SOURCE
#include "sockio.h"

#include "deadline.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>

const struct sock_calls sock_calls_libc = { send, recv, poll };

bool sockio_has_peer(int fd, peername_fn do_getpeername)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	int saved = errno;
	bool connected = do_getpeername(fd, (struct sockaddr *)&peer, &len) == 0;

	errno = saved;
	return connected;
}

int sockio_wait(const struct sock_calls *io, int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	for (;;) {
		n = io->poll(&pfd, 1, deadline_left_ms(deadline));
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
	int rc;

	if (do_connect(fd, addr, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		return -errno;
	/* EINTR on a non-blocking connect still leaves the attempt running. */
	for (;;) {
		rc = sockio_wait(&sock_calls_libc, fd, POLLOUT, deadline);
		if (rc < 0)
			return rc;
		/*
		 * Asking again gives the outcome, and completes the connect in the
		 * kernel's eyes too: any later connect() on the socket then gets
		 * EISCONN, instead of a 0 that would start a handshake in the tunnel.
		 */
		if (do_connect(fd, addr, len) == 0 || errno == EISCONN)
			return 0;
		if (errno != EALREADY && errno != EINPROGRESS && errno != EINTR)
			return -errno;
	}
}
