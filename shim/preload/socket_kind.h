/* What a hook must know about a socket before it judges an address. */
#ifndef SOCKSCHAIN_SOCKET_KIND_H
#define SOCKSCHAIN_SOCKET_KIND_H

#include <stdbool.h>

struct socket_kind {
	int family;	/* AF_INET, AF_INET6, ... */
	int type;	/* SOCK_STREAM, SOCK_DGRAM, ... */
	int protocol;	/* of a SOCK_RAW socket (IPPROTO_UDP...); 0 for the others */
	/*
	 * family is the address's, not asked of the socket: a stream socket
	 * connects only to an address of its own family (the kernel refuses
	 * any other), so the kernel's answer tells, or socket_family() later.
	 */
	bool family_guessed;
};

/*
 * True for an internet socket (AF_INET, AF_INET6), with *kind set; false
 * for anything else, or not a socket, which hooks leave to the kernel.
 * errno is left as it was.
 */
bool socket_kind_inet(int fd, struct socket_kind *kind);

/* The same for a socket whose SO_TYPE is known: one question fewer. */
bool socket_kind_inet_typed(int fd, int type, struct socket_kind *kind);

/* SO_TYPE and SO_DOMAIN alone: 0, or -1 when fd is no socket. errno is left as it was. */
int socket_type(int fd, int *type);
int socket_family(int fd, int *family);

/* AF_INET or AF_INET6: what the hooks judge. */
bool socket_family_inet(int family);

#endif
