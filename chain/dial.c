#define _GNU_SOURCE
#include "dial.h"

#include "deadline.h"
#include "socks4.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Says why a socket call failed, in the words a user reads. */
static void describe_io_error(int err, const char *doing, char *reason, size_t cap)
{
	if (err == -ETIMEDOUT)
		snprintf(reason, cap, "did not %s in time", doing);
	else if (err == -EPROTO)
		snprintf(reason, cap, "closed the connection during its reply");
	else
		snprintf(reason, cap, "%s: %s", doing, strerror(-err));
}

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

static int socks4_handshake(int fd, const struct hop *hop, const struct netaddr *next,
			    int64_t deadline, char *reason, size_t cap)
{
	uint8_t req[SOCKS4_REQUEST_MAX], reply[SOCKS4_REPLY_LEN];
	char where[NETADDR_TEXT_MAX];
	const char *why;
	int len, rc;

	netaddr_format(next, where, sizeof(where));
	len = socks4_build_connect(req, sizeof(req), next, hop->user);
	if (len == -EAFNOSUPPORT) {
		snprintf(reason, cap, "speaks SOCKS4, which cannot carry the IPv6 address %s", where);
		return len;
	}
	if (len < 0) {
		snprintf(reason, cap, "cannot build a request: %s", strerror(-len));
		return len;
	}
	rc = sockio_send_all(fd, req, (size_t)len, deadline);
	if (rc == 0)
		rc = sockio_recv_exact(fd, reply, sizeof(reply), deadline);
	if (rc < 0) {
		describe_io_error(rc, "answer", reason, cap);
		return rc;
	}
	rc = socks4_check_reply(reply, &why);
	if (rc < 0)
		snprintf(reason, cap, "%s for %s", why, where);
	return rc;
}

static int hop_handshake(int fd, const struct hop *hop, const struct netaddr *next,
			 int64_t deadline, char *reason, size_t cap)
{
	switch (hop->proto) {
	case HOP_SOCKS4:
		return socks4_handshake(fd, hop, next, deadline, reason, cap);
	}
	snprintf(reason, cap, "has an unknown protocol");
	return -EPROTO;
}

int chain_dial(int fd, int sock_family, const struct chain_config *cfg,
	       const struct netaddr *dest, connect_fn do_connect, struct dial_report *rep)
{
	unsigned i;
	int rc = 0;

	memset(rep, 0, sizeof(*rep));
	for (i = 0; i < cfg->nhops; i++) {
		const struct hop *hop = &cfg->hops[i];
		const struct netaddr *next = i + 1 < cfg->nhops ? &cfg->hops[i + 1].addr : dest;
		int64_t start = clock_now_us();
		int64_t deadline = deadline_after_ms(cfg->timeout_ms);

		rep->failed_hop = i;
		if (i == 0)
			rc = connect_first_hop(fd, sock_family, hop, deadline, do_connect,
					       rep->reason, sizeof(rep->reason));
		if (rc == 0)
			rc = hop_handshake(fd, hop, next, deadline, rep->reason,
					   sizeof(rep->reason));
		rep->hop_us[i] = clock_now_us() - start;
		if (rc < 0)
			return rc;
		rep->hops_done = i + 1;
	}
	return 0;
}
