#define _GNU_SOURCE
#include "handshake.h"

#include "http.h"
#include "sockio.h"
#include "socks4.h"
#include "socks5.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* One request and its fixed-length reply. */
static int exchange(int fd, const void *req, size_t reqlen, void *reply, size_t replylen,
		    int64_t deadline)
{
	int rc = sockio_send_all(fd, req, reqlen, deadline);

	return rc < 0 ? rc : sockio_recv_exact(fd, reply, replylen, deadline);
}

/* Says why a socket call failed, in the words a user reads. */
static int io_failure(int err, char *reason, size_t cap)
{
	if (err == -ETIMEDOUT)
		snprintf(reason, cap, "did not answer in time");
	else if (err == -EPROTO)
		snprintf(reason, cap, "closed the connection during its reply");
	else
		snprintf(reason, cap, "broke the connection: %s", strerror(-err));
	return err;
}

/* Says why a request could not be built (before anything was sent). */
static int build_failure(int err, const char *where, char *reason, size_t cap)
{
	if (err == -EAFNOSUPPORT)
		snprintf(reason, cap, "speaks SOCKS4, which cannot carry the IPv6 address %s", where);
	else if (err == -ENAMETOOLONG)
		snprintf(reason, cap, "cannot be asked for %s: a name or credential is longer "
			 "than 255 bytes", where);
	else if (err == -EINVAL)
		snprintf(reason, cap, "cannot be asked for %s: not a valid host name", where);
	else
		snprintf(reason, cap, "cannot be asked for %s: %s", where, strerror(-err));
	return err;
}

static int socks4_handshake(int fd, const struct hop *hop, const struct endpoint *next,
			    const char *where, int64_t deadline, char *reason, size_t cap)
{
	uint8_t req[SOCKS4_REQUEST_MAX], reply[SOCKS4_REPLY_LEN];
	const char *why;
	int len, rc;

	len = socks4_build_connect(req, sizeof(req), next, hop->user);
	if (len < 0)
		return build_failure(len, where, reason, cap);
	rc = exchange(fd, req, (size_t)len, reply, sizeof(reply), deadline);
	if (rc < 0)
		return io_failure(rc, reason, cap);
	rc = socks4_check_reply(reply, &why);
	if (rc < 0)
		snprintf(reason, cap, "%s for %s%s", why, where,
			 next->name && rc == -ECONNREFUSED
				 ? " (a SOCKS4 server without SOCKS4A refuses host names)" : "");
	return rc;
}

/* Greeting, then RFC 1929 credentials if the server chose them. */
static int socks5_authenticate(int fd, const struct hop *hop, int64_t deadline, char *reason,
			       size_t cap)
{
	uint8_t req[SOCKS5_AUTH_MAX], reply[SOCKS5_CHOICE_LEN];
	bool with_password = hop->user[0] != '\0';
	const char *why;
	int len, rc;

	len = socks5_build_greeting(req, sizeof(req), with_password);
	rc = exchange(fd, req, (size_t)len, reply, sizeof(reply), deadline);
	if (rc < 0)
		return io_failure(rc, reason, cap);
	rc = socks5_check_choice(reply, with_password, &why);
	if (rc != SOCKS5_METHOD_PASSWORD) {
		if (rc < 0)
			snprintf(reason, cap, "%s", why);
		return rc < 0 ? rc : 0;
	}
	len = socks5_build_auth(req, sizeof(req), hop->user, hop->pass);
	if (len < 0)
		return build_failure(len, "anything", reason, cap);
	rc = exchange(fd, req, (size_t)len, reply, sizeof(reply), deadline);
	explicit_bzero(req, sizeof(req));
	if (rc < 0)
		return io_failure(rc, reason, cap);
	rc = socks5_check_auth(reply, &why);
	if (rc < 0)
		snprintf(reason, cap, "%s", why);
	return rc;
}

static int socks5_handshake(int fd, const struct hop *hop, const struct endpoint *next,
			    const char *where, int64_t deadline, char *reason, size_t cap)
{
	uint8_t req[SOCKS5_REQUEST_MAX], reply[SOCKS5_REPLY_MAX];
	const char *why;
	int len, rc;

	len = socks5_build_connect(req, sizeof(req), next);
	if (len < 0)
		return build_failure(len, where, reason, cap);
	rc = socks5_authenticate(fd, hop, deadline, reason, cap);
	if (rc < 0)
		return rc;
	rc = exchange(fd, req, (size_t)len, reply, SOCKS5_REPLY_HEAD_LEN, deadline);
	if (rc < 0)
		return io_failure(rc, reason, cap);
	len = socks5_reply_length(reply, &why);
	if (len > 0)
		rc = sockio_recv_rest(fd, reply + SOCKS5_REPLY_HEAD_LEN,
				      (size_t)len - SOCKS5_REPLY_HEAD_LEN, deadline);
	if (len < 0 || rc < 0) {
		if (len < 0)
			snprintf(reason, cap, "%s", why);
		return len < 0 ? len : io_failure(rc, reason, cap);
	}
	rc = socks5_check_reply(reply, &why);
	if (rc < 0)
		snprintf(reason, cap, "%s for %s", why, where);
	return rc;
}

/*
 * Reads the response headers and not one byte more: the target may speak
 * first, and what follows the headers belongs to the program. Peeks at what
 * has arrived, then consumes either up to the end of the headers or, when
 * that is not there yet, all of it into buf, and looks again.
 */
static long read_http_headers(int fd, char *buf, int64_t deadline)
{
	size_t have = 0, end;
	long n;
	int rc;

	while (have < HTTP_HEADERS_MAX) {
		n = sockio_peek(fd, buf + have, HTTP_HEADERS_MAX - have, deadline);
		if (n <= 0)
			return n == 0 ? -EPROTO : n;
		/* a CRLF CRLF may straddle what was read before and what arrived now */
		end = http_headers_end(buf, have + (size_t)n);
		rc = sockio_recv_exact(fd, buf + have, end ? end - have : (size_t)n, deadline);
		if (rc < 0)
			return rc;
		if (end)
			return (long)end;
		have += (size_t)n;
	}
	return -EMSGSIZE;
}

static int http_handshake(int fd, const struct hop *hop, const struct endpoint *next,
			  const char *where, int64_t deadline, char *reason, size_t cap)
{
	char req[HTTP_REQUEST_MAX], headers[HTTP_HEADERS_MAX], status[HTTP_STATUS_TEXT_MAX];
	const char *why;
	long len;
	int rc;

	len = http_build_connect(req, sizeof(req), next, hop->user[0] ? hop->user : NULL,
				 hop->pass);
	if (len < 0)
		return build_failure((int)len, where, reason, cap);
	rc = sockio_send_all(fd, req, (size_t)len, deadline);
	explicit_bzero(req, sizeof(req));
	if (rc < 0)
		return io_failure(rc, reason, cap);
	len = read_http_headers(fd, headers, deadline);
	if (len == -EMSGSIZE) {
		snprintf(reason, cap, "sent response headers longer than %d bytes", HTTP_HEADERS_MAX);
		return -EPROTO;
	}
	if (len < 0)
		return io_failure((int)len, reason, cap);
	rc = http_check_status(headers, (size_t)len, status, &why);
	if (rc < 0)
		snprintf(reason, cap, "%s for %s: \"%s\"", why, where, status);
	return rc;
}

int hop_handshake(int fd, const struct hop *hop, const struct endpoint *next,
		  int64_t deadline, char *reason, size_t cap)
{
	char where[ENDPOINT_TEXT_MAX];

	endpoint_format(next, where, sizeof(where));
	switch (hop->proto) {
	case HOP_SOCKS4:
		return socks4_handshake(fd, hop, next, where, deadline, reason, cap);
	case HOP_SOCKS5:
		return socks5_handshake(fd, hop, next, where, deadline, reason, cap);
	case HOP_HTTP:
		return http_handshake(fd, hop, next, where, deadline, reason, cap);
	}
	snprintf(reason, cap, "has an unknown protocol");
	return -EPROTO;
}
