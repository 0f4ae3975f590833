/*
 * poll() around sockets whose chain is pending (async_conn.h): each is
 * polled through its chain's stand-in, the descriptor the chain is stepped
 * on (the program's own, or the helper's copy), for what the chain waits
 * on, and the calling thread steps the chain itself when it is ready. While it does, the
 * helper keeps off that chain (two threads waking for each reply would only
 * fight over the lock), so the call also keeps the chain's deadlines. A chain
 * another thread steps already is left to it: this call then waits on an
 * eventfd of its own, which ends the wait when another thread finishes a
 * chain, so that the set is looked at again.
 */
#define _GNU_SOURCE
#include "async_conn.h"

#include "../../chain/deadline.h"
#include "async_state.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* What one poll() of the program keeps across its rounds. */
struct poll_state {
	struct pollfd *fds;		/* the program's */
	struct pollfd *copy;		/* what is really polled: n stand-ins, the waiter's fd last */
	ino_t *inos;			/* per fd: its chain's socket while pending, else 0 */
	uint64_t *driven;		/* per fd: the chain this call steps (its driver), or 0 */
	nfds_t n;
	struct waiter w;		/* w.efd < 0 until this call waits for a chain it does not step */
};

/* Under lock: this call no longer steps chain id. Whether the helper must take it back. */
static bool let_go(uint64_t id)
{
	struct conn *c = id ? conn_by_id(id) : NULL;

	if (!c || c->drivers == 0 || --c->drivers > 0 || c->state != CONN_PENDING)
		return false;
	c->adopt_at = 0;
	return true;
}

/*
 * Under lock: what to poll in place of fds[i] while its chain is pending.
 * A chain nobody steps yet this call steps: the descriptor it is stepped
 * on, for what the chain waits on. One another thread steps, it leaves to that
 * thread and waits to hear it is done (*waits). Returns the chain's
 * deadline, or INT64_MAX.
 */
static int64_t stand_in(struct poll_state *ps, nfds_t i, bool *waits)
{
	int fd = ps->fds[i].fd;
	struct conn *c;

	ps->copy[i] = ps->fds[i];
	ps->inos[i] = 0;
	if (ps->driven[i])	/* known from the last round: no need to ask fd's inode again */
		c = conn_by_id(ps->driven[i]);
	else if (!bit_get(async.marks, fd) || !(c = conn_find(fd_inode(fd))))
		return INT64_MAX;
	if (!c || c->state != CONN_PENDING)
		return INT64_MAX;
	ps->inos[i] = c->ino;
	if (!ps->driven[i] && c->drivers > 0) {
		ps->copy[i].fd = -1;	/* poll() passes over it */
		*waits = true;
		return c->job.deadline;
	}
	if (!ps->driven[i]) {
		ps->driven[i] = c->id;
		c->drivers++;
	}
	ps->copy[i].fd = conn_fd(c);
	ps->copy[i].events = c->job.events;
	return c->job.deadline;
}

/* poll(), or ppoll() with sigmask: timeout_ms < 0 for none. */
static int real_wait(struct pollfd *fds, nfds_t n, int timeout_ms, const sigset_t *sigmask)
{
	struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };

	if (!sigmask)
		return async_real_poll(fds, n, timeout_ms);
	return async_real_ppoll(fds, n, timeout_ms < 0 ? NULL : &ts, sigmask);
}

/* Under lock: this call is told when another thread finishes a chain (an eventfd of its own). */
static bool become_waiter(struct poll_state *ps)
{
	if (ps->w.efd >= 0)
		return true;
	ps->w.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ps->w.efd < 0)
		return false;
	ps->w.ino = fd_inode(ps->w.efd);
	ps->w.next = async.waiters;
	async.waiters = &ps->w;
	return true;
}

/* The stand-ins of every fd: the nearest chain deadline, INT64_MAX for none pending; -1 on ENOMEM. */
static int64_t plan(struct poll_state *ps)
{
	int64_t first = INT64_MAX, deadline;
	bool waits = false, ok = true;
	nfds_t i;

	async_lock();
	for (i = 0; i < ps->n; i++)
		if ((deadline = stand_in(ps, i, &waits)) < first)
			first = deadline;
	if (waits)
		ok = become_waiter(ps);
	async_unlock();
	return ok ? first : -1;
}

/*
 * Under lock: c's chain, polled for fds[i], takes its step. Stepped on the
 * program's own number, checked this call: done, that number needs no more
 * looking (the program asks SO_ERROR next, and it is the kernel's answer).
 * Returns the events fds[i] has now that the kernel need not be asked for:
 * a socket just connected has room to write (anything that befalls it
 * later, a reset, the program learns from its next call, as if it came
 * just after this poll).
 */
static short step(struct poll_state *ps, nfds_t i, struct conn *c)
{
	bool own_number = ps->copy[i].fd == ps->fds[i].fd;

	helper_step(c, ps->copy[i].revents, own_number);
	if (!own_number || conn_by_id(ps->driven[i]))
		return 0;
	bit_set(async.marks, ps->fds[i].fd, false);	/* connected: only a failure stays listed */
	return ps->fds[i].events & (POLLOUT | POLLWRNORM);
}

/*
 * One real poll of the set, each pending socket replaced by its stand-in,
 * and no longer than the nearest chain deadline; then the chains that are
 * ready (or past their deadline) take their step. Returns how many of the
 * program's own fds have events.
 */
static int poll_once(struct poll_state *ps, int timeout_ms, const sigset_t *sigmask)
{
	int64_t first = plan(ps);
	int rc, left, visible = 0;
	nfds_t i, polled = ps->n;
	struct conn *c;

	if (first < 0) {
		errno = ENOMEM;
		return -1;
	}
	if (first == INT64_MAX)
		async_before_wait();	/* nothing of this set pending: a wait like any other */
	else if ((left = deadline_left_ms(first + 1)) < timeout_ms || timeout_ms < 0)
		timeout_ms = left;
	if (ps->w.efd >= 0)
		ps->copy[polled++] = (struct pollfd){ .fd = ps->w.efd, .events = POLLIN };
	rc = real_wait(ps->copy, polled, timeout_ms, sigmask);
	if (rc < 0)
		return -1;
	async_lock();
	for (i = 0; i < ps->n; i++) {
		ps->fds[i].revents = ps->inos[i] ? 0 : ps->copy[i].revents;
		if (ps->driven[i] && (c = conn_find(ps->inos[i])) && c->id == ps->driven[i] &&
		    conn_fd(c) == ps->copy[i].fd)
			ps->fds[i].revents = step(ps, i, c);
		visible += ps->fds[i].revents != 0;
	}
	async_unlock();
	if (polled > ps->n && ps->copy[ps->n].revents)
		fd_drain(ps->w.efd, ps->w.ino);
	return visible;
}

/* The waiter out of the list, and the chains this call stepped back to the helper. */
static void leave(struct poll_state *ps)
{
	struct waiter **p;
	bool wake = false;
	nfds_t i;

	async_lock();
	for (p = &async.waiters; ps->w.efd >= 0 && *p; p = &(*p)->next)
		if (*p == &ps->w) {
			*p = ps->w.next;
			break;
		}
	for (i = 0; i < ps->n; i++)
		wake |= let_go(ps->driven[i]);
	if (wake)
		helper_wake();
	async_unlock();
	if (ps->w.efd >= 0)
		async_real_close(ps->w.efd);
}

int async_poll(struct pollfd *fds, nfds_t n, int timeout_ms, const sigset_t *sigmask)
{
	int64_t end = timeout_ms < 0 ? -1 : clock_now_ms() + timeout_ms;
	struct poll_state ps = { .fds = fds, .n = n, .w = { .efd = -1 } };
	struct waiter *outer = async_own_waiter;
	int rc, saved;

	ps.copy = malloc((n + 1) * sizeof(*ps.copy) + n * (sizeof(*ps.inos) + sizeof(*ps.driven)));
	if (!ps.copy) {
		errno = ENOMEM;
		return -1;
	}
	ps.inos = (ino_t *)(ps.copy + n + 1);
	ps.driven = (uint64_t *)(ps.inos + n);
	memset(ps.driven, 0, n * sizeof(*ps.driven));
	async_own_waiter = &ps.w;
	do {
		rc = poll_once(&ps, end < 0 ? -1 : deadline_left_ms(end), sigmask);
	} while (rc == 0 && (end < 0 || clock_now_ms() < end));
	saved = errno;
	async_own_waiter = outer;
	leave(&ps);
	free(ps.copy);
	errno = saved;
	return rc;
}
