/*
 * Background dials: a non-blocking connect() through a chain returns
 * EINPROGRESS at once, and one helper thread (started by the first such
 * connect, never at load) drives every pending chain of the process from one
 * poll loop, on its own duplicate of the program's socket; a program thread
 * whose poll() holds a pending socket steps its chain itself, on the
 * program's own number.
 *
 * Until its chain is done, the program must not see the socket as connected
 * (it is, to hop 1): the hooks hide its readiness from poll/select/epoll and
 * make what the program does next on it wait for the chain, or see its errno.
 *
 * State is kept by socket inode; the descriptor numbers the program holds
 * (the one it connected, and dup() copies) are marked in a bitmap so that
 * the hooks cost one load for every other descriptor. All of it is shared by
 * the threads of the process under one mutex; see async_conn.c.
 */
#ifndef SOCKSCHAIN_ASYNC_CONN_H
#define SOCKSCHAIN_ASYNC_CONN_H

#include "../../chain/dial.h"
#include "../../chain/spec.h"
#include "../common/config.h"

#include <poll.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/types.h>

/*
 * connect() on the non-blocking socket fd (inode ino, 0 if unknown) through
 * chain, with env's real calls: ASYNC_ON_THE_SPOT when the background cannot
 * take it, ASYNC_FAMILY_DOUBTED when the first hop was refused on a guessed
 * family (dial_report.family_doubted: nothing printed, the caller asks the
 * socket), else like connect(): 0, or -1 with errno (EINPROGRESS: under way).
 */
enum { ASYNC_ON_THE_SPOT = 1, ASYNC_FAMILY_DOUBTED = 2 };

int async_connect(const struct shim_config *cfg, const struct chain *chain,
		  const struct dial_env *env, int fd, ino_t ino, int family,
		  const struct endpoint *target);

/* Cheap, without a lock: whether fd may be a socket whose chain is pending or failed. */
bool async_marked(int fd);

/*
 * Before a call on a marked fd that needs its chain: waits until it is done
 * (bounded by its deadlines). 0: go on with the real call. -1 with errno: the
 * chain failed, and this call reports it (once, as the kernel does).
 */
int async_settle(int fd);

/*
 * getsockopt(SO_ERROR) on a marked fd, without waiting: true when it answered
 * *err itself, 0 while the chain is pending or the chain's errno (once); false
 * when the socket's own answer is the one to give.
 */
bool async_so_error(int fd, int *err);

/* Whether fd's chain is under way now (its readiness is hidden). */
bool async_pending(int fd);

/* close(fd): true when fd is the library's own and must stay open. */
bool async_before_close(int fd);

/* dup(): newfd is another name of oldfd's socket. */
void async_after_dup(int oldfd, int newfd);

/* epoll_ctl() on a pending fd: records the program's interest, registers it without
 * readiness events, and restores it when the chain is done. -1 when not pending. */
int async_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev, bool *handled);

/*
 * poll() for a set that holds pending sockets: they are left out, and the
 * wait ends early when a chain is done so that they are looked at again.
 * timeout_ms < 0: none. sigmask as ppoll's (NULL: poll()).
 */
int async_poll(struct pollfd *fds, nfds_t n, int timeout_ms, const sigset_t *sigmask);

/*
 * Before the program waits in a way that does not step chains (epoll_wait,
 * or poll() on other descriptors): the chains it just started, which the
 * helper leaves a moment to a poll() of the program, are the helper's now.
 */
void async_before_wait(void);

/* Whether any fd of fds may be pending (async_poll() finds out). */
bool async_any_marked(const struct pollfd *fds, nfds_t n);

#endif
