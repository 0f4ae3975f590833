/*
 * The functions we interpose, as libc (or the next library) defines them.
 * Each is looked up once with dlsym(RTLD_NEXT, ...) and cached.
 */
#ifndef SOCKSCHAIN_REAL_H
#define SOCKSCHAIN_REAL_H

#include <netdb.h>
#include <sys/socket.h>

int real_connect(int fd, const struct sockaddr *addr, socklen_t len);
int real_getpeername(int fd, struct sockaddr *addr, socklen_t *len);
int real_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		     struct addrinfo **res);
void real_freeaddrinfo(struct addrinfo *res);

#endif
