/*
 * Locks that fork() must not copy while held: a child has only the thread
 * that forked, so a lock another thread held at that moment would stay held
 * in the child forever.
 */
#ifndef SOCKSCHAIN_FORK_GUARD_H
#define SOCKSCHAIN_FORK_GUARD_H

#include <pthread.h>
#include <stdbool.h>

/*
 * One guarded lock. in_child, when not NULL, runs in the child first, with
 * the lock held: to forget what threads that do not exist there were doing.
 * None of the guarded locks may be taken while another is held, so the order
 * fork() takes them in does not matter.
 */
struct fork_guard {
	pthread_mutex_t *lock;
	void (*in_child)(void);
	bool armed;			/* fork() waits for it from now on */
	struct fork_guard *next;	/* the guards armed before it */
};

#define FORK_GUARD(lock, in_child) { (lock), (in_child), false, NULL }

/*
 * Takes guard's lock, first making fork() wait until no thread holds it
 * (and release it on both sides afterwards). Armed at the first use, not at
 * load: a program that never connects never pays for pthread_atfork().
 */
void fork_guard_lock(struct fork_guard *guard);

#endif
