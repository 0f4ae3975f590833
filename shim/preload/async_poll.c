/*
 * poll() around sockets whose chain is pending (async_conn.h): each is
 * polled through its chain's stand-in, the helper's descriptor, and the
 * calling thread steps the chain itself when it is ready; a waiter's eventfd
 * ends the wait early when any chain is done, so that the set is looked at
 * again.
 */
#define _GNU_SOURCE
#include "async_conn.h"

#include "../../chain/deadline.h"
#include "async_state.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static void add_waiter(struct waiter *w)
{
	async_lock();
	w->next = async.waiters;
	async.waiters = w;
	async_unlock();
}

static void remove_waiter(struct waiter *w)
{
	struct waiter **p;

	async_lock();
	for (p = &async.waiters; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	async_unlock();
}

/*
 * Under lock: what to poll in place of the program's fd: the helper's
 * descriptor, for what its chain waits on. Its inode, or 0 when not pending.
 */
static ino_t stand_in(int fd, struct pollfd *pfd)
{
	struct conn *c;

	if (!bit_get(async.marks, fd) || !(c = conn_find(fd_inode(fd))) || c->state != CONN_PENDING)
		return 0;
	pfd->fd = c->own_fd;
	pfd->events = c->job.events;
	return c->ino;
}

/*
 * One real poll of fds, each pending socket replaced by its chain's stand-in
 * (so that this thread drives the handshakes it waits for, without waiting
 * for the helper to be scheduled), and the waiter's fd last. Returns how
 * many of the program's own fds have events.
 */
static int poll_once(struct pollfd *fds, struct pollfd *copy, ino_t *inos, nfds_t n,
		     const struct waiter *w, int timeout_ms, const sigset_t *sigmask, bool *woken)
{
	struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };
	int rc, visible = 0;
	struct conn *c;
	nfds_t i;

	async_lock();
	for (i = 0; i < n; i++) {
		copy[i] = fds[i];
		inos[i] = stand_in(fds[i].fd, &copy[i]);
	}
	async_unlock();
	copy[n] = (struct pollfd){ .fd = w->efd, .events = POLLIN };
	rc = sigmask ? async_real_ppoll(copy, n + 1, timeout_ms < 0 ? NULL : &ts, sigmask)
		     : async_real_poll(copy, n + 1, timeout_ms);
	if (rc < 0)
		return -1;
	async_lock();
	for (i = 0; i < n; i++) {
		fds[i].revents = inos[i] ? 0 : copy[i].revents;
		visible += fds[i].revents != 0;
		if (inos[i] && copy[i].revents && (c = conn_find(inos[i])) &&
		    c->own_fd == copy[i].fd)
			helper_step(c, copy[i].revents);
	}
	async_unlock();
	*woken = copy[n].revents != 0;
	if (*woken)
		fd_drain(w->efd, w->ino);
	return visible;
}

int async_poll(struct pollfd *fds, nfds_t n, int timeout_ms, const sigset_t *sigmask)
{
	int64_t end = timeout_ms < 0 ? -1 : clock_now_ms() + timeout_ms;
	struct waiter w;
	struct pollfd *copy;
	ino_t *inos;
	bool woken;
	int rc, saved;

	copy = malloc((n + 1) * sizeof(*copy) + n * sizeof(*inos));
	inos = copy ? (ino_t *)(copy + n + 1) : NULL;
	w.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	w.ino = fd_inode(w.efd);
	if (!copy || w.efd < 0) {
		free(copy);
		if (w.efd >= 0)
			async_real_close(w.efd);
		errno = ENOMEM;
		return -1;
	}
	add_waiter(&w);
	do {
		rc = poll_once(fds, copy, inos, n, &w, end < 0 ? -1 : deadline_left_ms(end), sigmask,
			       &woken);
	} while (rc == 0 && (end < 0 || clock_now_ms() < end));
	saved = errno;
	remove_waiter(&w);
	async_real_close(w.efd);
	free(copy);
	errno = saved;
	return rc;
}
