/* What a hook must know about a socket before it judges an address. */
#ifndef SOCKSCHAIN_SOCKET_KIND_H
#define SOCKSCHAIN_SOCKET_KIND_H

#include <stdbool.h>

struct socket_kind {
	int family;	/* AF_INET, AF_INET6, ... */
	int type;	/* SOCK_STREAM, SOCK_DGRAM, ... */
	int protocol;	/* of a SOCK_RAW socket (IPPROTO_UDP...); 0 for the others */
};

/*
 * True for an internet socket (AF_INET, AF_INET6), with *kind set; false
 * for anything else, or not a socket, which hooks leave to the kernel.
 * errno is left as it was.
 */
bool socket_kind_inet(int fd, struct socket_kind *kind);

#endif
