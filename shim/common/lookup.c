#define _GNU_SOURCE
#include "lookup.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Shared by the caller and the thread; the last of them to let go frees it. */
struct lookup {
	pthread_mutex_t lock;
	pthread_cond_t finished;
	unsigned refs;
	bool done;
	int gai_rc;
	struct addrinfo *res;		/* until the caller takes it */
	const struct resolver *resolver;
	struct addrinfo hints;
	lookup_done_fn on_done;
	void *ctx;
	const char *service;		/* NULL, or in text after the name */
	char name[];
};

static void let_go(struct lookup *l)
{
	bool last;

	pthread_mutex_lock(&l->lock);
	last = --l->refs == 0;
	pthread_mutex_unlock(&l->lock);
	if (!last)
		return;
	if (l->res)
		l->resolver->freeaddrinfo(l->res);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->finished);
	free(l);
}

static void *run(void *arg)
{
	struct lookup *l = arg;
	struct addrinfo *res = NULL;
	int rc = l->resolver->getaddrinfo(l->name, l->service, &l->hints, &res);

	if (l->on_done)
		l->on_done(l->ctx, rc, rc == 0 ? res : NULL);
	pthread_mutex_lock(&l->lock);
	l->gai_rc = rc;
	l->res = rc == 0 ? res : NULL;
	l->done = true;
	pthread_cond_signal(&l->finished);
	pthread_mutex_unlock(&l->lock);
	let_go(l);
	return NULL;
}

/* Detached, with every signal blocked: the program's handlers never run on it. */
static int start(struct lookup *l)
{
	pthread_attr_t attr;
	pthread_t thread;
	sigset_t all, old;
	int rc;

	if (pthread_attr_init(&attr) != 0)
		return -EAGAIN;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&thread, &attr, run, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return rc == 0 ? 0 : -EAGAIN;
}

static int wait_until(struct lookup *l, int64_t deadline, struct addrinfo **out, int *gai_rc)
{
	struct timespec at = { .tv_sec = deadline / 1000, .tv_nsec = deadline % 1000 * 1000000 };
	int rc = 0;

	pthread_mutex_lock(&l->lock);
	while (!l->done && rc != ETIMEDOUT)
		rc = pthread_cond_clockwait(&l->finished, &l->lock, CLOCK_MONOTONIC, &at);
	if (l->done) {
		*gai_rc = l->gai_rc;
		*out = l->res;
		l->res = NULL;	/* the caller's now */
	}
	pthread_mutex_unlock(&l->lock);
	if (!*out && *gai_rc == 0)
		return -ETIMEDOUT;
	return *gai_rc == 0 ? 0 : -EHOSTUNREACH;
}

int lookup_within(const struct resolver *res, const char *name, const char *service,
		  const struct addrinfo *hints, int64_t deadline, struct addrinfo **out,
		  int *gai_rc, lookup_done_fn done, void *ctx)
{
	size_t len = strlen(name) + 1, slen = service ? strlen(service) + 1 : 0;
	struct lookup *l = malloc(sizeof(*l) + len + slen);
	int rc, cancel;

	*out = NULL;
	*gai_rc = 0;
	if (!l)
		return -EAGAIN;
	*l = (struct lookup){ .refs = 2, .resolver = res, .hints = *hints, .on_done = done,
			      .ctx = ctx };
	memcpy(l->name, name, len);
	if (service)
		l->service = memcpy(l->name + len, service, slen);
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->finished, NULL);
	if (start(l) < 0) {
		l->refs = 1;
		let_go(l);
		return -EAGAIN;
	}
	/* a cancelled wait would leave the lookup one reference too many: no leak, no cancel */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	rc = wait_until(l, deadline, out, gai_rc);
	pthread_setcancelstate(cancel, NULL);
	let_go(l);
	return rc;
}
