#define _GNU_SOURCE
#include "real.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

/*
 * Resolves a symbol from the libraries after ours. Racing threads may both
 * look it up; they store the same pointer, so a relaxed atomic is enough.
 * Returns NULL if the lookup fails or finds our own hook again (which would
 * recurse forever).
 */
static void *lookup(void **cache, const char *name, void *self)
{
	void *fn = __atomic_load_n(cache, __ATOMIC_RELAXED);

	if (fn)
		return fn;
	fn = dlsym(RTLD_NEXT, name);
	if (fn == self)
		fn = NULL;
	__atomic_store_n(cache, fn, __ATOMIC_RELAXED);
	return fn;
}

/* self: our hook of that name, or NULL for a function we do not interpose. */
#define REAL(type, name, self) \
	static void *name##_cache; \
	type fn = (type)lookup(&name##_cache, #name, self)

typedef int (*connect_t)(int, const struct sockaddr *, socklen_t);
typedef int (*getpeername_t)(int, struct sockaddr *, socklen_t *);
typedef int (*getaddrinfo_t)(const char *, const char *, const struct addrinfo *,
			     struct addrinfo **);
typedef void (*freeaddrinfo_t)(struct addrinfo *);

int real_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	REAL(connect_t, connect, (void *)connect);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(fd, addr, len);
}

int real_getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	REAL(getpeername_t, getpeername, (void *)getpeername);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(fd, addr, len);
}

int real_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		     struct addrinfo **res)
{
	REAL(getaddrinfo_t, getaddrinfo, NULL);

	if (!fn)
		return EAI_SYSTEM;
	return fn(node, service, hints, res);
}

void real_freeaddrinfo(struct addrinfo *res)
{
	REAL(freeaddrinfo_t, freeaddrinfo, NULL);

	if (fn)
		fn(res);
}
