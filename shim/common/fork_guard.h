/*
 * Locks that fork() must not copy while held: a child has only the thread
 * that forked, so a lock another thread held at that moment would stay held
 * in the child forever.
 */
#ifndef SOCKSCHAIN_FORK_GUARD_H
#define SOCKSCHAIN_FORK_GUARD_H

#include <pthread.h>

/*
 * Makes fork() wait until no thread holds lock, and release it on both sides
 * afterwards. in_child, when not NULL, runs in the child first, with the lock
 * held: to forget what threads that do not exist there were doing. Called
 * from constructors; at most FORK_GUARD_MAX locks. None of them may be taken
 * while another is held, so the order fork() takes them in does not matter.
 */
#define FORK_GUARD_MAX 8
void fork_guard(pthread_mutex_t *lock, void (*in_child)(void));

#endif
