#define _GNU_SOURCE
#include "dns_reply.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
	DNS_PORT = 53,
	EXPECTED_MAX = 64,	/* sockets waiting for an answer at once; the oldest forgotten */
	EXPECTED_SECONDS = 30,	/* a query unanswered longer is forgotten: its port may be reused */
};

/*
 * Shared by the supervisor's workers (which record) and the stub's UDP
 * thread (which answers): the port 53 socket, and which local port asked
 * which nameserver.
 */
static struct {
	pthread_mutex_t lock;
	pthread_once_t once;
	int fd;
	unsigned next;
	struct {
		uint16_t port;		/* network order; 0: free */
		struct in_addr server;
		time_t at;
	} expected[EXPECTED_MAX];
} replies = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_ONCE_INIT, -1, 0, { { 0 } } };

/* Loopback addresses for our port 53 socket, tried in turn: any of 127/8 is ours, few are used. */
static const char *const reply_from[] = { "127.83.67.53", "127.83.67.54", "127.83.67.55" };

static void open_once(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(DNS_PORT) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;
	size_t i;

	if (fd < 0)
		return;
	/* For a nameserver that is no address of this machine; refused without CAP_NET_ADMIN. */
	setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof(one));
	for (i = 0; i < sizeof(reply_from) / sizeof(reply_from[0]); i++) {
		inet_pton(AF_INET, reply_from[i], &sin.sin_addr);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
			replies.fd = fd;
			return;
		}
		if (errno != EADDRINUSE)
			break;
	}
	close(fd);
}

bool dns_reply_open(void)
{
	pthread_once(&replies.once, open_once);
	return replies.fd >= 0;
}

/* The IPv4 address of dest, plain or mapped; false for anything else. */
static bool ipv4_of(const struct sockaddr *dest, socklen_t len, struct in_addr *out)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)dest;

	if (dest->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		*out = ((const struct sockaddr_in *)dest)->sin_addr;
		return true;
	}
	if (dest->sa_family != AF_INET6 || len < sizeof(*sin6) ||
	    !IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return false;
	memcpy(out, &sin6->sin6_addr.s6_addr[12], sizeof(*out));
	return true;
}

/* fd's local port, in network order, after binding it as the kernel's autobind would; 0 on failure. */
static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (((struct sockaddr_in *)&ss)->sin_port == 0) {
		/* Family kept, address any, port 0: what the first send would bind. */
		struct sockaddr_storage any = { .ss_family = ss.ss_family };

		if (bind(fd, (struct sockaddr *)&any, len) < 0 ||
		    getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
			return 0;
	}
	/* sin_port and sin6_port lie at the same offset. */
	return ((struct sockaddr_in *)&ss)->sin_port;
}

static time_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void dns_reply_expect(int fd, const struct sockaddr *dest, socklen_t dest_len)
{
	struct sockaddr_storage peer;
	socklen_t peer_len = sizeof(peer);
	struct in_addr server;
	uint16_t port;
	unsigned i, slot;

	if (!dns_reply_open() || !ipv4_of(dest, dest_len, &server) ||
	    getpeername(fd, (struct sockaddr *)&peer, &peer_len) == 0 || errno != ENOTCONN)
		return;
	port = local_port(fd);
	if (port == 0)
		return;
	pthread_mutex_lock(&replies.lock);
	slot = replies.next;
	for (i = 0; i < EXPECTED_MAX; i++)
		if (replies.expected[i].port == port)
			slot = i;
	if (slot == replies.next)
		replies.next = (replies.next + 1) % EXPECTED_MAX;
	replies.expected[slot].port = port;
	replies.expected[slot].server = server;
	replies.expected[slot].at = now();
	pthread_mutex_unlock(&replies.lock);
}

/* Where peer's query went, forgotten once told: one answer a query. False when it expects none of ours. */
static bool server_for(const struct sockaddr *peer, socklen_t peer_len, struct in_addr *server)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)peer;
	bool found = false;
	unsigned i;

	if (peer->sa_family != AF_INET || peer_len < sizeof(*sin))
		return false;
	pthread_mutex_lock(&replies.lock);
	for (i = 0; i < EXPECTED_MAX && !found; i++)
		if (replies.expected[i].port == sin->sin_port) {
			*server = replies.expected[i].server;
			found = now() - replies.expected[i].at < EXPECTED_SECONDS;
			replies.expected[i].port = 0;
		}
	pthread_mutex_unlock(&replies.lock);
	return found;
}

bool dns_reply_send(const void *answer, size_t len, const struct sockaddr *peer,
		    socklen_t peer_len)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	} control = { 0 };
	struct iovec iov = { (void *)answer, len };
	struct msghdr msg = {
		.msg_name = (void *)peer, .msg_namelen = peer_len, .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	struct in_pktinfo info = { 0 };

	if (replies.fd < 0 || !server_for(peer, peer_len, &info.ipi_spec_dst))
		return false;
	cmsg->cmsg_level = SOL_IP;
	cmsg->cmsg_type = IP_PKTINFO;
	cmsg->cmsg_len = CMSG_LEN(sizeof(info));
	memcpy(CMSG_DATA(cmsg), &info, sizeof(info));
	return sendmsg(replies.fd, &msg, MSG_NOSIGNAL) == (ssize_t)len;
}
