#define _GNU_SOURCE
#include "socket_kind.h"

#include <errno.h>
#include <sys/socket.h>

static int int_option(int fd, int name, int *value)
{
	socklen_t len = sizeof(*value);

	return getsockopt(fd, SOL_SOCKET, name, value, &len);
}

static int int_option_quiet(int fd, int name, int *value)
{
	int saved = errno, rc = int_option(fd, name, value);

	errno = saved;
	return rc;
}

int socket_type(int fd, int *type)
{
	return int_option_quiet(fd, SO_TYPE, type);
}

int socket_family(int fd, int *family)
{
	return int_option_quiet(fd, SO_DOMAIN, family);
}

bool socket_family_inet(int family)
{
	return family == AF_INET || family == AF_INET6;
}

/* kind's family and type asked: the rest. */
static void finish_kind(int fd, struct socket_kind *kind)
{
	kind->protocol = 0;
	kind->family_guessed = false;
	if (kind->type == SOCK_RAW && int_option(fd, SO_PROTOCOL, &kind->protocol) < 0)
		kind->protocol = -1;
}

/* The family first: a socket of another (AF_UNIX) costs one question. */
bool socket_kind_inet(int fd, struct socket_kind *kind)
{
	int saved = errno;
	bool inet = int_option(fd, SO_DOMAIN, &kind->family) == 0 && socket_family_inet(kind->family) &&
		    int_option(fd, SO_TYPE, &kind->type) == 0;

	if (inet)
		finish_kind(fd, kind);
	errno = saved;
	return inet;
}

bool socket_kind_inet_typed(int fd, int type, struct socket_kind *kind)
{
	int saved = errno;
	bool inet = int_option(fd, SO_DOMAIN, &kind->family) == 0 && socket_family_inet(kind->family);

	kind->type = type;
	if (inet)
		finish_kind(fd, kind);
	errno = saved;
	return inet;
}
