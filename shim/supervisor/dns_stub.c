#define _GNU_SOURCE
#include "dns_stub.h"
#include "dns_reply.h"

#include "../common/config.h"
#include "../common/fake_names.h"
#include "../common/log.h"
#include "../common/name_policy.h"
#include "dns_wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

enum {
	MESSAGE_MAX = 65535,
	UDP_ANSWER_MAX = 512,		/* RFC 1035 without EDNS: ours always fit */
	TCP_IDLE_SECONDS = 10,
};

/* A name a route or bypass keeps local: the supervisor's own resolver answers it. */
static int lookup_locally(const struct dns_question *q, uint8_t addr[16], size_t *addr_len)
{
	struct addrinfo hints = { .ai_family = q->type == DNS_TYPE_A ? AF_INET : AF_INET6,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;

	if (getaddrinfo(q->name, NULL, &hints, &res) != 0)
		return DNS_RCODE_NXDOMAIN;
	if (res->ai_family == AF_INET) {
		memcpy(addr, &((struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
		*addr_len = 4;
	} else {
		memcpy(addr, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, 16);
		*addr_len = 16;
	}
	freeaddrinfo(res);
	return DNS_RCODE_OK;
}

/* A name for the last hop: its fake address (IPv4 only: AAAA has no data). */
static int lookup_remotely(const struct shim_config *cfg, const struct dns_question *q,
			   uint8_t addr[16], size_t *addr_len)
{
	char text[INET_ADDRSTRLEN];
	struct netaddr fake;
	int rc;

	if (q->type != DNS_TYPE_A)
		return DNS_RCODE_OK;
	rc = fake_names_assign(cfg, q->name, &fake);
	if (rc == -EINVAL)
		return DNS_RCODE_NXDOMAIN;
	if (rc < 0) {
		shim_log(cfg, VERBOSITY_DEFAULT, "cannot resolve %s remotely: %s", q->name,
			 rc == -ENOSPC ? "the fake address map is full" : "no shared memory for names");
		return DNS_RCODE_SERVFAIL;
	}
	memcpy(addr, fake.addr, 4);
	*addr_len = 4;
	inet_ntop(AF_INET, fake.addr, text, sizeof(text));
	shim_log(cfg, VERBOSITY_DEBUG, "DNS stub: %s is %s, for the last hop to resolve", q->name,
		 text);
	return DNS_RCODE_OK;
}

/* The answer to one query; 0: none (not a query we can parse). */
/*
 * A hop written as a name is connected to here, by the library inside the
 * tree too, whose lookup comes to this stub: it needs the real address, not
 * a fake one.
 */
static bool names_a_hop(const char *name)
{
	const struct chain_config *cc = &shim_config()->chain;
	unsigned c, h;

	for (c = 0; c < cc->nchains; c++)
		for (h = 0; h < cc->chains[c].nhops; h++)
			if (cc->chains[c].hops[h].host_is_name &&
			    strcasecmp(cc->chains[c].hops[h].host, name) == 0)
				return true;
	return false;
}

static size_t answer(const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
	const struct shim_config *cfg;
	struct dns_question q;
	uint8_t addr[16];
	size_t addr_len = 0;
	int rcode = DNS_RCODE_OK;

	if (dns_parse_query(msg, len, &q) < 0)
		return 0;
	cfg = names_a_hop(q.name) ? NULL : name_policy_remote(q.name);
	if (q.qclass != DNS_CLASS_IN || (q.type != DNS_TYPE_A && q.type != DNS_TYPE_AAAA))
		rcode = DNS_RCODE_OK;	/* no data: nothing else is ours to tell */
	else if (cfg)
		rcode = lookup_remotely(cfg, &q, addr, &addr_len);
	else
		rcode = lookup_locally(&q, addr, &addr_len);
	return dns_build_answer(msg, &q, rcode, addr, addr_len, out, cap);
}

static void *serve_udp(void *arg)
{
	int fd = (int)(intptr_t)arg;
	static uint8_t in[MESSAGE_MAX], out[UDP_ANSWER_MAX];	/* this one thread's */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	ssize_t n;
	size_t len;

	for (;;) {
		peer_len = sizeof(peer);
		n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&peer, &peer_len);
		if (n < 0)
			continue;
		len = answer(in, (size_t)n, out, sizeof(out));
		if (len && !dns_reply_send(out, len, (struct sockaddr *)&peer, peer_len))
			sendto(fd, out, len, MSG_NOSIGNAL, (struct sockaddr *)&peer, peer_len);
	}
	return NULL;
}

static int read_full(int fd, uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n <= 0 && !(n < 0 && errno == EINTR))
			return -1;
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		}
	}
	return 0;
}

/* RFC 1035 4.2.2: each message behind a two-byte length. */
static void *serve_tcp_client(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint8_t *in = malloc(MESSAGE_MAX), out[2 + UDP_ANSWER_MAX], head[2];
	size_t len;

	while (in && read_full(fd, head, 2) == 0) {
		len = (size_t)(head[0] << 8 | head[1]);
		if (read_full(fd, in, len) < 0)
			break;
		len = answer(in, len, out + 2, sizeof(out) - 2);
		if (!len)
			break;
		out[0] = (uint8_t)(len >> 8);
		out[1] = (uint8_t)len;
		if (send(fd, out, len + 2, MSG_NOSIGNAL) < 0)
			break;
	}
	free(in);
	close(fd);
	return NULL;
}

static int spawn(void *(*fn)(void *), int fd)
{
	pthread_attr_t attr;
	pthread_t thread;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&thread, &attr, fn, (void *)(intptr_t)fd);
	pthread_attr_destroy(&attr);
	return -rc;
}

static void *serve_tcp(void *arg)
{
	struct timeval idle = { .tv_sec = TCP_IDLE_SECONDS };
	int fd = (int)(intptr_t)arg, client;

	for (;;) {
		client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (client < 0)
			continue;
		setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle));
		if (spawn(serve_tcp_client, client) < 0)
			close(client);
	}
	return NULL;
}

static int bind_loopback(int type, struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	*addr = (struct sockaddr_in){ .sin_family = AF_INET,
				      .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0) ||
	    getsockname(fd, (struct sockaddr *)addr, &len) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

int dns_stub_start(struct supervisor *sv)
{
	int udp = bind_loopback(SOCK_DGRAM, &sv->stub_udp);
	int tcp = udp < 0 ? udp : bind_loopback(SOCK_STREAM, &sv->stub_tcp);

	if (tcp < 0) {
		if (udp >= 0)
			close(udp);
		return tcp;
	}
	dns_reply_open();	/* before the tree runs: it could take the port otherwise */
	if (spawn(serve_udp, udp) < 0 || spawn(serve_tcp, tcp) < 0)
		return -EAGAIN;	/* the supervisor exits: nothing of the tree has run yet */
	return 0;
}
