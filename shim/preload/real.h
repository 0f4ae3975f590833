/*
 * The functions we interpose, as libc (or the next library) defines them.
 * Each is looked up once with dlsym(RTLD_NEXT, ...) and cached.
 */
#ifndef SOCKSCHAIN_REAL_H
#define SOCKSCHAIN_REAL_H

#include <netdb.h>
#include <sys/socket.h>

/*
 * Looks name up in the libraries after ours, once; cache is the caller's
 * static pointer. self is our own hook of that name, which must never come
 * back (it would recurse forever). NULL when there is no such function.
 */
void *real_lookup_once(void **cache, const char *name, void *self);

/* Inline: every call of the program's that a hook passes on costs this load. */
static inline void *real_lookup(void **cache, const char *name, void *self)
{
	void *fn = __atomic_load_n(cache, __ATOMIC_RELAXED);

	return fn ? fn : real_lookup_once(cache, name, self);
}

/* In a hook: `REAL(fn_type, name)` gives `fn`, the next definition of name. */
#define REAL(type, name) \
	static void *real_##name##_cache; \
	type fn = (type)real_lookup(&real_##name##_cache, #name, (void *)name)

int real_connect(int fd, const struct sockaddr *addr, socklen_t len);
int real_getpeername(int fd, struct sockaddr *addr, socklen_t *len);
int real_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		     struct addrinfo **res);
void real_freeaddrinfo(struct addrinfo *res);
ssize_t real_send(int fd, const void *buf, size_t n, int flags);
ssize_t real_recv(int fd, void *buf, size_t n, int flags);

#endif
