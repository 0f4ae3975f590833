/*
 * bench --floor: the chain dialed in-process, with no preload at all.
 *
 * The best any socksifier could do with the same round trips: connect to
 * hop 1, then for each hop one request for the next hop (or the destination)
 * and its reply read exactly, with one system call per message on a blocking
 * socket. No poll, no timeout, no flag juggling, no log, no shared memory.
 * The requests are built and the replies judged by the chain/ codecs, which
 * are pure functions: they cost what parsing costs anywhere.
 * With --pipeline, a SOCKS5 hop's messages go out in one write: the floor of
 * a socksifier that pipelines (SOCKS4 and HTTP take one round trip anyway).
 */
#define _GNU_SOURCE
#include "bench.h"

#include "../../chain/http.h"
#include "../../chain/socks4.h"
#include "../../chain/socks5.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* +----+----+---------+-------+--------+-----+     reply: 8 bytes, CD 90
 * | VN | CD | DSTPORT | DSTIP | USERID | NUL | ... (SOCKS4A: HOST NUL) */
static int floor_socks4(int fd, const struct hop *hop, const struct endpoint *next)
{
	uint8_t req[SOCKS4_REQUEST_MAX], reply[SOCKS4_REPLY_LEN];
	const char *why;

	int len = socks4_build_connect(req, sizeof req, next, hop->user);
	if (len < 0)
		return len;
	int rc = bench_send_all(fd, req, (size_t)len);
	if (rc == 0)
		rc = bench_recv_exact(fd, reply, sizeof reply);
	return rc < 0 ? rc : socks4_check_reply(reply, &why);
}

/* RFC 1928 method choice, and RFC 1929 when the hop has a user. */
static int floor_socks5_auth(int fd, const struct hop *hop)
{
	uint8_t buf[SOCKS5_AUTH_MAX], choice[SOCKS5_CHOICE_LEN];
	unsigned offer = SOCKS5_OFFER_NONE | (hop->user[0] ? SOCKS5_OFFER_PASSWORD : 0);
	const char *why;

	int len = socks5_build_greeting(buf, sizeof buf, offer);
	int rc = bench_send_all(fd, buf, (size_t)len);
	if (rc == 0)
		rc = bench_recv_exact(fd, choice, sizeof choice);
	if (rc == 0)
		rc = socks5_check_choice(choice, offer, &why);
	if (rc != SOCKS5_METHOD_PASSWORD)
		return rc < 0 ? rc : 0;
	len = socks5_build_auth(buf, sizeof buf, hop->user, hop->pass);
	if (len < 0)
		return len;
	rc = bench_send_all(fd, buf, (size_t)len);
	if (rc == 0)
		rc = bench_recv_exact(fd, choice, SOCKS5_AUTH_REPLY_LEN);
	return rc < 0 ? rc : socks5_check_auth(choice, &why);
}

/* The reply's head, then exactly the rest of it. */
static int floor_socks5_reply(int fd)
{
	uint8_t reply[SOCKS5_REPLY_MAX];
	const char *why;

	int rc = bench_recv_exact(fd, reply, SOCKS5_REPLY_HEAD_LEN);
	if (rc < 0)
		return rc;
	int len = socks5_reply_length(reply, &why);
	if (len < 0)
		return len;
	rc = bench_recv_exact(fd, reply + SOCKS5_REPLY_HEAD_LEN,
			      (size_t)len - SOCKS5_REPLY_HEAD_LEN);
	return rc < 0 ? rc : socks5_check_reply(reply, &why);
}

/* A round trip for the method, one for the password if any, one for CONNECT. */
static int floor_socks5(int fd, const struct hop *hop, const struct endpoint *next)
{
	uint8_t req[SOCKS5_REQUEST_MAX];

	int rc = floor_socks5_auth(fd, hop);
	if (rc < 0)
		return rc;
	int len = socks5_build_connect(req, sizeof req, next);
	if (len < 0)
		return len;
	rc = bench_send_all(fd, req, (size_t)len);
	return rc < 0 ? rc : floor_socks5_reply(fd);
}

/*
 * Pipelined: greeting, password and CONNECT in one write, then the replies
 * in turn. The greeting offers the one method the bytes after it are for.
 */
static int floor_socks5_pipelined(int fd, const struct hop *hop, const struct endpoint *next)
{
	uint8_t out[SOCKS5_GREETING_MAX + SOCKS5_AUTH_MAX + SOCKS5_REQUEST_MAX];
	uint8_t in[SOCKS5_CHOICE_LEN];
	bool with_password = hop->user[0] != '\0';
	unsigned offer = with_password ? SOCKS5_OFFER_PASSWORD : SOCKS5_OFFER_NONE;
	const char *why;
	int n, len = socks5_build_greeting(out, sizeof out, offer);

	if (with_password) {
		n = socks5_build_auth(out + len, sizeof out - (size_t)len, hop->user, hop->pass);
		if (n < 0)
			return n;
		len += n;
	}
	n = socks5_build_connect(out + len, sizeof out - (size_t)len, next);
	if (n < 0)
		return n;
	int rc = bench_send_all(fd, out, (size_t)len + (size_t)n);
	if (rc == 0)
		rc = bench_recv_exact(fd, in, sizeof in);
	if (rc == 0)
		rc = socks5_check_choice(in, offer, &why);
	if (rc >= 0 && with_password) {
		rc = bench_recv_exact(fd, in, SOCKS5_AUTH_REPLY_LEN);
		if (rc == 0)
			rc = socks5_check_auth(in, &why);
	}
	return rc < 0 ? rc : floor_socks5_reply(fd);
}

/*
 * Peek at what has come; while the headers' CRLF CRLF is not in it, every
 * byte peeked is a header byte and is taken. Once it is, take exactly up to
 * it: what follows belongs to the tunnel.
 */
static int floor_http_headers(int fd, char *buf, size_t *len)
{
	size_t have = 0;

	while (have < HTTP_HEADERS_MAX) {
		ssize_t n = recv(fd, buf + have, HTTP_HEADERS_MAX - have, MSG_PEEK);
		if (n == 0)
			return -BENCH_SHORT_READ;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n < 0) {
			int rc = errno == EAGAIN ? bench_wait(fd, POLLIN) : 0;
			if (rc < 0)
				return rc;
			continue;
		}
		size_t end = http_headers_end(buf, have + (size_t)n);
		size_t take = end > 0 ? end - have : (size_t)n;
		int rc = bench_recv_exact(fd, buf + have, take);
		if (rc < 0)
			return rc;
		have += take;
		if (end > 0) {
			*len = end;
			return 0;
		}
	}
	return -EMSGSIZE;
}

static int floor_http(int fd, const struct hop *hop, const struct endpoint *next)
{
	char req[HTTP_REQUEST_MAX], head[HTTP_HEADERS_MAX], status[HTTP_STATUS_TEXT_MAX];
	const char *why;
	size_t len = 0;

	int n = http_build_connect(req, sizeof req, next, hop->user[0] ? hop->user : NULL,
				   hop->pass);
	if (n < 0)
		return n;
	int rc = bench_send_all(fd, req, (size_t)n);
	if (rc == 0)
		rc = floor_http_headers(fd, head, &len);
	return rc < 0 ? rc : http_check_status(head, len, status, &why);
}

static int floor_hop(int fd, const struct hop *hop, const struct endpoint *next, bool pipeline)
{
	switch (hop->proto) {
	case HOP_SOCKS4: return floor_socks4(fd, hop, next);
	case HOP_SOCKS5:
		return pipeline ? floor_socks5_pipelined(fd, hop, next) : floor_socks5(fd, hop, next);
	case HOP_HTTP: return floor_http(fd, hop, next);
	}
	return -EPROTONOSUPPORT;
}

int floor_dial(const struct bench_opts *o, const struct endpoint *dest)
{
	const struct chain *chain = o->chain;
	struct sockaddr_storage ss;
	const struct hop *first = &chain->hops[0];
	socklen_t len = netaddr_to_sockaddr(&first->addr, first->addr.family, &ss);
	int fd = socket(first->addr.family, SOCK_STREAM | (o->nonblock ? SOCK_NONBLOCK : 0), 0);

	if (fd < 0)
		return -errno;
	int rc = bench_connect_fd(fd, (const struct sockaddr *)&ss, len);
	for (unsigned i = 0; rc == 0 && i < chain->nhops; i++) {
		struct endpoint next = *dest;
		if (i + 1 < chain->nhops)
			hop_endpoint(&chain->hops[i + 1], &next);
		rc = floor_hop(fd, &chain->hops[i], &next, o->pipeline);
	}
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

int floor_parse(const char *spec, const struct chain **out)
{
	static struct chain_config cfg;	/* parsed once, before any thread; chain points into it */
	struct spec_error err;

	if (spec_parse(spec, "--floor", &cfg, &err) < 0) {
		fprintf(stderr, "bench: %s\n", err.text);
		return -EINVAL;
	}
	const struct chain *chain = &cfg.chains[0];
	if (chain->nhops == 0 || chain->hops[0].host_is_name) {
		fprintf(stderr, "bench: --floor: hop 1 must be an address\n");
		return -EINVAL;
	}
	*out = chain;
	return 0;
}
