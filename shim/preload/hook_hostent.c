/*
 * The old resolver calls: gethostbyname(2)(_r) give fake addresses for names
 * the last hop resolves, and loopback for names under "localhost";
 * gethostbyaddr(_r) give those names back, and refuse reverse lookups that
 * would send a query out.
 */
#define _GNU_SOURCE
#include "export.h"
#include "../common/fake_names.h"
#include "../common/name_policy.h"
#include "real.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A hostent with one name and one address, laid out in a caller's buffer. */
struct hostent_data {
	char *aliases[1];
	char *addrs[2];
	char addr[16];
	char name[256];
};

/* Fills he from name and addr (IPv6; or IPv4, mapped for AF_INET6). */
static void fill_hostent(struct hostent *he, struct hostent_data *d, const char *name,
			 const struct netaddr *addr, int af)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	if (addr->family == AF_INET6) {
		memcpy(d->addr, addr->addr, 16);
	} else if (af == AF_INET6) {
		memcpy(d->addr, mapped, 12);
		memcpy(d->addr + 12, addr->addr, 4);
	} else {
		memcpy(d->addr, addr->addr, 4);
	}
	d->addrs[0] = d->addr;
	*he = (struct hostent){ .h_name = d->name, .h_aliases = d->aliases, .h_addrtype = af,
				.h_length = af == AF_INET6 ? 16 : 4, .h_addr_list = d->addrs };
}

/* The caller's buffer, aligned, if it holds a hostent_data. */
static struct hostent_data *place(char *buf, size_t buflen)
{
	uintptr_t p = ((uintptr_t)buf + alignof(struct hostent_data) - 1) &
		      ~(uintptr_t)(alignof(struct hostent_data) - 1);

	if (!buf || p + sizeof(struct hostent_data) > (uintptr_t)buf + buflen)
		return NULL;
	return (struct hostent_data *)p;
}

/* Whether the answer for name is ours: a fake address, or loopback. */
static bool answered_here(const struct shim_config *cfg, const char *name, int af)
{
	return (af == AF_INET || af == AF_INET6) && (cfg || name_policy_loopback(name));
}

/* 0 with he filled, or the errno/h_errno of a failed lookup. */
static int fake_hostent(const struct shim_config *cfg, const char *name, int af,
			struct hostent *he, struct hostent_data *d, int *herr)
{
	struct netaddr addr = { .family = af };

	if (name_policy_loopback(name))	/* RFC 6761 */
		inet_pton(af, af == AF_INET6 ? "::1" : "127.0.0.1", addr.addr);
	else if (fake_names_assign(cfg, name, &addr) < 0) {
		*herr = HOST_NOT_FOUND;
		return ENOENT;
	}
	fill_hostent(he, d, name, &addr, af);
	return 0;
}

typedef struct hostent *(*gethostbyname2_t)(const char *, int);
typedef struct hostent *(*gethostbyaddr_t)(const void *, socklen_t, int);
typedef int (*gethostbyname2_r_t)(const char *, int, struct hostent *, char *, size_t,
				  struct hostent **, int *);

SHIM_EXPORT int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
				 size_t buflen, struct hostent **result, int *h_errnop)
{
	const struct shim_config *cfg = name_policy_remote(name);
	struct hostent_data *d;
	int rc;

	if (!answered_here(cfg, name, af)) {
		REAL(gethostbyname2_r_t, gethostbyname2_r);
		return fn ? fn(name, af, ret, buf, buflen, result, h_errnop) : ENOSYS;
	}
	*result = NULL;
	d = place(buf, buflen);
	if (!d) {
		*h_errnop = NETDB_INTERNAL;
		return ERANGE;
	}
	rc = fake_hostent(cfg, name, af, ret, d, h_errnop);
	if (rc == 0)
		*result = ret;
	return rc;
}

SHIM_EXPORT int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
				struct hostent **result, int *h_errnop)
{
	return gethostbyname2_r(name, AF_INET, ret, buf, buflen, result, h_errnop);
}

/* Like libc's, the non-reentrant calls answer in storage of their own: one per thread. */
static __thread struct hostent tls_hostent;
static __thread struct hostent_data tls_data;

SHIM_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	const struct shim_config *cfg = name_policy_remote(name);

	if (!answered_here(cfg, name, af)) {
		REAL(gethostbyname2_t, gethostbyname2);
		return fn ? fn(name, af) : NULL;
	}
	return fake_hostent(cfg, name, af, &tls_hostent, &tls_data, &h_errno) == 0 ? &tls_hostent
										   : NULL;
}

SHIM_EXPORT struct hostent *gethostbyname(const char *name)
{
	return gethostbyname2(name, AF_INET);
}

/* For gethostbyaddr: 1 with the name of a fake address, 0 to ask libc, -1 to refuse. */
static int reverse_policy(const void *addr, socklen_t len, int type, char name[256])
{
	const struct shim_config *cfg;
	struct netaddr a = { .family = type };

	if ((type != AF_INET || len != 4) && (type != AF_INET6 || len != 16))
		return 0;
	if (shim_config_loading())
		return 0;
	cfg = shim_config();
	memcpy(a.addr, addr, len);
	if (type == AF_INET6 && memcmp(a.addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		a.family = AF_INET;
		memmove(a.addr, a.addr + 12, 4);
	}
	if (a.family == AF_INET && fake_names_lookup(cfg, &a, name))
		return 1;
	return name_policy_reverse_leaks(cfg, &a) ? -1 : 0;
}

typedef int (*gethostbyaddr_r_t)(const void *, socklen_t, int, struct hostent *, char *, size_t,
				 struct hostent **, int *);

SHIM_EXPORT int gethostbyaddr_r(const void *addr, socklen_t len, int type, struct hostent *ret,
				char *buf, size_t buflen, struct hostent **result, int *h_errnop)
{
	struct hostent_data *d;
	char name[256];
	struct netaddr a = { .family = AF_INET };

	switch (reverse_policy(addr, len, type, name)) {
	case 0: {
		REAL(gethostbyaddr_r_t, gethostbyaddr_r);
		return fn ? fn(addr, len, type, ret, buf, buflen, result, h_errnop) : ENOSYS;
	}
	case -1:
		*result = NULL;
		*h_errnop = HOST_NOT_FOUND;
		return ENOENT;
	}
	*result = NULL;
	d = place(buf, buflen);
	if (!d) {
		*h_errnop = NETDB_INTERNAL;
		return ERANGE;
	}
	memcpy(a.addr, (const char *)addr + (len == 16 ? 12 : 0), 4);
	fill_hostent(ret, d, name, &a, type);
	*result = ret;
	return 0;
}

SHIM_EXPORT struct hostent *gethostbyaddr(const void *addr, socklen_t len, int type)
{
	struct netaddr a = { .family = AF_INET };
	char name[256];

	switch (reverse_policy(addr, len, type, name)) {
	case 0: {
		REAL(gethostbyaddr_t, gethostbyaddr);
		return fn ? fn(addr, len, type) : NULL;
	}
	case -1:
		h_errno = HOST_NOT_FOUND;
		return NULL;
	}
	memcpy(a.addr, (const char *)addr + (len == 16 ? 12 : 0), 4);
	fill_hostent(&tls_hostent, &tls_data, name, &a, type);
	return &tls_hostent;
}
