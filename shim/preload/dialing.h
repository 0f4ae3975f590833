/*
 * The connects the chain is making right now, so that another thread's
 * connect() on the same socket gets what the kernel would give it, and never
 * starts a second handshake into the first one's tunnel: EALREADY on a
 * non-blocking socket; on a blocking one, it waits for the first to end and
 * shares its result. Kept by socket inode, so dup() copies count as the
 * socket; shared by the threads of a process under one mutex. A forked child
 * forgets the parent's, whose threads it does not have: the kernel then
 * answers for them (EALREADY while the first hop is connecting, EISCONN once
 * it is connected).
 */
#ifndef SOCKSCHAIN_DIALING_H
#define SOCKSCHAIN_DIALING_H

#include <stdbool.h>
#include <sys/types.h>

/* One claim, on the claiming thread's stack. */
struct dialing {
	struct dialing *next;
	ino_t ino;		/* 0: not registered (fd is no socket) */
	bool nonblocking;	/* as the program had set it, before the chain changed it */
	bool done;
	int result;		/* once done: 0 or a negative errno */
	unsigned waiters;
};

/*
 * Claims fd for this thread's connect: true when it is this thread's to
 * connect (then dialing_end(d) must follow, whatever happens), false with
 * *rc set when another thread was already connecting it: -EALREADY, or for
 * a blocking socket, after waiting, that connect's result (0 or -errno).
 */
bool dialing_begin(int fd, bool nonblocking, struct dialing *d, int *rc);

/* The connect is over, with rc (0 or a negative errno): tells the waiters, unclaims fd. */
void dialing_end(struct dialing *d, int rc);

#endif
