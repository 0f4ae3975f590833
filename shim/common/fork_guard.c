#define _GNU_SOURCE
#include "fork_guard.h"

#include <stdbool.h>

struct guarded {
	pthread_mutex_t *lock;
	void (*in_child)(void);
};

/*
 * Written only by constructors, before the program's threads, and read by
 * fork(): shared because pthread_atfork() handlers take no argument.
 */
static struct guarded guarded[FORK_GUARD_MAX];
static unsigned nguarded;

static void before_fork(void)
{
	unsigned i;

	for (i = 0; i < nguarded; i++)
		pthread_mutex_lock(guarded[i].lock);
}

static void after_fork_in_parent(void)
{
	unsigned i = nguarded;

	while (i-- > 0)
		pthread_mutex_unlock(guarded[i].lock);
}

static void after_fork_in_child(void)
{
	unsigned i = nguarded;

	while (i-- > 0) {
		if (guarded[i].in_child)
			guarded[i].in_child();
		pthread_mutex_unlock(guarded[i].lock);
	}
}

void fork_guard(pthread_mutex_t *lock, void (*in_child)(void))
{
	static bool registered;

	if (nguarded == FORK_GUARD_MAX)
		return;	/* never: there are fewer users than that */
	guarded[nguarded++] = (struct guarded){ lock, in_child };
	if (!registered)
		registered = pthread_atfork(before_fork, after_fork_in_parent,
					    after_fork_in_child) == 0;
}
