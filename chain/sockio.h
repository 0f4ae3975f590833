/*
 * Socket I/O bounded by one absolute deadline. The descriptor must be in
 * non-blocking mode; every wait is a poll() on it, so descriptors above
 * FD_SETSIZE work. Signals (EINTR) are retried, never reported.
 * Each function returns 0 or a negative errno (-ETIMEDOUT when the deadline passes).
 */
#ifndef SOCKSCHAIN_SOCKIO_H
#define SOCKSCHAIN_SOCKIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef int (*connect_fn)(int fd, const struct sockaddr *addr, socklen_t len);

/*
 * Waits for events on fd until the deadline. Returns the events that came
 * (POLLERR and POLLHUP included), or -ETIMEDOUT.
 */
int sockio_wait(int fd, short events, int64_t deadline);

/* Connects with the given connect function (the real one, in the shim). */
int sockio_connect(int fd, const struct sockaddr *addr, socklen_t len,
		   int64_t deadline, connect_fn do_connect);

/* Sends all of buf. Never raises SIGPIPE. */
int sockio_send_all(int fd, const void *buf, size_t len, int64_t deadline);

/* Receives exactly len bytes; the peer closing first is -EPROTO (a short reply). */
int sockio_recv_exact(int fd, void *buf, size_t len, int64_t deadline);

/* The same for the rest of a reply whose start was just read: tries before it waits. */
int sockio_recv_rest(int fd, void *buf, size_t len, int64_t deadline);

/*
 * Waits until at least one byte can be read, then peeks at up to cap bytes
 * without consuming them. Returns the count peeked (0: the peer closed), or a
 * negative errno.
 */
long sockio_peek(int fd, void *buf, size_t cap, int64_t deadline);

#endif
