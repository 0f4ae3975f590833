#define _GNU_SOURCE
#include "fork_guard.h"

/*
 * The armed guards, newest first: shared because pthread_atfork() handlers
 * take no argument. guards_lock orders arming against fork(), whose handlers
 * are registered before the first guard is armed and take it first.
 */
static struct fork_guard *guards;
static pthread_mutex_t guards_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;
static bool handlers_registered;

static void before_fork(void)
{
	struct fork_guard *g;

	pthread_mutex_lock(&guards_lock);
	for (g = guards; g; g = g->next)
		pthread_mutex_lock(g->lock);
}

static void after_fork_in_parent(void)
{
	struct fork_guard *g;

	for (g = guards; g; g = g->next)
		pthread_mutex_unlock(g->lock);
	pthread_mutex_unlock(&guards_lock);
}

static void after_fork_in_child(void)
{
	struct fork_guard *g;

	for (g = guards; g; g = g->next) {
		if (g->in_child)
			g->in_child();
		pthread_mutex_unlock(g->lock);
	}
	pthread_mutex_unlock(&guards_lock);
}

static void register_handlers(void)
{
	handlers_registered =
		pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child) == 0;
}

static void arm(struct fork_guard *guard)
{
	pthread_once(&handlers_once, register_handlers);
	if (!handlers_registered)
		return;	/* out of memory: fork() is then as unguarded as without us */
	pthread_mutex_lock(&guards_lock);
	if (!guard->armed) {
		guard->next = guards;
		guards = guard;
		__atomic_store_n(&guard->armed, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&guards_lock);
}

void fork_guard_lock(struct fork_guard *guard)
{
	if (!__atomic_load_n(&guard->armed, __ATOMIC_ACQUIRE))
		arm(guard);
	pthread_mutex_lock(guard->lock);
}
