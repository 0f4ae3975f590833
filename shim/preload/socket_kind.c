#define _GNU_SOURCE
#include "socket_kind.h"

#include <errno.h>
#include <sys/socket.h>

static int int_option(int fd, int name, int *value)
{
	socklen_t len = sizeof(*value);

	return getsockopt(fd, SOL_SOCKET, name, value, &len);
}

bool socket_kind_inet(int fd, struct socket_kind *kind)
{
	int saved = errno;
	bool inet = int_option(fd, SO_DOMAIN, &kind->family) == 0 &&
		    (kind->family == AF_INET || kind->family == AF_INET6) &&
		    int_option(fd, SO_TYPE, &kind->type) == 0;

	kind->protocol = 0;
	if (inet && kind->type == SOCK_RAW && int_option(fd, SO_PROTOCOL, &kind->protocol) < 0)
		kind->protocol = -1;

	errno = saved;
	return inet;
}
