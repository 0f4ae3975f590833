/*
 * What the background dials of one process share (async_conn.h): the list of
 * connections whose chain is pending or failed-but-not-yet-reported, the
 * poll() calls waiting for any chain to finish, the helper thread's wake
 * eventfd, and the bitmaps of descriptor numbers, all under async.lock.
 *
 * A connection is found by its socket's inode, so that dup() copies find it
 * and a new socket reusing a closed number does not. Program threads wait on
 * async.done for a chain. A chain is stepped on the program's own number
 * while the program's poll() steps it; the helper works on its own duplicate
 * (own_fd), made when it takes the chain or when the program closes its
 * number, so that a close() by the program can never make it write to a
 * descriptor that now names something else. Before each step the
 * descriptor's inode is checked, for programs that close every descriptor.
 *
 * A program thread whose poll() holds a pending socket steps that chain
 * itself (conn.drivers) and the helper keeps off it: two threads woken by
 * each reply would only take turns at the lock. So a new chain is left to
 * the program for ADOPT_AFTER_MS, unless it waits another way first.
 *
 * async_state.c: the table; async_helper.c: the helper thread and fork;
 * async_conn.c: what the hooks ask; async_poll.c: poll() around pending sockets;
 * epoll_note.c: the epoll sets the program put its sockets in.
 */
#ifndef SOCKSCHAIN_ASYNC_STATE_H
#define SOCKSCHAIN_ASYNC_STATE_H

#include "../../chain/dial_job.h"
#include "../common/config.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/types.h>

#define MARK_FDS 65536			/* descriptors above are dialed on the spot */
#define MAX_EPOLL_REGS 4		/* epoll sets one pending socket can be in, tracked */
#define HELPER_IDLE_MS 1000		/* the helper looks at its wake fd at least this often */
#define SETTLE_SLACK_MS 1000		/* a waiter gives the helper this long past a deadline */
#define ADOPT_AFTER_MS 1		/* a new chain nobody waits for is the helper's after this */
#define HELPER_NAP_MS 5			/* while connects keep coming, the helper looks this often */
#define HELPER_RETRY_MS 1		/* a look that found the lock taken comes again this soon */
#define BUSY_MS 100			/* connects this close together keep it napping, not woken */
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
	uint64_t id;			/* never reused, unlike a freed conn's address */
	ino_t ino;
	int fd;				/* the program's number: the one it connected, or a copy once that went unseen */
	int own_fd;			/* the helper's duplicate; -1 until needed, and once done */
	unsigned refs;			/* the program's descriptors of it we know */
	unsigned drivers;		/* program threads stepping it from their poll(): the helper keeps off */
	int64_t adopt_at;		/* until then the helper leaves it to the program's poll(); 0: now */
	enum conn_state state;
	int err;			/* CONN_FAILED: what the program is told, once */
	const struct shim_config *cfg;
	const struct chain *chain;
	struct endpoint target;
	char name[256];
	struct epoll_reg regs[MAX_EPOLL_REGS];
	unsigned nregs;
	/* Last, and set by dial_job_start(): new_conn() zeroes only what comes before. */
	struct dial_report rep;
	struct dial_job job;
};

/* A poll() of the program waiting while some of its sockets are pending. */
struct waiter {
	struct waiter *next;
	int efd;
	ino_t ino;
};


struct async_state {
	pthread_mutex_t lock;
	pthread_cond_t done;		/* a chain is done; CLOCK_MONOTONIC, made once */
	pthread_once_t done_once;
	struct conn *conns;
	uint64_t last_id;
	bool fresh;			/* some chain is not yet the helper's: waits must hand it over */
	int64_t last_connect_ms;	/* the latest background dial's start */
	int64_t helper_looks_by;	/* when the helper, asleep, looks at the list again */
	struct waiter *waiters;
	int wake_fd;
	ino_t wake_ino;
	pid_t helper_pid;		/* whose helper runs: another pid after fork */
	/* Read without the lock: a bit per descriptor the program holds of a listed socket. */
	uint64_t marks[MARK_FDS / 64];
	uint64_t owned[MARK_FDS / 64];	/* the helper's descriptors */
	struct epoll_note *notes;	/* epoll_note.h: made once, never freed; no lock */
	bool started;			/* a helper was started once: the hooks look */
};

extern struct async_state async;

/*
 * Per thread: within the library's own work (under async.lock, or the
 * helper), where the hooks must not look at marks: a stale mark on a number
 * the library reuses would have it wait for itself.
 */
extern __thread unsigned async_inside __attribute__((tls_model("initial-exec")));

/* Per thread: the waiter of this thread's poll(), which needs no waking by itself. */
extern __thread struct waiter *async_own_waiter __attribute__((tls_model("initial-exec")));

void async_lock(void);
bool async_trylock(void);
void async_unlock(void);

int async_real_poll(struct pollfd *fds, nfds_t n, int timeout);
int async_real_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		     const sigset_t *mask);
int async_real_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int async_real_close(int fd);

void bit_set(uint64_t *map, int fd, bool on);
bool bit_get(const uint64_t *map, int fd);
ino_t fd_inode(int fd);
void fd_drain(int fd, ino_t ino);
/* Wakes the eventfd fd, unless the number no longer names inode ino. */
void fd_poke(int fd, ino_t ino);
void own_close(int fd);
void done_cond_make(void);

/* The rest under async.lock. */
struct conn *conn_find(ino_t ino);
int conn_fd(const struct conn *c);
bool conn_fd_valid(struct conn *c);
bool conn_own(struct conn *c);
struct conn *conn_by_id(uint64_t id);
void conn_free(struct conn *c);
void conn_rearm(struct conn *c);
void conn_disconnect(int fd);
void conn_finish(struct conn *c, int rc);
void conn_cancel(struct conn *c);
void helper_wake(void);
void hand_over(struct conn *c);
void waiters_notify(void);
int helper_start(void);
void helper_step(struct conn *c, short revents, bool fd_checked);
void helper_lost(struct conn *c);

#endif
