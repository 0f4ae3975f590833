/* The library's connect(), for the other hooks that connect (TCP Fast Open sends). */
#ifndef SOCKSCHAIN_HOOK_CONNECT_H
#define SOCKSCHAIN_HOOK_CONNECT_H

#include <sys/socket.h>

/* connect() as the program calls it: addr is the caller's memory. */
int shim_connect(int fd, const struct sockaddr *addr, socklen_t len);

/* The same for an address already copied from the caller (len <= its size). */
int shim_connect_copied(int fd, const struct sockaddr *addr, socklen_t len);

#endif
