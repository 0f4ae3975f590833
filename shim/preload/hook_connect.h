/* The library's connect(), for the other hooks that connect (TCP Fast Open sends). */
#ifndef SOCKSCHAIN_HOOK_CONNECT_H
#define SOCKSCHAIN_HOOK_CONNECT_H

#include <sys/socket.h>

int shim_connect(int fd, const struct sockaddr *addr, socklen_t len);

#endif
