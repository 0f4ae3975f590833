/*
 * Waiting on a socket until one absolute deadline, and the connect that
 * uses it; the handshakes' own I/O is in handshake.c, in steps that never
 * block. Every wait is a poll() on the descriptor, so descriptors above
 * FD_SETSIZE work. Signals (EINTR) are retried, never reported.
 * Each function returns 0 or a negative errno (-ETIMEDOUT when the deadline passes).
 */
#ifndef SOCKSCHAIN_SOCKIO_H
#define SOCKSCHAIN_SOCKIO_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

typedef int (*connect_fn)(int fd, const struct sockaddr *addr, socklen_t len);
typedef int (*peername_fn)(int fd, struct sockaddr *addr, socklen_t *len);

/*
 * What the engine calls on a socket it dials: libc's own (sock_calls_libc),
 * or in the preloaded library the functions behind its hooks, so that its
 * own handshakes do not go through its own interposition.
 */
struct sock_calls {
	ssize_t (*send)(int fd, const void *buf, size_t n, int flags);
	ssize_t (*recv)(int fd, void *buf, size_t n, int flags);
	int (*poll)(struct pollfd *fds, nfds_t n, int timeout);
};

extern const struct sock_calls sock_calls_libc;

/*
 * Waits for events on fd until the deadline, with io's poll. Returns the
 * events that came (POLLERR and POLLHUP included), or -ETIMEDOUT.
 */
int sockio_wait(const struct sock_calls *io, int fd, short events, int64_t deadline);

/*
 * Whether fd has a peer, asked with the given getpeername function (the real
 * one, in the shim): connected, or its connect finished and not yet asked
 * about. errno is left as it was.
 */
bool sockio_has_peer(int fd, peername_fn do_getpeername);

/* Connects with the given connect function (the real one, in the shim). */
int sockio_connect(int fd, const struct sockaddr *addr, socklen_t len,
		   int64_t deadline, connect_fn do_connect);

#endif
