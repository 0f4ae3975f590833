/*
 * The sockets the supervisor carried through a chain, and where to: what
 * getpeername() must answer for them (their real peer is the first hop).
 * Kept by socket (device and inode), since every process of the tree has its
 * own descriptor numbers for it.
 */
#ifndef SOCKSCHAIN_SUPERVISOR_PEERS_H
#define SOCKSCHAIN_SUPERVISOR_PEERS_H

#include "../../chain/netaddr.h"

#include <stdbool.h>

/* fd (the supervisor's copy) is now connected to hop, carrying dest. */
void peers_remember(int fd, const struct netaddr *hop, const struct netaddr *dest);

/*
 * The destination carried on fd's socket, when it is one of ours and still
 * connected to the hop it was dialed through (an inode reused by a later
 * socket is not).
 */
bool peers_lookup(int fd, struct netaddr *dest);

#endif
