/*
 * The connects the library makes on purpose (to its first hop, and the
 * direct ones its routes chose) carry an address length no program uses:
 * the supervisor's filter (shim/supervisor/filter.c) lets exactly that
 * length through without a notification, so a program under both pays for
 * the library's own connects nothing more than the library alone.
 *
 * The kernel accepts any length from the family's own up to
 * sizeof(struct sockaddr_storage) (128) for both internet families and
 * reads no byte past its sockaddr, so the padded call means the same with
 * or without a supervisor: the library always uses it.
 *
 * The threat model is unmodified programs: one written to escape could pass
 * this length itself and connect past the supervisor (as it could by
 * connecting from a thread the library never sees, were it not supervised).
 */
#ifndef SOCKSCHAIN_OWN_CONNECT_H
#define SOCKSCHAIN_OWN_CONNECT_H

#include <sys/socket.h>

/* Between sizeof(struct sockaddr_in6) (28) and 128, and a length nothing else passes. */
#define OWN_CONNECT_ADDRLEN 124

typedef int (*own_connect_fn)(int fd, const struct sockaddr *addr, socklen_t len);

/* real(fd, addr, len) with addr padded to OWN_CONNECT_ADDRLEN (an internet address). */
int own_connect(own_connect_fn real, int fd, const struct sockaddr *addr, socklen_t len);

#endif
