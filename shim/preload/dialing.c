#define _GNU_SOURCE
#include "dialing.h"

#include "../common/fork_guard.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/stat.h>

/* Claims in progress, each on its thread's stack; few at once, so a list. */
static struct dialing *claims;
static pthread_mutex_t claims_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t claims_changed = PTHREAD_COND_INITIALIZER;

static void forget_parents_claims(void)
{
	claims = NULL;
	/* the parent's waiters may have been inside it: a fresh one */
	claims_changed = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
}

static struct fork_guard claims_guard = FORK_GUARD(&claims_lock, forget_parents_claims);

static ino_t socket_inode(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) ? st.st_ino : 0;
}

static struct dialing *find(ino_t ino)
{
	struct dialing *d;

	for (d = claims; d; d = d->next)
		if (d->ino == ino)
			return d;
	return NULL;
}

/* A waiter cancelled inside pthread_cond_wait() holds the lock: it lets go of both. */
static void stop_waiting(void *arg)
{
	struct dialing *d = arg;

	d->waiters--;
	pthread_cond_broadcast(&claims_changed);
	pthread_mutex_unlock(&claims_lock);
}

static int wait_for_result(struct dialing *d)
{
	int rc;

	d->waiters++;
	pthread_cleanup_push(stop_waiting, d);
	while (!d->done)
		pthread_cond_wait(&claims_changed, &claims_lock);
	rc = d->result;
	pthread_cleanup_pop(0);
	d->waiters--;
	pthread_cond_broadcast(&claims_changed);
	return rc;
}

bool dialing_begin(int fd, bool nonblocking, struct dialing *d, int *rc)
{
	struct dialing *first;

	*d = (struct dialing){ .ino = socket_inode(fd), .nonblocking = nonblocking };
	if (d->ino == 0)
		return true;
	fork_guard_lock(&claims_guard);
	first = find(d->ino);
	if (!first) {
		d->next = claims;
		claims = d;
	} else {
		*rc = first->nonblocking ? -EALREADY : wait_for_result(first);
	}
	pthread_mutex_unlock(&claims_lock);
	return !first;
}

void dialing_end(struct dialing *d, int rc)
{
	struct dialing **p;
	int saved = errno, cancel;

	if (d->ino == 0)
		return;
	/* cancelled while waiting below, it would leave them reading a stack that is gone */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	fork_guard_lock(&claims_guard);
	for (p = &claims; *p; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			break;
		}
	d->result = rc;
	d->done = true;
	pthread_cond_broadcast(&claims_changed);
	while (d->waiters > 0)	/* they read d, which lives on this stack */
		pthread_cond_wait(&claims_changed, &claims_lock);
	pthread_mutex_unlock(&claims_lock);
	pthread_setcancelstate(cancel, NULL);
	errno = saved;
}
