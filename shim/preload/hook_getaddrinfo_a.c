/*
 * getaddrinfo_a(): libc runs its lookups on threads of its own with its
 * internal getaddrinfo, which our hook never sees, so with dns=remote every
 * name would go to DNS. Here each request is answered at once by our
 * getaddrinfo (fake addresses need no wait), then the program is told as libc
 * would tell it. A request is complete before the call returns: gai_error()
 * gives its result, gai_suspend() returns at once, gai_cancel() says
 * EAI_ALLDONE. A bypassed name is looked up by libc before the call returns.
 */
#define _GNU_SOURCE
#include "../common/config.h"
#include "export.h"
#include "real.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

typedef int (*getaddrinfo_a_t)(int, struct gaicb **, int, struct sigevent *);

struct notify_call {
	void (*fn)(union sigval);
	union sigval value;
};

static void *run_notify(void *arg)
{
	struct notify_call call = *(struct notify_call *)arg;

	free(arg);
	call.fn(call.value);
	return NULL;
}

/* SIGEV_THREAD: the function on a new thread, with the program's attributes. */
static void notify_on_thread(const struct sigevent *sig)
{
	struct notify_call *call = malloc(sizeof(*call));
	pthread_attr_t attr, *attrp = sig->sigev_notify_attributes;
	pthread_t thread;

	if (!call)
		return;
	*call = (struct notify_call){ sig->sigev_notify_function, sig->sigev_value };
	if (!attrp) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		attrp = &attr;
	}
	if (pthread_create(&thread, attrp, run_notify, call) != 0)
		free(call);
	if (attrp == &attr)
		pthread_attr_destroy(&attr);
}

/* What libc does once every request of a GAI_NOWAIT call is done. */
static void notify(const struct sigevent *sig)
{
	if (!sig)
		return;
	if (sig->sigev_notify == SIGEV_SIGNAL)
		sigqueue(getpid(), sig->sigev_signo, sig->sigev_value);
	else if (sig->sigev_notify == SIGEV_THREAD && sig->sigev_notify_function)
		notify_on_thread(sig);
}

SHIM_EXPORT int getaddrinfo_a(int mode, struct gaicb *list[], int nitems, struct sigevent *sig)
{
	REAL(getaddrinfo_a_t, getaddrinfo_a);
	int saved = errno, i;

	if (shim_config_loading() || shim_config()->chain.dns == DNS_LOCAL)
		return fn ? fn(mode, list, nitems, sig) : EAI_SYSTEM;
	if (mode != GAI_WAIT && mode != GAI_NOWAIT) {
		errno = EINVAL;
		return EAI_SYSTEM;
	}
	for (i = 0; i < nitems; i++) {
		if (!list[i])
			continue;
		list[i]->ar_result = NULL;
		list[i]->__return = getaddrinfo(list[i]->ar_name, list[i]->ar_service,
						list[i]->ar_request, &list[i]->ar_result);
	}
	if (mode == GAI_NOWAIT)
		notify(sig);
	errno = saved;
	return 0;
}
