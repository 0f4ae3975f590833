/*
 * The res_* query functions send DNS queries themselves and take no address
 * the chain could carry. With dns=remote they are refused (-1, h_errno
 * NO_RECOVERY, errno EPERM); with dns=local they are libc's. Both names of
 * each are hooked: programs built with older headers call __res_query.
 */
#define _GNU_SOURCE
#include "../common/name_policy.h"
#include "export.h"
#include "real.h"

#include <errno.h>
#include <netdb.h>

struct __res_state;
typedef struct __res_state *res_state;

typedef int (*query_t)(const char *, int, int, unsigned char *, int);
typedef int (*querydomain_t)(const char *, const char *, int, int, unsigned char *, int);
typedef int (*send_t)(const unsigned char *, int, unsigned char *, int);
typedef int (*nquery_t)(res_state, const char *, int, int, unsigned char *, int);
typedef int (*nquerydomain_t)(res_state, const char *, const char *, int, int, unsigned char *,
			      int);
typedef int (*nsend_t)(res_state, const unsigned char *, int, unsigned char *, int);

/* Defines a hook NAME that refuses, or passes its arguments to the real NAME. */
#define REFUSING_HOOK(name, type, what, params, args) \
	SHIM_EXPORT int name params \
	{ \
		REAL(type, name); \
		if (name_policy_refuse_query(#name, what)) \
			return -1; \
		if (!fn) { \
			h_errno = NO_RECOVERY; \
			return -1; \
		} \
		return fn args; \
	}

#define QUERY_PARAMS (const char *dname, int class, int type, unsigned char *answer, int anslen)
#define QUERY_ARGS (dname, class, type, answer, anslen)
#define DOMAIN_PARAMS \
	(const char *name, const char *domain, int class, int type, unsigned char *answer, int anslen)
#define DOMAIN_ARGS (name, domain, class, type, answer, anslen)
#define SEND_PARAMS (const unsigned char *msg, int msglen, unsigned char *answer, int anslen)
#define SEND_ARGS (msg, msglen, answer, anslen)
#define NQUERY_PARAMS \
	(res_state statp, const char *dname, int class, int type, unsigned char *answer, int anslen)
#define NQUERY_ARGS (statp, dname, class, type, answer, anslen)
#define NDOMAIN_PARAMS                                                                        \
	(res_state statp, const char *name, const char *domain, int class, int type,          \
	 unsigned char *answer, int anslen)
#define NDOMAIN_ARGS (statp, name, domain, class, type, answer, anslen)
#define NSEND_PARAMS (res_state statp, const unsigned char *msg, int msglen, unsigned char *answer, \
		      int anslen)
#define NSEND_ARGS (statp, msg, msglen, answer, anslen)

REFUSING_HOOK(res_query, query_t, dname, QUERY_PARAMS, QUERY_ARGS)
REFUSING_HOOK(res_search, query_t, dname, QUERY_PARAMS, QUERY_ARGS)
REFUSING_HOOK(res_querydomain, querydomain_t, name, DOMAIN_PARAMS, DOMAIN_ARGS)
REFUSING_HOOK(res_send, send_t, NULL, SEND_PARAMS, SEND_ARGS)
REFUSING_HOOK(res_nquery, nquery_t, dname, NQUERY_PARAMS, NQUERY_ARGS)
REFUSING_HOOK(res_nsearch, nquery_t, dname, NQUERY_PARAMS, NQUERY_ARGS)
REFUSING_HOOK(res_nquerydomain, nquerydomain_t, name, NDOMAIN_PARAMS, NDOMAIN_ARGS)
REFUSING_HOOK(res_nsend, nsend_t, NULL, NSEND_PARAMS, NSEND_ARGS)
REFUSING_HOOK(__res_query, query_t, dname, QUERY_PARAMS, QUERY_ARGS)
REFUSING_HOOK(__res_search, query_t, dname, QUERY_PARAMS, QUERY_ARGS)
REFUSING_HOOK(__res_querydomain, querydomain_t, name, DOMAIN_PARAMS, DOMAIN_ARGS)
REFUSING_HOOK(__res_send, send_t, NULL, SEND_PARAMS, SEND_ARGS)
REFUSING_HOOK(__res_nquery, nquery_t, dname, NQUERY_PARAMS, NQUERY_ARGS)
REFUSING_HOOK(__res_nsearch, nquery_t, dname, NQUERY_PARAMS, NQUERY_ARGS)
REFUSING_HOOK(__res_nquerydomain, nquerydomain_t, name, NDOMAIN_PARAMS, NDOMAIN_ARGS)
REFUSING_HOOK(__res_nsend, nsend_t, NULL, NSEND_PARAMS, NSEND_ARGS)
