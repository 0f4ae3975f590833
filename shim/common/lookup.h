/*
 * getaddrinfo() with a deadline. The C library's has none: its DNS resolver
 * retries for as long as resolv.conf says, and other NSS modules may wait
 * longer still. So each lookup runs in a short-lived thread of its own, and
 * the caller stops waiting for it at the deadline; the thread ends by itself
 * when the lookup does, and frees what it found. (The resolver's own options
 * would bound DNS only, in whole seconds, for the whole process;
 * getaddrinfo_a() cannot abandon a request that has started.)
 */
#ifndef SOCKSCHAIN_LOOKUP_H
#define SOCKSCHAIN_LOOKUP_H

#include "../../chain/resolve.h"

#include <stdint.h>

/*
 * Called by the lookup's thread with its outcome, also after the caller has
 * stopped waiting: res (NULL unless gai_rc is 0) is only lent for the call.
 */
typedef void (*lookup_done_fn)(void *ctx, int gai_rc, const struct addrinfo *res);

/*
 * Looks name (and service, when not NULL) up with res, waiting until the deadline (a clock_now_ms() time)
 * at most. Returns 0 with *out to free with res->freeaddrinfo(), -EHOSTUNREACH
 * with *gai_rc the lookup's error, -ETIMEDOUT, or -EAGAIN when no thread
 * could be started. done, when not NULL, hears the outcome in every case
 * but -EAGAIN. A deadline already passed starts the lookup and waits not at all.
 */
int lookup_within(const struct resolver *res, const char *name, const char *service,
		  const struct addrinfo *hints, int64_t deadline, struct addrinfo **out,
		  int *gai_rc, lookup_done_fn done, void *ctx);

#endif
