#define _GNU_SOURCE
#include "async_state.h"

#include "../../chain/deadline.h"
#include "../common/trace.h"
#include "async_conn.h"
#include "peer_table.h"
#include "real.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct async_state async = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.done_once = PTHREAD_ONCE_INIT,
	.wake_fd = -1,
};
/*
 * Read by every hook: initial-exec, since the library is loaded with the
 * program, puts them in the static TLS block, reached without a call to
 * __tls_get_addr each time.
 */
__thread unsigned async_inside __attribute__((tls_model("initial-exec")));
__thread struct waiter *async_own_waiter __attribute__((tls_model("initial-exec")));

void async_lock(void)
{
	pthread_mutex_lock(&async.lock);
	async_inside++;
}

bool async_trylock(void)
{
	if (pthread_mutex_trylock(&async.lock) != 0)
		return false;
	async_inside++;
	return true;
}

void async_unlock(void)
{
	async_inside--;
	pthread_mutex_unlock(&async.lock);
}

typedef int (*poll_t)(struct pollfd *, nfds_t, int);
typedef int (*ppoll_t)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
typedef int (*epoll_ctl_t)(int, int, int, struct epoll_event *);

int async_real_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	REAL(poll_t, poll);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(fds, n, timeout);
}

int async_real_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		      const sigset_t *mask)
{
	REAL(ppoll_t, ppoll);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(fds, n, ts, mask);
}

int async_real_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	REAL(epoll_ctl_t, epoll_ctl);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(epfd, op, fd, ev);
}

typedef int (*close_t)(int);

/* Our own descriptors, past the hook that keeps them from the program. */
int async_real_close(int fd)
{
	REAL(close_t, close);

	return fn ? fn(fd) : -1;
}

void bit_set(uint64_t *map, int fd, bool on)
{
	uint64_t bit = 1ull << (fd % 64);

	if (fd < 0 || fd >= MARK_FDS)
		return;
	if (on)
		__atomic_fetch_or(&map[fd / 64], bit, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&map[fd / 64], ~bit, __ATOMIC_RELEASE);
}

bool bit_get(const uint64_t *map, int fd)
{
	return fd >= 0 && fd < MARK_FDS &&
	       (__atomic_load_n(&map[fd / 64], __ATOMIC_ACQUIRE) >> (fd % 64)) & 1;
}

bool async_marked(int fd)
{
	return __atomic_load_n(&async.started, __ATOMIC_RELAXED) && !async_inside && bit_get(async.marks, fd);
}

void own_close(int fd)
{
	bit_set(async.owned, fd, false);
	async_real_close(fd);
}

ino_t fd_inode(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 ? st.st_ino : 0;
}

void done_cond_make(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&async.done, &attr);
	pthread_condattr_destroy(&attr);
}

/* Under lock: the listed connection of socket ino, or NULL. */
struct conn *conn_find(ino_t ino)
{
	struct conn *c;

	for (c = async.conns; ino && c; c = c->next)
		if (c->ino == ino && c->state != CONN_CANCELLED)
			return c;
	return NULL;
}

/* Under lock: the descriptor c's chain is stepped on: the helper's copy, else the program's number. */
int conn_fd(const struct conn *c)
{
	return c->own_fd >= 0 ? c->own_fd : c->fd;
}

/*
 * Under lock: when the number the program connected no longer names c's
 * socket (closed unseen, by close_range()), another the program holds of it
 * (a dup() copy, marked) takes its place. False when there is none.
 */
static bool conn_refind(struct conn *c)
{
	uint64_t word;
	int i, fd;

	for (i = 0; i < MARK_FDS / 64; i++) {
		for (word = __atomic_load_n(&async.marks[i], __ATOMIC_ACQUIRE); word; word &= word - 1) {
			fd = i * 64 + __builtin_ctzll(word);
			if (fd != c->fd && fd_inode(fd) == c->ino) {
				c->fd = fd;
				dial_job_move(&c->job, fd);	/* stepped on the program's number */
				return true;
			}
		}
	}
	return false;
}

/*
 * Under lock: whether the descriptor c's chain is stepped on still names its
 * socket; when that is the program's number and it went unseen, a copy the
 * program holds takes its place.
 */
bool conn_fd_valid(struct conn *c)
{
	return fd_inode(conn_fd(c)) == c->ino || (c->own_fd < 0 && conn_refind(c));
}

/*
 * Under lock: a copy of c's socket of the library's own, for the helper (the
 * program's number is the program's to close). False when the program's
 * number no longer names the socket, or no copy can be made.
 */
bool conn_own(struct conn *c)
{
	int fd;

	if (c->own_fd >= 0)
		return true;
	if (!conn_fd_valid(c))
		return false;
	fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 0);
	if (fd >= MARK_FDS) {
		async_real_close(fd);
		fd = -1;
	}
	if (fd < 0)
		return false;
	c->own_fd = fd;
	dial_job_move(&c->job, fd);
	bit_set(async.owned, fd, true);
	bit_set(async.marks, fd, false);	/* a number the program closed unseen */
	return true;
}

/* Under lock: the listed connection numbered id, or NULL once it is gone. */
struct conn *conn_by_id(uint64_t id)
{
	struct conn *c;

	for (c = async.conns; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

static void unlink_conn(struct conn *gone)
{
	struct conn **p;

	for (p = &async.conns; *p; p = &(*p)->next)
		if (*p == gone) {
			*p = gone->next;
			return;
		}
}

void conn_free(struct conn *c)
{
	unlink_conn(c);
	dial_job_end(&c->job);	/* wipes what it held of credentials */
	explicit_bzero(c, offsetof(struct conn, rep));
	free(c);
}

void fd_poke(int fd, ino_t ino)
{
	uint64_t one = 1;

	if (fd >= 0 && fd_inode(fd) == ino && write(fd, &one, sizeof(one)) < 0)
		(void)0;	/* full: it will wake anyway */
}

/* Under lock: pokes the helper, unless its wake fd is no longer its own. */
void helper_wake(void)
{
	fd_poke(async.wake_fd, async.wake_ino);
}

/* Under lock: c is the helper's at once (someone waits for it, but does not step it). */
void hand_over(struct conn *c)
{
	if (c->adopt_at == 0)
		return;
	c->adopt_at = 0;
	helper_wake();
}

/* Under lock: every poll() hiding a pending socket looks again (the calling thread's knows). */
void waiters_notify(void)
{
	struct waiter *w;

	for (w = async.waiters; w; w = w->next)
		if (w != async_own_waiter)
			fd_poke(w->efd, w->ino);
}

/* The program's epoll interest, back as it asked: a new edge if the socket is ready. */
void conn_rearm(struct conn *c)
{
	unsigned i;

	for (i = 0; i < c->nregs; i++) {
		struct epoll_reg *r = &c->regs[i];

		if (fd_inode(r->epfd) == r->epino && fd_inode(r->fd) == c->ino)
			async_real_epoll_ctl(r->epfd, EPOLL_CTL_MOD, r->fd, &r->ev);
	}
	c->nregs = 0;
}

void conn_disconnect(int fd)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	real_connect(fd, &unspec, sizeof(unspec));
}

/* The chain is done (rc 0) or failed: like a dial on the spot, then the program may look. */
void conn_finish(struct conn *c, int rc)
{
	int saved = errno;

	if (rc == 0) {
		peer_table_remember_inode(c->fd, c->ino, &c->rep.first_hop, &c->target.addr);
		trace_connected(c->cfg, c->chain, &c->target, &c->rep);
	} else if (rc != -EISCONN && rc != -EALREADY) {	/* those are the kernel's own answer */
		conn_disconnect(conn_fd(c));	/* nothing may flow past a failed chain */
		if (!c->rep.family_doubted)	/* its caller asks the socket (hook_connect.c) */
			trace_failed(c->cfg, c->chain, &c->target, &c->rep, -rc);
	}
	if (c->own_fd >= 0)
		own_close(c->own_fd);
	c->own_fd = -1;
	conn_rearm(c);
	if (rc == 0) {
		conn_free(c);
	} else {
		c->state = CONN_FAILED;
		c->err = -rc;
		dial_job_end(&c->job);
	}
	pthread_cond_broadcast(&async.done);
	waiters_notify();
	errno = saved;
}

/* Under lock, in the program's thread: nobody holds the socket any more. */
void conn_cancel(struct conn *c)
{
	if (c->state != CONN_PENDING) {
		conn_free(c);
		return;
	}
	if (c->own_fd >= 0)
		own_close(c->own_fd);
	c->own_fd = -1;
	c->state = CONN_CANCELLED;	/* the helper frees it */
	helper_wake();
}
