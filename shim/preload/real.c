#define _GNU_SOURCE
#include "real.h"
#include "../common/config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

/* Racing threads may both look a symbol up; they store the same pointer. */
void *real_lookup_once(void **cache, const char *name, void *self)
{
	void *fn = dlsym(RTLD_NEXT, name);

	if (fn == self)
		fn = NULL;
	__atomic_store_n(cache, fn, __ATOMIC_RELAXED);
	return fn;
}

/* For the functions below, which hooks and the configuration both call. */
#define REAL_OF(type, name, self) \
	static void *name##_cache; \
	type fn = (type)real_lookup(&name##_cache, #name, self)

typedef int (*connect_t)(int, const struct sockaddr *, socklen_t);
typedef int (*getpeername_t)(int, struct sockaddr *, socklen_t *);
typedef int (*getaddrinfo_t)(const char *, const char *, const struct addrinfo *,
			     struct addrinfo **);
typedef void (*freeaddrinfo_t)(struct addrinfo *);
typedef ssize_t (*send_t)(int, const void *, size_t, int);
typedef ssize_t (*recv_t)(int, void *, size_t, int);

int real_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	REAL_OF(connect_t, connect, (void *)connect);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(fd, addr, len);
}

int real_getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	REAL_OF(getpeername_t, getpeername, (void *)getpeername);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(fd, addr, len);
}

int real_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		     struct addrinfo **res)
{
	REAL_OF(getaddrinfo_t, getaddrinfo, (void *)getaddrinfo);

	if (!fn)
		return EAI_SYSTEM;
	return fn(node, service, hints, res);
}

void real_freeaddrinfo(struct addrinfo *res)
{
	REAL_OF(freeaddrinfo_t, freeaddrinfo, NULL);

	if (fn)
		fn(res);
}

ssize_t real_send(int fd, const void *buf, size_t n, int flags)
{
	REAL_OF(send_t, send, (void *)send);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(fd, buf, n, flags);
}

ssize_t real_recv(int fd, void *buf, size_t n, int flags)
{
	REAL_OF(recv_t, recv, (void *)recv);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(fd, buf, n, flags);
}
