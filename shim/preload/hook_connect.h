/* The library's connect(), for the other hooks that connect (TCP Fast Open sends). */
#ifndef SOCKSCHAIN_HOOK_CONNECT_H
#define SOCKSCHAIN_HOOK_CONNECT_H

#include "../../chain/netaddr.h"
#include "../../chain/spec.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* connect() as the program calls it: addr is the caller's memory. */
int shim_connect(int fd, const struct sockaddr *addr, socklen_t len);

/* The same for an address already copied from the caller (len <= its size). */
int shim_connect_copied(int fd, const struct sockaddr *addr, socklen_t len);

/* real_connect with the library's own address length (../common/own_connect.h). */
int shim_own_connect(int fd, const struct sockaddr *addr, socklen_t len);

/* A hop's name, resolved within deadline (chain/dial.h's hop_resolve_fn). */
int shim_resolve_hop(const struct hop *hop, int64_t deadline, struct netaddr *addr,
		     char *reason, size_t cap);

#endif
