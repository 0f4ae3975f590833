/*
 * What getpeername() must answer for proxied sockets: the destination the
 * program asked for, not the first hop.
 *
 * Entries are kept by descriptor number and hold the socket's inode, which
 * must match: so they follow dup()/dup2() copies (found by inode) and do not
 * apply to a new socket that happens to reuse a closed descriptor's number. An entry also holds the
 * first hop's address and is used only while the socket's real peer is that
 * hop. Shared by all threads of a process under one mutex; a forked child
 * inherits a copy along with the descriptors.
 */
#ifndef SOCKSCHAIN_PEER_TABLE_H
#define SOCKSCHAIN_PEER_TABLE_H

#include "../../chain/netaddr.h"

#include <sys/types.h>

#include <stdbool.h>

/* Records that fd, whose real peer is hop, is a tunnel to dest. */
void peer_table_remember(int fd, const struct netaddr *hop, const struct netaddr *dest);

/*
 * The same for the socket whose inode is ino, filed under fd, the number the
 * program knows it by (the background dial works on a copy of its own).
 */
void peer_table_remember_inode(int fd, ino_t ino, const struct netaddr *hop,
			       const struct netaddr *dest);

/* If fd is a tunnel whose real peer is hop, sets *dest and returns true. */
bool peer_table_lookup(int fd, const struct netaddr *hop, struct netaddr *dest);

#endif
