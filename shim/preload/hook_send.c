/*
 * sendto(), sendmsg(), sendmmsg(): datagrams with a destination pass the leak
 * guard; a TCP Fast Open send, which connects, goes through the chain.
 */
#define _GNU_SOURCE
#include "async_conn.h"
#include "export.h"
#include "hook_connect.h"
#include "../common/leak_guard.h"
#include "real.h"

#include <errno.h>

static int socket_type(int fd)
{
	int type = -1;
	socklen_t len = sizeof(type);

	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 ? type : -1;
}

/*
 * 0 when a send to addr may go as it is; -1 with errno when it must not.
 * *connected is set when a Fast Open send was turned into a chain connect.
 */
static int check_destination(int fd, const void *addr, socklen_t len, int flags,
			     const char *call, bool *connected)
{
	struct netaddr dest;
	int type;

	*connected = false;
	if (!addr || netaddr_from_sockaddr(addr, len, &dest) < 0 || shim_config_loading())
		return 0;
	type = socket_type(fd);
	if (type == SOCK_STREAM && (flags & MSG_FASTOPEN)) {
		*connected = true;
		return shim_connect(fd, addr, len);
	}
	if (type != SOCK_DGRAM)
		return 0;
	return leak_guard_check(shim_config(), type, &dest, call);
}

typedef ssize_t (*sendto_t)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
typedef ssize_t (*sendmsg_t)(int, const struct msghdr *, int);
typedef int (*sendmmsg_t)(int, struct mmsghdr *, unsigned int, int);

SHIM_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
			   const struct sockaddr *addr, socklen_t len)
{
	REAL(sendto_t, sendto);
	bool connected;

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	if (check_destination(fd, addr, len, flags, "sendto", &connected) < 0)
		return -1;
	if (async_marked(fd) && async_settle(fd) < 0)
		return -1;	/* a chain under way: its outcome first */
	if (connected)
		return fn(fd, buf, n, flags & ~MSG_FASTOPEN, NULL, 0);
	return fn(fd, buf, n, flags, addr, len);
}

SHIM_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	REAL(sendmsg_t, sendmsg);
	struct msghdr plain;
	bool connected;

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	if (msg && check_destination(fd, msg->msg_name, msg->msg_namelen, flags, "sendmsg",
				     &connected) < 0)
		return -1;
	if (async_marked(fd) && async_settle(fd) < 0)
		return -1;
	if (msg && connected) {
		plain = *msg;
		plain.msg_name = NULL;
		plain.msg_namelen = 0;
		return fn(fd, &plain, flags & ~MSG_FASTOPEN);
	}
	return fn(fd, msg, flags);
}

SHIM_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	REAL(sendmmsg_t, sendmmsg);
	bool connected;
	unsigned int i;

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	/* Fast Open is a sendto/sendmsg affair: a flag here only reaches the guard. */
	for (i = 0; vec && i < vlen; i++)
		if (check_destination(fd, vec[i].msg_hdr.msg_name, vec[i].msg_hdr.msg_namelen,
				      flags & ~MSG_FASTOPEN, "sendmmsg", &connected) < 0)
			return -1;
	return fn(fd, vec, vlen, flags);
}
