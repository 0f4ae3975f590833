/*
 * The helper thread: started by the first background dial of a process
 * (never at load), it drives every pending chain from one poll loop, with
 * every signal blocked. After fork() the child has no helper: its pending
 * chains fail with ECONNABORTED there (the parent's helper goes on with the
 * socket they share), and its first background dial starts one of its own.
 */
#define _GNU_SOURCE
#include "async_state.h"

#include "../../chain/deadline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Under lock: a wake fd of the helper's own, made again when the program closed it. */
static void keep_wake_fd(void)
{
	if (async.wake_fd >= 0 && fd_inode(async.wake_fd) == async.wake_ino)
		return;
	if (async.wake_fd >= 0 && bit_get(async.owned, async.wake_fd))
		bit_set(async.owned, async.wake_fd, false);	/* not ours now: someone else's number */
	async.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	async.wake_ino = fd_inode(async.wake_fd);
	bit_set(async.owned, async.wake_fd, true);
	bit_set(async.marks, async.wake_fd, false);
}

void fd_drain(int fd, ino_t ino)
{
	uint64_t n;

	if (fd_inode(fd) == ino && read(fd, &n, sizeof(n)) < 0)
		(void)0;	/* nothing there: another woke it */
}

/* The helper's poll set: by inode, for a program thread may finish and free a connection meanwhile. */
struct round {
	struct pollfd *pfds;
	ino_t *inos;
	size_t cap, n;
};

/* Under lock: what the helper polls for next, and until when. Frees the cancelled. */
static int plan_round(struct round *r)
{
	int64_t now = clock_now_ms(), first = now + HELPER_IDLE_MS;
	struct conn *c, *next;
	size_t need = 1;
	bool fresh = false;

	for (c = async.conns; c; c = next) {
		next = c->next;
		if (c->state == CONN_CANCELLED)
			conn_free(c);
		else if (c->state == CONN_PENDING && c->drivers == 0)
			need++;
	}
	if (need > r->cap) {
		struct pollfd *p = realloc(r->pfds, need * sizeof(*p));
		ino_t *w = p ? realloc(r->inos, need * sizeof(*w)) : NULL;

		if (p)
			r->pfds = p;
		if (!w)
			return 0;	/* out of memory: the wake fd alone, then again */
		r->inos = w;
		r->cap = need;
	}
	r->pfds[0] = (struct pollfd){ .fd = async.wake_fd, .events = POLLIN };
	r->n = 1;
	for (c = async.conns; c; c = c->next) {
		if (c->state != CONN_PENDING || c->drivers > 0)
			continue;	/* done, or a poll() of the program steps it */
		if (c->adopt_at > now) {
			fresh = true;	/* not yet: the program may poll it itself */
			if (c->adopt_at < first)
				first = c->adopt_at;
			continue;
		}
		c->adopt_at = 0;
		if (!conn_own(c)) {
			helper_lost(c);
			continue;
		}
		r->pfds[r->n] = (struct pollfd){ .fd = c->own_fd, .events = c->job.events };
		r->inos[r->n++] = c->ino;
		if (c->job.deadline < first)
			first = c->job.deadline;
	}
	__atomic_store_n(&async.fresh, fresh, __ATOMIC_RELAXED);
	/* Connects coming one after another: a look now and then costs less than a wake each. */
	if (now - async.last_connect_ms < BUSY_MS && now + HELPER_NAP_MS < first)
		first = now + HELPER_NAP_MS;
	async.helper_looks_by = first + 1;
	return deadline_left_ms(first + 1);	/* +1: wake past the deadline, not just before */
}

/*
 * Under lock: the descriptor c's chain is stepped on is gone (close_range()
 * over everything), or no copy of it could be made. The socket may live on
 * under the program's own number: then it fails there, disconnected, rather
 * than stay half made.
 */
void helper_lost(struct conn *c)
{
	bit_set(async.owned, c->own_fd, false);
	c->own_fd = -1;
	if (fd_inode(c->fd) != c->ino) {
		c->state = CONN_CANCELLED;
		return;
	}
	conn_disconnect(c->fd);
	c->state = CONN_FAILED;
	c->err = ECONNABORTED;
	conn_rearm(c);
	pthread_cond_broadcast(&async.done);
	waiters_notify();
}

/*
 * Under lock: one pending connection after poll said revents. fd_checked:
 * the descriptor it is stepped on is the number the program polls, found to
 * name the socket when its poll() began; a close() by another thread since
 * would have moved the chain to the helper's copy (async_before_close), so
 * its inode need not be asked again.
 */
void helper_step(struct conn *c, short revents, bool fd_checked)
{
	int rc;

	if (c->state != CONN_PENDING)
		return;
	if (!fd_checked && !conn_fd_valid(c)) {
		helper_lost(c);
		return;
	}
	if (revents == 0 && clock_now_ms() < c->job.deadline)
		return;
	rc = dial_job_step(&c->job, revents & POLLNVAL ? -EBADF : revents);
	if (rc != DIAL_PENDING)
		conn_finish(c, rc);
}

/*
 * The round's poll, then the lock. A look that found nothing due (a nap, or a
 * deadline) does not queue for the lock behind a program thread stepping its
 * own chain: it looks again a moment later, rather than make both threads
 * sleep and wake in the kernel.
 */
static int wait_round(struct round *r, int timeout)
{
	int n = async_real_poll(r->pfds, r->n, timeout);

	while (n == 0 && !async_trylock())
		n = async_real_poll(r->pfds, r->n, HELPER_RETRY_MS);
	if (n != 0)
		async_lock();
	return n;
}

static void *helper(void *arg)
{
	struct round r = { 0 };
	struct conn *c;
	int timeout, n;
	size_t i;

	(void)arg;
	async_inside = 1;	/* for good: every call it makes is the library's own */
	async_lock();
	for (;;) {
		keep_wake_fd();
		timeout = plan_round(&r);
		async_unlock();
		n = wait_round(&r, timeout);
		if (n < 0)
			continue;	/* EINTR: signals are blocked, so only ENOMEM */
		if (r.pfds[0].revents & POLLIN)
			fd_drain(r.pfds[0].fd, async.wake_ino);
		for (i = 1; i < r.n; i++)
			if ((c = conn_find(r.inos[i])) && c->own_fd == r.pfds[i].fd &&
			    c->drivers == 0)
				helper_step(c, r.pfds[i].revents, false);
	}
	return NULL;
}

static void before_fork(void)
{
	async_lock();
}

static void parent_after_fork(void)
{
	async_unlock();
}

/* The child: no helper. Its copies of the helper's descriptors go; its pending chains fail. */
static void child_after_fork(void)
{
	struct conn *c;

	for (c = async.conns; c; c = c->next) {
		if (c->own_fd >= 0)
			async_real_close(c->own_fd);
		c->own_fd = -1;
		if (c->state == CONN_PENDING) {
			c->state = CONN_FAILED;
			c->err = ECONNABORTED;
			c->nregs = 0;
		}
	}
	if (async.wake_fd >= 0)
		async_real_close(async.wake_fd);
	async.wake_fd = -1;
	memset(async.owned, 0, sizeof(async.owned));
	async.waiters = NULL;
	async.helper_pid = 0;
	async_unlock();
	done_cond_make();
}

/* Under lock: the helper of this process, started now if need be. 0 or -1. */
int helper_start(void)
{
	static bool fork_handlers;
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (async.helper_pid != 0)	/* reset in a forked child */
		return 0;
	pthread_once(&async.done_once, done_cond_make);
	keep_wake_fd();
	if (async.wake_fd < 0)
		return -1;
	if (!fork_handlers && pthread_atfork(before_fork, parent_after_fork, child_after_fork) != 0)
		return -1;
	fork_handlers = true;
	sigfillset(&all);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_sigmask(SIG_SETMASK, &all, &old);	/* the program's handlers never run in it */
	rc = pthread_create(&t, &attr, helper, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return -1;
	async.helper_pid = getpid();
	__atomic_store_n(&async.started, true, __ATOMIC_RELAXED);
	return 0;
}
