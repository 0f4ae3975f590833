/*
 * The destination Linux will use for the address a socket call was given.
 * The library must judge what the kernel does with the bytes, not what a
 * program usually passes: anything the kernel sends to that the library did
 * not see is a leak around the chain.
 */
#ifndef SOCKSCHAIN_SOCKDEST_H
#define SOCKSCHAIN_SOCKDEST_H

#include "netaddr.h"

#include <sys/socket.h>

enum sockdest_call {
	SOCKDEST_CONNECT,	/* connect(), and a TCP send with MSG_FASTOPEN (it connects) */
	SOCKDEST_SEND,		/* sendto(), sendmsg(), sendmmsg() without MSG_FASTOPEN */
};

/*
 * For a call on a socket of sock_family (AF_INET, AF_INET6) and sock_type
 * given sa and len (at most sizeof(struct sockaddr_storage), already copied
 * from the caller): 1 with *dest set when the kernel will send to dest; 0
 * when it will send nowhere new (it refuses the address, disconnects, or uses
 * the connected peer), so the call may go to the kernel as it is.
 */
int sockdest_judge(int sock_family, int sock_type, enum sockdest_call call,
		   const struct sockaddr *sa, socklen_t len, struct netaddr *dest);

/* Whether addr is IPv6 link-local (fe80::/10): a host on one of this machine's own links. */
bool netaddr_is_link_local(const struct netaddr *addr);

#endif
