/* getpeername(): a proxied socket's peer is the destination the program asked for. */
#define _GNU_SOURCE
#include "async_conn.h"
#include "export.h"
#include "peer_table.h"
#include "real.h"
#include "user_mem.h"

#include <errno.h>
#include <string.h>

/*
 * Like the kernel: read the room the caller gave, copy what fits, report the
 * full length; a bad pointer is EFAULT, a negative room EINVAL.
 */
static int give_answer(const struct sockaddr_storage *answer, socklen_t answer_len,
		       struct sockaddr *addr, socklen_t *len)
{
	socklen_t room;

	if (user_read(&room, len, sizeof(room)) < 0)
		return -EFAULT;
	if ((int)room < 0)
		return -EINVAL;
	if (user_write(addr, answer, room < answer_len ? room : answer_len) < 0 ||
	    user_write(len, &answer_len, sizeof(answer_len)) < 0)
		return -EFAULT;
	return 0;
}

SHIM_EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct sockaddr_storage actual, answer;
	socklen_t actual_len = sizeof(actual), answer_len;
	struct netaddr hop, dest;
	int rc;

	if (async_marked(fd) && async_settle(fd) < 0)
		return -1;	/* a chain under way: its outcome first */
	/* The kernel's own errors (EBADF, ENOTSOCK, ENOTCONN) come before the caller's memory. */
	if (real_getpeername(fd, (struct sockaddr *)&actual, &actual_len) < 0)
		return -1;
	answer = actual;
	answer_len = actual_len;
	if (netaddr_from_sockaddr((struct sockaddr *)&actual, actual_len, &hop) == 0 &&
	    peer_table_lookup(fd, &hop, &dest))
		answer_len = netaddr_to_sockaddr(&dest, actual.ss_family, &answer);
	rc = give_answer(&answer, answer_len, addr, len);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}
