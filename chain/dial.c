#define _GNU_SOURCE
#include "dial.h"

#include "deadline.h"
#include "handshake.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int connect_first_hop(int fd, int sock_family, const struct hop *hop,
			     int64_t deadline, connect_fn do_connect, char *reason, size_t cap)
{
	struct sockaddr_storage sa;
	socklen_t len = netaddr_to_sockaddr(&hop->addr, sock_family, &sa);
	int rc;

	if (len == 0) {
		snprintf(reason, cap, "is an IPv6 address, and the program's socket is IPv4");
		return -EAFNOSUPPORT;
	}
	rc = sockio_connect(fd, (struct sockaddr *)&sa, len, deadline, do_connect);
	if (rc == -ETIMEDOUT)
		snprintf(reason, cap, "did not accept the connection in time");
	else if (rc < 0)
		snprintf(reason, cap, "connect: %s", strerror(-rc));
	return rc;
}

int chain_dial(int fd, int sock_family, const struct chain_config *cfg,
	       const struct endpoint *dest, connect_fn do_connect, struct dial_report *rep)
{
	struct endpoint next;
	unsigned i;
	int rc = 0;

	memset(rep, 0, sizeof(*rep));
	for (i = 0; i < cfg->nhops; i++) {
		const struct hop *hop = &cfg->hops[i];
		int64_t start = clock_now_us();
		int64_t deadline = deadline_after_ms(cfg->timeout_ms);

		rep->failed_hop = i;
		if (i == 0)
			rc = connect_first_hop(fd, sock_family, hop, deadline, do_connect,
					       rep->reason, sizeof(rep->reason));
		if (i + 1 < cfg->nhops)
			hop_endpoint(&cfg->hops[i + 1], &next);
		else
			next = *dest;
		if (rc == 0)
			rc = hop_handshake(fd, hop, &next, deadline, rep->reason,
					   sizeof(rep->reason));
		rep->hop_us[i] = clock_now_us() - start;
		if (rc < 0)
			return rc;
		rep->hops_done = i + 1;
	}
	return 0;
}
