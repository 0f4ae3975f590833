/*
 * What the hooks ask of the background dials (async_conn.h): start one, wait
 * for one, follow close() and dup(), and hide a pending socket's readiness
 * in epoll sets until its chain is done.
 */
#define _GNU_SOURCE
#include "async_conn.h"
#include "hook_connect.h"

#include "../../chain/deadline.h"
#include "../common/dial_env.h"
#include "async_state.h"
#include "epoll_note.h"
#include "real.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


static struct conn *new_conn(const struct shim_config *cfg, const struct chain *chain, int fd,
			     ino_t ino, const struct endpoint *target)
{
	struct conn *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	/* The report and the job, most of its 20 kB, are dial_job_start()'s to set, as on the spot. */
	memset(c, 0, offsetof(struct conn, rep));
	c->ino = ino ? ino : fd_inode(fd);
	if (c->ino == 0) {
		free(c);
		return NULL;
	}
	c->own_fd = -1;	/* made when the helper takes the chain, or the program closes fd */
	c->fd = fd;
	c->refs = 1;
	c->cfg = cfg;
	c->chain = chain;
	c->target = *target;
	if (target->name) {
		snprintf(c->name, sizeof(c->name), "%s", target->name);
		c->target.name = c->name;
	}
	return c;
}

/*
 * Before the dial: the epoll set the program put fd in before connect() (as
 * nginx does) hides it too, filed so that conn_finish gives it back. The
 * kernel's accepting the MOD is the check that the set still holds this
 * socket under fd; an earlier set it is also in is left as it is.
 */
static void hide_registered(struct conn *c, int fd)
{
	struct epoll_reg r = { .fd = fd };
	struct epoll_event hidden;
	int saved = errno;

	if (!epoll_note_get(fd, &r.epfd, &r.ev))
		return;
	hidden = r.ev;
	hidden.events &= ~(uint32_t)READINESS;
	r.epino = fd_inode(r.epfd);
	if (r.epino && async_real_epoll_ctl(r.epfd, EPOLL_CTL_MOD, fd, &hidden) == 0)
		c->regs[c->nregs++] = r;
	errno = saved;
}

int async_connect(const struct shim_config *cfg, const struct chain *chain,
		  const struct dial_env *env, int fd, ino_t ino, int family,
		  const struct endpoint *target)
{
	struct conn *c;
	ino_t wake_ino;
	int64_t now;
	int rc, wake_fd;
	bool wake, doubted;

	if (fd < 0 || fd >= MARK_FDS)
		return ASYNC_ON_THE_SPOT;
	if (async_pending(fd)) {	/* connect() again, as some programs poll */
		errno = EALREADY;
		return -1;
	}
	if (async_marked(fd) && async_settle(fd) < 0)
		return -1;	/* the failure, reported like the kernel's */
	async_lock();
	rc = helper_start();
	async_unlock();
	if (rc < 0 || !(c = new_conn(cfg, chain, fd, ino, target)))
		return ASYNC_ON_THE_SPOT;
	hide_registered(c, fd);
	rc = dial_job_start(&c->job, fd, family, chain, env, &c->target, &c->rep);
	async_lock();
	if (rc != DIAL_PENDING) {
		/* done at once (a refused connect, a socketpair): as on the spot */
		doubted = rc < 0 && c->rep.family_doubted;
		conn_finish(c, rc);
		if (rc < 0)
			conn_free(c);
		async_unlock();
		if (doubted)
			return ASYNC_FAMILY_DOUBTED;
		if (rc < 0)
			errno = -rc;
		return rc < 0 ? -1 : 0;
	}
	c->id = ++async.last_id;
	/*
	 * A program that polls right after connect() steps the chain itself;
	 * the helper takes it if nobody did by then.
	 */
	now = clock_now_ms();
	c->adopt_at = now + ADOPT_AFTER_MS;
	async.last_connect_ms = now;
	/* Napping, the helper looks soon enough by itself; asleep for long, it needs a wake. */
	wake = async.helper_looks_by > now + HELPER_NAP_MS + 1;	/* +1: as plan_round rounds */
	__atomic_store_n(&async.fresh, true, __ATOMIC_RELAXED);
	c->next = async.conns;
	async.conns = c;
	bit_set(async.marks, fd, true);
	wake_fd = async.wake_fd;
	wake_ino = async.wake_ino;
	async_unlock();
	if (wake)
		fd_poke(wake_fd, wake_ino);	/* past the lock, which the helper wants at once */
	errno = EINPROGRESS;
	return -1;
}

/* Under lock: waits while fd's chain is pending. Its connection after, or NULL. */
static struct conn *wait_for_chain(int fd)
{
	ino_t ino = fd_inode(fd);
	struct conn *c;
	struct timespec until;
	int64_t deadline;

	while ((c = conn_find(ino)) && c->state == CONN_PENDING) {
		hand_over(c);
		deadline = c->job.deadline + SETTLE_SLACK_MS;
		until.tv_sec = deadline / 1000;
		until.tv_nsec = (deadline % 1000) * 1000000;
		if (pthread_cond_timedwait(&async.done, &async.lock, &until) == ETIMEDOUT &&
		    clock_now_ms() >= deadline)
			break;	/* the helper is late: the caller sees it still pending */
	}
	if (!c)
		bit_set(async.marks, fd, false);	/* done, or never ours: no more looking */
	return c;
}

int async_settle(int fd)
{
	struct conn *c;
	int err = 0;

	async_lock();
	c = wait_for_chain(fd);
	if (c && c->state == CONN_FAILED) {
		err = c->err;	/* told once; then the socket is a plain unconnected one */
		conn_free(c);
		bit_set(async.marks, fd, false);
	} else if (c) {
		err = EAGAIN;
	}
	async_unlock();
	if (!err)
		return 0;
	errno = err;
	return -1;
}

bool async_so_error(int fd, int *err)
{
	struct conn *c;
	bool listed, pending;
	int saved = errno;

	async_lock();
	c = conn_find(fd_inode(fd));
	listed = c != NULL;
	pending = listed && c->state == CONN_PENDING;
	/*
	 * A chain under way is a connect in progress, for which the kernel says 0
	 * at once: programs ask right after connect() (Chromium does, for every
	 * socket), and waiting here would take the connects of a loop in turns.
	 */
	if (pending) {
		*err = 0;
	} else if (listed) {
		*err = c->err;	/* told once; then the socket is a plain unconnected one */
		conn_free(c);
	}
	if (!pending)
		bit_set(async.marks, fd, false);	/* done, or never ours: no more looking */
	async_unlock();
	errno = saved;
	return listed;
}

bool async_pending(int fd)
{
	struct conn *c;
	bool pending;

	if (!async_marked(fd))
		return false;
	async_lock();
	c = conn_find(fd_inode(fd));
	pending = c && c->state == CONN_PENDING;
	if (!c)
		bit_set(async.marks, fd, false);	/* done, or never ours: no more looking */
	async_unlock();
	return pending;
}

bool async_any_marked(const struct pollfd *fds, nfds_t n)
{
	nfds_t i;

	for (i = 0; i < n; i++)
		if (async_marked(fds[i].fd))
			return true;
	return false;
}

/* Under lock: the program no longer watches fd in any epoll set, for c. */
static void forget_regs(struct conn *c, int fd)
{
	unsigned i = 0;

	while (i < c->nregs) {
		struct epoll_reg *r = &c->regs[i];

		if (r->fd != fd) {
			i++;
			continue;
		}
		if (fd_inode(r->epfd) == r->epino)
			async_real_epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL);
		*r = c->regs[--c->nregs];
	}
}

bool async_before_close(int fd)
{
	struct conn *c;

	if (!__atomic_load_n(&async.started, __ATOMIC_RELAXED))
		return false;
	if (async_inside)
		return false;
	if (bit_get(async.owned, fd))
		return true;	/* the helper's: a program closing everything must not take it */
	if (!bit_get(async.marks, fd))
		return false;
	async_lock();
	c = conn_find(fd_inode(fd));
	bit_set(async.marks, fd, false);
	if (c) {
		forget_regs(c, fd);
		if (--c->refs == 0)
			conn_cancel(c);
		else if (fd == c->fd && c->state == CONN_PENDING && !conn_own(c))
			helper_lost(c);	/* the chain was stepped on the number that goes now */
	}
	async_unlock();
	return false;
}

void async_after_dup(int oldfd, int newfd)
{
	struct conn *c;

	if (newfd < 0 || !async_marked(oldfd))
		return;
	async_lock();
	c = conn_find(fd_inode(oldfd));
	if (c && newfd < MARK_FDS) {
		c->refs++;
		bit_set(async.marks, newfd, true);
	}
	async_unlock();
}

/* Under lock: the record of c in epfd for fd, made if need be; NULL when full. */
static struct epoll_reg *reg_of(struct conn *c, int epfd, ino_t epino, int fd, bool make)
{
	unsigned i;

	for (i = 0; i < c->nregs; i++)
		if (c->regs[i].epino == epino && c->regs[i].fd == fd)
			return &c->regs[i];
	if (!make || c->nregs == MAX_EPOLL_REGS)
		return NULL;
	c->regs[c->nregs] = (struct epoll_reg){ .epfd = epfd, .epino = epino, .fd = fd };
	return &c->regs[c->nregs++];
}

int async_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev, bool *handled)
{
	struct epoll_event hidden;
	struct epoll_reg *r;
	struct conn *c;
	ino_t epino;
	int rc = 0;

	*handled = false;
	if (!async_marked(fd))
		return 0;
	epino = fd_inode(epfd);
	async_lock();
	c = conn_find(fd_inode(fd));
	if (!c || c->state != CONN_PENDING)
		goto out;
	if (op == EPOLL_CTL_DEL) {
		rc = async_real_epoll_ctl(epfd, op, fd, ev);
		if ((r = reg_of(c, epfd, epino, fd, false)))
			*r = c->regs[--c->nregs];
		*handled = true;
		goto out;
	}
	if ((op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD) || !ev ||
	    !(r = reg_of(c, epfd, epino, fd, true)))
		goto out;	/* the kernel says what it says; SO_ERROR still waits */
	hidden = *ev;
	hidden.events &= ~(uint32_t)READINESS;
	rc = async_real_epoll_ctl(epfd, op, fd, &hidden);
	if (rc == 0)
		r->ev = *ev;
	else
		*r = c->regs[--c->nregs];
	*handled = true;
out:
	async_unlock();
	return rc;
}

void async_before_wait(void)
{
	struct conn *c;

	int saved;

	if (!__atomic_load_n(&async.fresh, __ATOMIC_RELAXED) || async_inside)
		return;
	saved = errno;
	async_lock();
	for (c = async.conns; c; c = c->next)
		if (c->state == CONN_PENDING && c->drivers == 0)
			hand_over(c);
	__atomic_store_n(&async.fresh, false, __ATOMIC_RELAXED);
	async_unlock();
	errno = saved;
}
