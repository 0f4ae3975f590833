/*
 * The background dials of one process.
 *
 * Shared state, under `lock`: the list of connections whose chain is pending
 * or failed-but-not-yet-reported, the poll() calls waiting for any chain to
 * finish (waiters), and the helper thread's wake eventfd. A connection is
 * found by its socket's inode, so that dup() copies find it and a new socket
 * reusing a closed number does not. Program threads wait on `done` for a
 * chain; the helper alone frees a connection it has polled.
 *
 * The helper works on its own duplicate (own_fd) of the program's socket, so
 * that a close() by the program can never make it write to a descriptor that
 * now names something else; before each step it checks own_fd's inode, for
 * programs that close every descriptor. It blocks every signal.
 *
 * After fork() the child has no helper: its pending chains fail with
 * ECONNABORTED there (the parent's helper goes on with the socket they
 * share), and its first background dial starts a helper of its own.
 */
#define _GNU_SOURCE
#include "async_conn.h"

#include "../../chain/deadline.h"
#include "../../chain/dial_job.h"
#include "../common/hop_memory.h"
#include "../common/trace.h"
#include "peer_table.h"
#include "real.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MARK_FDS 65536			/* descriptors above are dialed on the spot */
#define MAX_EPOLL_REGS 4		/* epoll sets one pending socket can be in, tracked */
#define HELPER_IDLE_MS 1000		/* the helper looks at its wake fd at least this often */
#define SETTLE_SLACK_MS 1000		/* a waiter gives the helper this long past a deadline */
#define READINESS (EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM | EPOLLPRI)

enum conn_state { CONN_PENDING, CONN_FAILED, CONN_CANCELLED };

/* The program's interest in a pending socket, in one epoll set. */
struct epoll_reg {
	int epfd;
	ino_t epino;
	int fd;
	struct epoll_event ev;
};

struct conn {
	struct conn *next;
	ino_t ino;
	int fd;				/* the program's number, when it connected */
	int own_fd;			/* the helper's duplicate; -1 once done */
	unsigned refs;			/* the program's descriptors of it we know */
	enum conn_state state;
	int err;			/* CONN_FAILED: what the program is told, once */
	const struct shim_config *cfg;
	const struct chain *chain;
	struct endpoint target;
	char name[256];
	struct epoll_reg regs[MAX_EPOLL_REGS];
	unsigned nregs;
	struct dial_report rep;
	struct dial_job job;
};

/* A poll() of the program waiting while some of its sockets are pending. */
struct waiter {
	struct waiter *next;
	int efd;
	ino_t ino;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done;		/* CLOCK_MONOTONIC, made once */
static pthread_once_t done_once = PTHREAD_ONCE_INIT;
static struct conn *conns;
static struct waiter *waiters;
static int wake_fd = -1;
static ino_t wake_ino;
static pid_t helper_pid;		/* whose helper runs: another pid after fork */
/* Read without the lock: a bit per descriptor the program holds of a listed socket. */
static uint64_t marks[MARK_FDS / 64];
static uint64_t owned[MARK_FDS / 64];	/* the helper's descriptors */
static bool started;
/*
 * Per thread: inside the library's own work (under `lock`, or the helper),
 * where the hooks must not look at marks: a stale mark on a number the
 * library reuses would have it wait for itself.
 */
static __thread unsigned inside;

static void lock_all(void)
{
	pthread_mutex_lock(&lock);
	inside++;
}

static void unlock_all(void)
{
	inside--;
	pthread_mutex_unlock(&lock);
}

typedef int (*poll_t)(struct pollfd *, nfds_t, int);
typedef int (*ppoll_t)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
typedef int (*epoll_ctl_t)(int, int, int, struct epoll_event *);

static int real_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	REAL(poll_t, poll);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(fds, n, timeout);
}

static int real_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		      const sigset_t *mask)
{
	REAL(ppoll_t, ppoll);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(fds, n, ts, mask);
}

static int real_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
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
static int real_close(int fd)
{
	REAL(close_t, close);

	return fn ? fn(fd) : -1;
}

static void set_bit(uint64_t *map, int fd, bool on)
{
	uint64_t bit = 1ull << (fd % 64);

	if (fd < 0 || fd >= MARK_FDS)
		return;
	if (on)
		__atomic_fetch_or(&map[fd / 64], bit, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&map[fd / 64], ~bit, __ATOMIC_RELEASE);
}

static bool get_bit(const uint64_t *map, int fd)
{
	return fd >= 0 && fd < MARK_FDS &&
	       (__atomic_load_n(&map[fd / 64], __ATOMIC_ACQUIRE) >> (fd % 64)) & 1;
}

bool async_marked(int fd)
{
	return __atomic_load_n(&started, __ATOMIC_RELAXED) && !inside && get_bit(marks, fd);
}

static void close_own(int fd)
{
	set_bit(owned, fd, false);
	real_close(fd);
}

static ino_t inode_of(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 ? st.st_ino : 0;
}

static void make_done_cond(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&done, &attr);
	pthread_condattr_destroy(&attr);
}

/* Under lock: the listed connection of socket ino, or NULL. */
static struct conn *find_ino(ino_t ino)
{
	struct conn *c;

	for (c = conns; ino && c; c = c->next)
		if (c->ino == ino && c->state != CONN_CANCELLED)
			return c;
	return NULL;
}

static void unlink_conn(struct conn *gone)
{
	struct conn **p;

	for (p = &conns; *p; p = &(*p)->next)
		if (*p == gone) {
			*p = gone->next;
			return;
		}
}

static void free_conn(struct conn *c)
{
	unlink_conn(c);
	dial_job_end(&c->job);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

/* Under lock: pokes the helper, unless its wake fd is no longer its own. */
static void wake_helper(void)
{
	uint64_t one = 1;

	if (wake_fd >= 0 && inode_of(wake_fd) == wake_ino &&
	    write(wake_fd, &one, sizeof(one)) < 0)
		(void)0;	/* full: it is awake already */
}

/* Under lock: every poll() hiding a pending socket looks again. */
static void notify_waiters(void)
{
	uint64_t one = 1;
	struct waiter *w;

	for (w = waiters; w; w = w->next)
		if (inode_of(w->efd) == w->ino && write(w->efd, &one, sizeof(one)) < 0)
			(void)0;	/* full: it will wake anyway */
}

/* The program's epoll interest, back as it asked: a new edge if the socket is ready. */
static void rearm(struct conn *c)
{
	unsigned i;

	for (i = 0; i < c->nregs; i++) {
		struct epoll_reg *r = &c->regs[i];

		if (inode_of(r->epfd) == r->epino && inode_of(r->fd) == c->ino)
			real_epoll_ctl(r->epfd, EPOLL_CTL_MOD, r->fd, &r->ev);
	}
	c->nregs = 0;
}

static void disconnect(int fd)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	real_connect(fd, &unspec, sizeof(unspec));
}

/* The chain is done (rc 0) or failed: like a dial on the spot, then the program may look. */
static void finish(struct conn *c, int rc)
{
	int saved = errno;

	if (rc == 0) {
		peer_table_remember(c->own_fd, &c->chain->hops[c->rep.path[0]].addr,
				    &c->target.addr);
		trace_connected(c->cfg, c->chain, &c->target, &c->rep);
	} else {
		if (rc != -EISCONN && rc != -EALREADY)
			disconnect(c->own_fd);	/* nothing may flow past a failed chain */
		trace_failed(c->cfg, c->chain, &c->target, &c->rep, -rc);
	}
	close_own(c->own_fd);
	c->own_fd = -1;
	rearm(c);
	if (rc == 0) {
		free_conn(c);
	} else {
		c->state = CONN_FAILED;
		c->err = -rc;
		dial_job_end(&c->job);
	}
	pthread_cond_broadcast(&done);
	notify_waiters();
	errno = saved;
}

/* Under lock, in the program's thread: nobody holds the socket any more. */
static void cancel(struct conn *c)
{
	if (c->state != CONN_PENDING) {
		free_conn(c);
		return;
	}
	close_own(c->own_fd);
	c->own_fd = -1;
	c->state = CONN_CANCELLED;	/* the helper frees it */
	wake_helper();
}

/* Under lock: a wake fd of the helper's own, made again when the program closed it. */
static void keep_wake_fd(void)
{
	if (wake_fd >= 0 && inode_of(wake_fd) == wake_ino)
		return;
	if (wake_fd >= 0 && get_bit(owned, wake_fd))
		set_bit(owned, wake_fd, false);	/* not ours now: someone else's number */
	wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	wake_ino = inode_of(wake_fd);
	set_bit(owned, wake_fd, true);
	set_bit(marks, wake_fd, false);
}

static void drain(int fd, ino_t ino)
{
	uint64_t n;

	if (inode_of(fd) == ino && read(fd, &n, sizeof(n)) < 0)
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
	int64_t first = clock_now_ms() + HELPER_IDLE_MS;
	struct conn *c, *next;
	size_t need = 1;

	for (c = conns; c; c = next) {
		next = c->next;
		if (c->state == CONN_CANCELLED)
			free_conn(c);
		else if (c->state == CONN_PENDING)
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
	r->pfds[0] = (struct pollfd){ .fd = wake_fd, .events = POLLIN };
	r->n = 1;
	for (c = conns; c; c = c->next) {
		if (c->state != CONN_PENDING)
			continue;
		r->pfds[r->n] = (struct pollfd){ .fd = c->own_fd, .events = c->job.events };
		r->inos[r->n++] = c->ino;
		if (c->job.deadline < first)
			first = c->job.deadline;
	}
	return deadline_left_ms(first + 1);	/* +1: wake past the deadline, not just before */
}

/*
 * Under lock: the program closed the helper's descriptor (close_range() over
 * everything). The socket may live on under the program's own number: then
 * it fails there, disconnected, rather than stay half made.
 */
static void lost(struct conn *c)
{
	set_bit(owned, c->own_fd, false);
	c->own_fd = -1;
	if (inode_of(c->fd) != c->ino) {
		c->state = CONN_CANCELLED;
		return;
	}
	disconnect(c->fd);
	c->state = CONN_FAILED;
	c->err = ECONNABORTED;
	rearm(c);
	pthread_cond_broadcast(&done);
	notify_waiters();
}

/* Under lock: one pending connection after poll said revents. */
static void step(struct conn *c, short revents)
{
	int rc;

	if (c->state != CONN_PENDING)
		return;
	if (inode_of(c->own_fd) != c->ino) {
		lost(c);
		return;
	}
	if (revents == 0 && clock_now_ms() < c->job.deadline)
		return;
	rc = dial_job_step(&c->job, revents & POLLNVAL ? -EBADF : revents);
	if (rc != DIAL_PENDING)
		finish(c, rc);
}

static void *helper(void *arg)
{
	struct round r = { 0 };
	struct conn *c;
	int timeout, n;
	size_t i;

	(void)arg;
	inside = 1;	/* for good: every call it makes is the library's own */
	lock_all();
	for (;;) {
		keep_wake_fd();
		timeout = plan_round(&r);
		unlock_all();
		n = real_poll(r.pfds, r.n, timeout);
		lock_all();
		if (n < 0)
			continue;	/* EINTR: signals are blocked, so only ENOMEM */
		if (r.pfds[0].revents & POLLIN)
			drain(r.pfds[0].fd, wake_ino);
		for (i = 1; i < r.n; i++)
			if ((c = find_ino(r.inos[i])) && c->own_fd == r.pfds[i].fd)
				step(c, r.pfds[i].revents);
	}
	return NULL;
}

static void before_fork(void)
{
	lock_all();
}

static void parent_after_fork(void)
{
	unlock_all();
}

/* The child: no helper. Its copies of the helper's descriptors go; its pending chains fail. */
static void child_after_fork(void)
{
	struct conn *c;

	for (c = conns; c; c = c->next) {
		if (c->own_fd >= 0)
			real_close(c->own_fd);
		c->own_fd = -1;
		if (c->state == CONN_PENDING) {
			c->state = CONN_FAILED;
			c->err = ECONNABORTED;
			c->nregs = 0;
		}
	}
	if (wake_fd >= 0)
		real_close(wake_fd);
	wake_fd = -1;
	memset(owned, 0, sizeof(owned));
	waiters = NULL;
	helper_pid = 0;
	unlock_all();
	make_done_cond();
}

/* Under lock: the helper of this process, started now if need be. 0 or -1. */
static int start_helper(void)
{
	static bool fork_handlers;
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (helper_pid == getpid())
		return 0;
	pthread_once(&done_once, make_done_cond);
	keep_wake_fd();
	if (wake_fd < 0)
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
	helper_pid = getpid();
	__atomic_store_n(&started, true, __ATOMIC_RELAXED);
	return 0;
}

static void fill_env(const struct shim_config *cfg, const struct chain *chain,
		     struct dial_env *env)
{
	*env = (struct dial_env){
		.health = hop_memory(),
		.chain_index = (unsigned)(chain - cfg->chain.chains),
		.seed = cfg->seed,
		.retry_after_ms = cfg->chain.retry_after_ms,
		.do_connect = real_connect,
	};
}

static struct conn *new_conn(const struct shim_config *cfg, const struct chain *chain, int fd,
			     const struct endpoint *target)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->own_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	c->ino = inode_of(c->own_fd);
	if (c->own_fd < 0 || c->own_fd >= MARK_FDS || c->ino == 0) {
		if (c->own_fd >= 0)
			real_close(c->own_fd);
		free(c);
		return NULL;
	}
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

int async_connect(const struct shim_config *cfg, const struct chain *chain, int fd, int family,
		  const struct endpoint *target)
{
	struct dial_env env;
	struct conn *c;
	int rc;

	if (fd < 0 || fd >= MARK_FDS)
		return 1;
	if (async_pending(fd)) {	/* connect() again, as some programs poll */
		errno = EALREADY;
		return -1;
	}
	if (async_marked(fd) && async_settle(fd) < 0)
		return -1;	/* the failure, reported like the kernel's */
	lock_all();
	rc = start_helper();
	unlock_all();
	if (rc < 0 || !(c = new_conn(cfg, chain, fd, target)))
		return 1;
	fill_env(cfg, chain, &env);
	rc = dial_job_start(&c->job, c->own_fd, family, chain, &env, &c->target, &c->rep);
	lock_all();
	set_bit(owned, c->own_fd, true);
	set_bit(marks, c->own_fd, false);	/* a number the program closed unseen */
	if (rc != DIAL_PENDING) {
		/* done at once (a refused connect, a socketpair): as on the spot */
		finish(c, rc);
		if (rc < 0)
			free_conn(c);
		unlock_all();
		if (rc < 0)
			errno = -rc;
		return rc < 0 ? -1 : 0;
	}
	c->next = conns;
	conns = c;
	set_bit(marks, fd, true);
	wake_helper();
	unlock_all();
	errno = EINPROGRESS;
	return -1;
}

/* Under lock: waits while fd's chain is pending. Its connection after, or NULL. */
static struct conn *wait_for_chain(int fd)
{
	ino_t ino = inode_of(fd);
	struct conn *c;
	struct timespec until;
	int64_t deadline;

	while ((c = find_ino(ino)) && c->state == CONN_PENDING) {
		deadline = c->job.deadline + SETTLE_SLACK_MS;
		until.tv_sec = deadline / 1000;
		until.tv_nsec = (deadline % 1000) * 1000000;
		if (pthread_cond_timedwait(&done, &lock, &until) == ETIMEDOUT &&
		    clock_now_ms() >= deadline)
			break;	/* the helper is late: the caller sees it still pending */
	}
	if (!c)
		set_bit(marks, fd, false);	/* done, or never ours: no more looking */
	return c;
}

int async_settle(int fd)
{
	struct conn *c;
	int err = 0;

	lock_all();
	c = wait_for_chain(fd);
	if (c && c->state == CONN_FAILED) {
		err = c->err;	/* told once; then the socket is a plain unconnected one */
		free_conn(c);
		set_bit(marks, fd, false);
	} else if (c) {
		err = EAGAIN;
	}
	unlock_all();
	if (!err)
		return 0;
	errno = err;
	return -1;
}

void async_so_error(int fd, int *err)
{
	int saved = errno;

	*err = async_settle(fd) < 0 ? errno : 0;
	errno = saved;
}

bool async_pending(int fd)
{
	struct conn *c;
	bool pending;

	if (!async_marked(fd))
		return false;
	lock_all();
	c = find_ino(inode_of(fd));
	pending = c && c->state == CONN_PENDING;
	unlock_all();
	return pending;
}

bool async_any_pending(const struct pollfd *fds, nfds_t n)
{
	nfds_t i;

	for (i = 0; i < n; i++)
		if (async_marked(fds[i].fd) && async_pending(fds[i].fd))
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
		if (inode_of(r->epfd) == r->epino)
			real_epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL);
		*r = c->regs[--c->nregs];
	}
}

bool async_before_close(int fd)
{
	struct conn *c;

	if (!__atomic_load_n(&started, __ATOMIC_RELAXED))
		return false;
	if (inside)
		return false;
	if (get_bit(owned, fd))
		return true;	/* the helper's: a program closing everything must not take it */
	if (!get_bit(marks, fd))
		return false;
	lock_all();
	c = find_ino(inode_of(fd));
	set_bit(marks, fd, false);
	if (c) {
		forget_regs(c, fd);
		if (--c->refs == 0)
			cancel(c);
	}
	unlock_all();
	return false;
}

void async_after_dup(int oldfd, int newfd)
{
	struct conn *c;

	if (newfd < 0 || !async_marked(oldfd))
		return;
	lock_all();
	c = find_ino(inode_of(oldfd));
	if (c && newfd < MARK_FDS) {
		c->refs++;
		set_bit(marks, newfd, true);
	}
	unlock_all();
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
	epino = inode_of(epfd);
	lock_all();
	c = find_ino(inode_of(fd));
	if (!c || c->state != CONN_PENDING)
		goto out;
	if (op == EPOLL_CTL_DEL) {
		rc = real_epoll_ctl(epfd, op, fd, ev);
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
	rc = real_epoll_ctl(epfd, op, fd, &hidden);
	if (rc == 0)
		r->ev = *ev;
	else
		*r = c->regs[--c->nregs];
	*handled = true;
out:
	unlock_all();
	return rc;
}

static void add_waiter(struct waiter *w)
{
	lock_all();
	w->next = waiters;
	waiters = w;
	unlock_all();
}

static void remove_waiter(struct waiter *w)
{
	struct waiter **p;

	lock_all();
	for (p = &waiters; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	unlock_all();
}

/*
 * Under lock: what to poll in place of the program's fd: the helper's
 * descriptor, for what its chain waits on. Its inode, or 0 when not pending.
 */
static ino_t stand_in(int fd, struct pollfd *pfd)
{
	struct conn *c;

	if (!get_bit(marks, fd) || !(c = find_ino(inode_of(fd))) || c->state != CONN_PENDING)
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

	lock_all();
	for (i = 0; i < n; i++) {
		copy[i] = fds[i];
		inos[i] = stand_in(fds[i].fd, &copy[i]);
	}
	unlock_all();
	copy[n] = (struct pollfd){ .fd = w->efd, .events = POLLIN };
	rc = sigmask ? real_ppoll(copy, n + 1, timeout_ms < 0 ? NULL : &ts, sigmask)
		     : real_poll(copy, n + 1, timeout_ms);
	if (rc < 0)
		return -1;
	lock_all();
	for (i = 0; i < n; i++) {
		fds[i].revents = inos[i] ? 0 : copy[i].revents;
		visible += fds[i].revents != 0;
		if (inos[i] && copy[i].revents && (c = find_ino(inos[i])) &&
		    c->own_fd == copy[i].fd)
			step(c, copy[i].revents);
	}
	unlock_all();
	*woken = copy[n].revents != 0;
	if (*woken)
		drain(w->efd, w->ino);
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
	w.ino = inode_of(w.efd);
	if (!copy || w.efd < 0) {
		free(copy);
		if (w.efd >= 0)
			real_close(w.efd);
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
	real_close(w.efd);
	free(copy);
	errno = saved;
	return rc;
}
