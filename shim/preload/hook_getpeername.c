/* getpeername(): a proxied socket's peer is the destination the program asked for. */
#define _GNU_SOURCE
#include "async_conn.h"
#include "export.h"
#include "peer_table.h"
#include "real.h"

#include <string.h>

SHIM_EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct sockaddr_storage actual, answer;
	socklen_t actual_len = sizeof(actual), answer_len;
	struct netaddr hop, dest;

	if (async_marked(fd) && async_settle(fd) < 0)
		return -1;	/* a chain under way: its outcome first */
	if (!addr || !len)
		return real_getpeername(fd, addr, len);
	if (real_getpeername(fd, (struct sockaddr *)&actual, &actual_len) < 0)
		return -1;
	answer = actual;
	answer_len = actual_len;
	if (netaddr_from_sockaddr((struct sockaddr *)&actual, actual_len, &hop) == 0 &&
	    peer_table_lookup(fd, &hop, &dest))
		answer_len = netaddr_to_sockaddr(&dest, actual.ss_family, &answer);
	/* Like the kernel: copy what fits, report the full length. */
	memcpy(addr, &answer, *len < answer_len ? *len : answer_len);
	*len = answer_len;
	return 0;
}
