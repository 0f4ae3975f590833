/*
 * Readiness of sockets whose chain is being dialed in the background
 * (async_conn.h): poll, ppoll, select and pselect leave them out until their
 * chain is done, and wake when it is; epoll_ctl registers them without
 * readiness events and async_conn.c restores the program's own (a new edge
 * for edge-triggered sets). Sets without such a socket go straight through,
 * and so does epoll_wait, after handing the chains just started to the helper.
 */
#define _GNU_SOURCE
#include "async_conn.h"
#include "epoll_note.h"
#include "export.h"
#include "real.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/select.h>

typedef int (*poll_t)(struct pollfd *, nfds_t, int);
typedef int (*ppoll_t)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
typedef int (*ppoll_chk_t)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *,
			   size_t);
typedef int (*select_t)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
typedef int (*pselect_t)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
			 const sigset_t *);
typedef int (*epoll_ctl_t)(int, int, int, struct epoll_event *);
typedef int (*epoll_wait_t)(int, struct epoll_event *, int, int);
typedef int (*epoll_pwait_t)(int, struct epoll_event *, int, int, const sigset_t *);
typedef int (*epoll_pwait2_t)(int, struct epoll_event *, int, const struct timespec *,
			      const sigset_t *);

/* A timeout as poll's milliseconds, rounded up: -1 for none. */
static int timespec_ms(const struct timespec *ts)
{
	long long ms;

	if (!ts)
		return -1;
	ms = (long long)ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

SHIM_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	REAL(poll_t, poll);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	if (!fds || !async_any_marked(fds, n)) {
		async_before_wait();
		return fn(fds, n, timeout);
	}
	return async_poll(fds, n, timeout, NULL);
}

SHIM_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	(void)fdslen;
	return poll(fds, n, timeout);
}

SHIM_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		      const sigset_t *sigmask)
{
	REAL(ppoll_t, ppoll);
	sigset_t none;

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	if (!fds || !async_any_marked(fds, n)) {
		async_before_wait();
		return fn(fds, n, ts, sigmask);
	}
	if (!sigmask) {	/* async_poll's NULL means poll(): keep ppoll's "unchanged" */
		pthread_sigmask(SIG_BLOCK, NULL, &none);
		sigmask = &none;
	}
	return async_poll(fds, n, timespec_ms(ts), sigmask);
}

/* What _FORTIFY_SOURCE makes of ppoll(): libc's calls its own ppoll, past the hook. */
SHIM_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts,
			    const sigset_t *sigmask, size_t fdslen)
{
	REAL(ppoll_chk_t, __ppoll_chk);

	if (fn && fdslen / sizeof(*fds) < n)
		return fn(fds, n, ts, sigmask, fdslen);	/* its check fails: libc aborts */
	return ppoll(fds, n, ts, sigmask);
}

static bool any_pending_in(int n, fd_set *r, fd_set *w, fd_set *e)
{
	int fd;

	for (fd = 0; fd < n && fd < FD_SETSIZE; fd++)
		if (((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (e && FD_ISSET(fd, e))) &&
		    async_marked(fd) && async_pending(fd))
			return true;
	return false;
}

/* select() through async_poll: the sets in, the sets out, the count of bits. */
static int select_by_poll(int n, fd_set *r, fd_set *w, fd_set *e, int timeout_ms,
			  const sigset_t *sigmask)
{
	struct pollfd *fds = malloc((size_t)n * sizeof(*fds));
	nfds_t count = 0, i;
	int rc, fd, bits = 0;

	if (!fds) {
		errno = ENOMEM;
		return -1;
	}
	for (fd = 0; fd < n; fd++) {
		short ev = (short)((r && FD_ISSET(fd, r) ? POLLIN : 0) |
				   (w && FD_ISSET(fd, w) ? POLLOUT : 0) |
				   (e && FD_ISSET(fd, e) ? POLLPRI : 0));

		if (ev)
			fds[count++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	rc = async_poll(fds, count, timeout_ms, sigmask);
	if (rc >= 0) {
		if (r)
			FD_ZERO(r);
		if (w)
			FD_ZERO(w);
		if (e)
			FD_ZERO(e);
		for (i = 0; i < count; i++) {
			short got = fds[i].revents, want = fds[i].events;

			if (got & POLLNVAL) {
				errno = EBADF;
				rc = -1;
				break;
			}
			if ((want & POLLIN) && (got & (POLLIN | POLLHUP | POLLERR)) && ++bits)
				FD_SET(fds[i].fd, r);
			if ((want & POLLOUT) && (got & (POLLOUT | POLLERR)) && ++bits)
				FD_SET(fds[i].fd, w);
			if ((want & POLLPRI) && (got & POLLPRI) && ++bits)
				FD_SET(fds[i].fd, e);
		}
	}
	free(fds);
	return rc < 0 ? -1 : bits;
}

SHIM_EXPORT int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	REAL(select_t, select);
	int ms = -1;

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	if (n <= 0 || n > FD_SETSIZE || !any_pending_in(n, r, w, e)) {
		async_before_wait();
		return fn(n, r, w, e, tv);
	}
	if (tv)
		ms = (int)(tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000);
	return select_by_poll(n, r, w, e, ms, NULL);
}

SHIM_EXPORT int pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
			const sigset_t *sigmask)
{
	REAL(pselect_t, pselect);
	sigset_t none;

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	if (n <= 0 || n > FD_SETSIZE || !any_pending_in(n, r, w, e)) {
		async_before_wait();
		return fn(n, r, w, e, ts, sigmask);
	}
	if (!sigmask) {
		pthread_sigmask(SIG_BLOCK, NULL, &none);
		sigmask = &none;
	}
	return select_by_poll(n, r, w, e, timespec_ms(ts), sigmask);
}

SHIM_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	REAL(epoll_ctl_t, epoll_ctl);
	bool handled;
	int rc;

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	rc = async_epoll_ctl(epfd, op, fd, ev, &handled);
	if (!handled)
		rc = fn(epfd, op, fd, ev);
	if (rc == 0)	/* for a connect() after it: async_conn.c hides it then */
		epoll_note(epfd, op, fd, ev);
	return rc;
}

/* epoll_wait never steps a chain: the chains just started are the helper's now. */
SHIM_EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	REAL(epoll_wait_t, epoll_wait);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	async_before_wait();
	return fn(epfd, ev, max, timeout);
}

SHIM_EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout,
			    const sigset_t *sigmask)
{
	REAL(epoll_pwait_t, epoll_pwait);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	async_before_wait();
	return fn(epfd, ev, max, timeout, sigmask);
}

SHIM_EXPORT int epoll_pwait2(int epfd, struct epoll_event *ev, int max,
			     const struct timespec *timeout, const sigset_t *sigmask)
{
	REAL(epoll_pwait2_t, epoll_pwait2);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	async_before_wait();
	return fn(epfd, ev, max, timeout, sigmask);
}
