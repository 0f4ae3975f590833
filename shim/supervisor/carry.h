/*
 * Where the program's traffic to an internet address goes, decided as the
 * library decides it (routes, bypass, fake names, the leak guard), and done
 * by the supervisor on its copy of the program's socket.
 */
#ifndef SOCKSCHAIN_SUPERVISOR_CARRY_H
#define SOCKSCHAIN_SUPERVISOR_CARRY_H

#include "../../chain/netaddr.h"
#include "call.h"

#include <sys/socket.h>

/*
 * Connects the stream socket fd (the supervisor's copy) to dest: through
 * the chain, directly, or to the DNS stub for port 53, as the rules say.
 * sa/len are the program's own address, for a direct connect. Returns 0, or
 * a negative errno for the program (-EINPROGRESS: a direct non-blocking one).
 */
int carry_stream(const struct supervisor *sv, int fd, const struct sockaddr *sa, socklen_t len,
		 const struct netaddr *dest);

/*
 * Where a datagram socket's traffic to dest may go: the DNS stub for port 53
 * (dns=remote), dest itself when UDP is allowed or dest bypassed. Returns the
 * length of *to, or -EPERM after one line saying why not. call names the
 * system call for that line.
 */
int carry_datagram_target(const struct supervisor *sv, int fd, const struct netaddr *dest,
			  const struct sockaddr *sa, socklen_t len, const char *call,
			  struct sockaddr_storage *to);

/* The socket's SO_TYPE and SO_DOMAIN; -1 when fd is no socket. */
int carry_socket_type(int fd, int *domain);

#endif
