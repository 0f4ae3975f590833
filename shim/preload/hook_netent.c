/*
 * getnetbyname() and getnetbyaddr() read the "networks" database, which
 * nsswitch.conf may send to DNS ("networks: files dns"), through libc's
 * internal resolver. With dns=remote the database is set to files only
 * before the first such lookup; libc then answers from /etc/networks.
 */
#define _GNU_SOURCE
#include "../common/config.h"
#include "export.h"
#include "real.h"

#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <pthread.h>

static pthread_once_t files_only_once = PTHREAD_ONCE_INIT;

static void use_files_only(void)
{
	__nss_configure_lookup("networks", "files");
}

/* Whether libc may do the lookup now: never while DNS could answer it. */
static void keep_networks_local(void)
{
	if (!shim_config_loading() && shim_config()->chain.dns == DNS_REMOTE)
		pthread_once(&files_only_once, use_files_only);
}

typedef struct netent *(*getnetbyname_t)(const char *);
typedef struct netent *(*getnetbyaddr_t)(uint32_t, int);
typedef int (*getnetbyname_r_t)(const char *, struct netent *, char *, size_t, struct netent **,
				int *);
typedef int (*getnetbyaddr_r_t)(uint32_t, int, struct netent *, char *, size_t,
				struct netent **, int *);

SHIM_EXPORT struct netent *getnetbyname(const char *name)
{
	REAL(getnetbyname_t, getnetbyname);

	keep_networks_local();
	return fn ? fn(name) : NULL;
}

SHIM_EXPORT struct netent *getnetbyaddr(uint32_t net, int type)
{
	REAL(getnetbyaddr_t, getnetbyaddr);

	keep_networks_local();
	return fn ? fn(net, type) : NULL;
}

SHIM_EXPORT int getnetbyname_r(const char *name, struct netent *ret, char *buf, size_t buflen,
			       struct netent **result, int *h_errnop)
{
	REAL(getnetbyname_r_t, getnetbyname_r);

	keep_networks_local();
	return fn ? fn(name, ret, buf, buflen, result, h_errnop) : ENOSYS;
}

SHIM_EXPORT int getnetbyaddr_r(uint32_t net, int type, struct netent *ret, char *buf,
			       size_t buflen, struct netent **result, int *h_errnop)
{
	REAL(getnetbyaddr_r_t, getnetbyaddr_r);

	keep_networks_local();
	return fn ? fn(net, type, ret, buf, buflen, result, h_errnop) : ENOSYS;
}
