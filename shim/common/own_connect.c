#define _GNU_SOURCE
#include "own_connect.h"

#include <netinet/in.h>
#include <string.h>

_Static_assert(OWN_CONNECT_ADDRLEN > sizeof(struct sockaddr_in6) &&
		       OWN_CONNECT_ADDRLEN <= sizeof(struct sockaddr_storage),
	       "the kernel must accept the library's own length for both families");

int own_connect(own_connect_fn real, int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_storage padded;
	socklen_t least = addr->sa_family == AF_INET    ? sizeof(struct sockaddr_in)
			  : addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							: OWN_CONNECT_ADDRLEN + 1;

	/* Too short is the kernel's EINVAL to give; too long, or not internet, goes as it is. */
	if (len < least || len > OWN_CONNECT_ADDRLEN)
		return real(fd, addr, len);
	memset(&padded, 0, sizeof(padded));
	memcpy(&padded, addr, len);
	return real(fd, (const struct sockaddr *)&padded, OWN_CONNECT_ADDRLEN);
}
