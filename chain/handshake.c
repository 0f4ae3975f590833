#define _GNU_SOURCE
#include "handshake.h"

#include "http.h"
#include "sockio.h"
#include "socks4.h"
#include "socks5.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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

/* Formatted only for a message: on success, nothing is spent on it. */
static const char *where_text(const struct endpoint *next, char buf[ENDPOINT_TEXT_MAX])
{
	if (!next)
		return "anything";
	endpoint_format(next, buf, ENDPOINT_TEXT_MAX);
	return buf;
}

/* Says why a request for next could not be built (before anything was sent). */
static int build_failure(int err, const struct endpoint *next, char *reason, size_t cap)
{
	char buf[ENDPOINT_TEXT_MAX];
	const char *where = where_text(next, buf);

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

/* The SOCKS4 reply: 8 bytes, one answer. */
static int socks4_read_reply(int fd, const struct endpoint *next, int64_t deadline,
			     char *reason, size_t cap)
{
	uint8_t reply[SOCKS4_REPLY_LEN];
	char where[ENDPOINT_TEXT_MAX];
	const char *why;
	int rc;

	rc = sockio_recv_exact(fd, reply, sizeof(reply), deadline);
	if (rc < 0)
		return io_failure(rc, reason, cap);
	rc = socks4_check_reply(reply, &why);
	if (rc < 0)
		snprintf(reason, cap, "%s for %s%s", why, where_text(next, where),
			 next->name && rc == -ECONNREFUSED
				 ? " (a SOCKS4 server without SOCKS4A refuses host names)" : "");
	return rc;
}

static int socks4_handshake(int fd, const struct hop *hop, const struct endpoint *next,
			    int64_t deadline, char *reason, size_t cap)
{
	uint8_t req[SOCKS4_REQUEST_MAX];
	int len, rc;

	len = socks4_build_connect(req, sizeof(req), next, hop->user);
	if (len < 0)
		return build_failure(len, next, reason, cap);
	rc = sockio_send_all(fd, req, (size_t)len, deadline);
	if (rc < 0)
		return io_failure(rc, reason, cap);
	return socks4_read_reply(fd, next, deadline, reason, cap);
}

/* The server's method choice among those offered. Returns the method or a negative errno. */
static int socks5_read_choice(int fd, unsigned offer, int64_t deadline, char *reason,
			      size_t cap)
{
	uint8_t reply[SOCKS5_CHOICE_LEN];
	const char *why;
	int rc;

	rc = sockio_recv_exact(fd, reply, sizeof(reply), deadline);
	if (rc < 0)
		return io_failure(rc, reason, cap);
	rc = socks5_check_choice(reply, offer, &why);
	if (rc < 0)
		snprintf(reason, cap, "%s", why);
	return rc;
}

static int socks5_read_auth_reply(int fd, int64_t deadline, char *reason, size_t cap)
{
	uint8_t reply[SOCKS5_AUTH_REPLY_LEN];
	const char *why;
	int rc;

	rc = sockio_recv_exact(fd, reply, sizeof(reply), deadline);
	if (rc < 0)
		return io_failure(rc, reason, cap);
	rc = socks5_check_auth(reply, &why);
	if (rc < 0)
		snprintf(reason, cap, "%s", why);
	return rc;
}

/* The CONNECT reply: its fixed start, then the rest its address type says. */
static int socks5_read_reply(int fd, const struct endpoint *next, int64_t deadline,
			     char *reason, size_t cap)
{
	uint8_t reply[SOCKS5_REPLY_MAX];
	char where[ENDPOINT_TEXT_MAX];
	const char *why;
	int len, rc;

	rc = sockio_recv_exact(fd, reply, SOCKS5_REPLY_HEAD_LEN, deadline);
	if (rc < 0)
		return io_failure(rc, reason, cap);
	len = socks5_reply_length(reply, &why);
	if (len < 0) {
		snprintf(reason, cap, "%s", why);
		return len;
	}
	rc = sockio_recv_rest(fd, reply + SOCKS5_REPLY_HEAD_LEN,
			      (size_t)len - SOCKS5_REPLY_HEAD_LEN, deadline);
	if (rc < 0)
		return io_failure(rc, reason, cap);
	rc = socks5_check_reply(reply, &why);
	if (rc < 0)
		snprintf(reason, cap, "%s for %s", why, where_text(next, where));
	return rc;
}

/* RFC 1929 credentials, built in buf. Returns their length or a negative errno. */
static int socks5_credentials(const struct hop *hop, uint8_t *buf, size_t cap, char *reason,
			      size_t rcap)
{
	int len = socks5_build_auth(buf, cap, hop->user, hop->pass);

	return len < 0 ? build_failure(len, NULL, reason, rcap) : len;
}

/* Greeting, then RFC 1929 credentials if the server chose them. */
static int socks5_authenticate(int fd, const struct hop *hop, int64_t deadline, char *reason,
			       size_t cap)
{
	unsigned offer = SOCKS5_OFFER_NONE | (hop->user[0] ? SOCKS5_OFFER_PASSWORD : 0);
	uint8_t req[SOCKS5_AUTH_MAX];
	int len, rc;

	len = socks5_build_greeting(req, sizeof(req), offer);
	rc = sockio_send_all(fd, req, (size_t)len, deadline);
	if (rc < 0)
		return io_failure(rc, reason, cap);
	rc = socks5_read_choice(fd, offer, deadline, reason, cap);
	if (rc != SOCKS5_METHOD_PASSWORD)
		return rc < 0 ? rc : 0;
	len = socks5_credentials(hop, req, sizeof(req), reason, cap);
	if (len < 0)
		return len;
	rc = sockio_send_all(fd, req, (size_t)len, deadline);
	explicit_bzero(req, sizeof(req));
	if (rc < 0)
		return io_failure(rc, reason, cap);
	return socks5_read_auth_reply(fd, deadline, reason, cap);
}

static int socks5_handshake(int fd, const struct hop *hop, const struct endpoint *next,
			    int64_t deadline, char *reason, size_t cap)
{
	uint8_t req[SOCKS5_REQUEST_MAX];
	int len, rc;

	len = socks5_build_connect(req, sizeof(req), next);
	if (len < 0)
		return build_failure(len, next, reason, cap);
	rc = socks5_authenticate(fd, hop, deadline, reason, cap);
	if (rc < 0)
		return rc;
	rc = sockio_send_all(fd, req, (size_t)len, deadline);
	if (rc < 0)
		return io_failure(rc, reason, cap);
	return socks5_read_reply(fd, next, deadline, reason, cap);
}

/*
 * Reads the response headers, after any 1xx interim responses, and not one
 * byte more: the target may speak first, and what follows the headers
 * belongs to the program. Peeks at what has arrived, then consumes either up
 * to the end of the final response's headers or, when that is not there
 * yet, all of it into buf, and looks again. *final: where that response starts.
 */
static long read_http_headers(int fd, char *buf, size_t *final, int64_t deadline)
{
	size_t have = 0, end;
	long n;
	int rc;

	while (have < HTTP_HEADERS_MAX) {
		n = sockio_peek(fd, buf + have, HTTP_HEADERS_MAX - have, deadline);
		if (n <= 0)
			return n == 0 ? -EPROTO : n;
		/* a CRLF CRLF may straddle what was read before and what arrived now */
		end = http_response_end(buf, have + (size_t)n, final);
		rc = sockio_recv_exact(fd, buf + have, end ? end - have : (size_t)n, deadline);
		if (rc < 0)
			return rc;
		if (end)
			return (long)end;
		have += (size_t)n;
	}
	return -EMSGSIZE;
}

static int http_read_reply(int fd, const struct endpoint *next, int64_t deadline,
			   char *reason, size_t cap)
{
	char headers[HTTP_HEADERS_MAX], status[HTTP_STATUS_TEXT_MAX], where[ENDPOINT_TEXT_MAX];
	const char *why;
	size_t final = 0;
	long len;
	int rc;

	len = read_http_headers(fd, headers, &final, deadline);
	if (len == -EMSGSIZE) {
		snprintf(reason, cap, "sent response headers longer than %d bytes", HTTP_HEADERS_MAX);
		return -EPROTO;
	}
	if (len < 0)
		return io_failure((int)len, reason, cap);
	rc = http_check_status(headers + final, (size_t)len - final, status, &why);
	if (rc < 0)
		snprintf(reason, cap, "%s for %s: \"%s\"", why, where_text(next, where), status);
	return rc;
}

static int http_handshake(int fd, const struct hop *hop, const struct endpoint *next,
			  int64_t deadline, char *reason, size_t cap)
{
	char req[HTTP_REQUEST_MAX];
	long len;
	int rc;

	len = http_build_connect(req, sizeof(req), next, hop->user[0] ? hop->user : NULL,
				 hop->pass);
	if (len < 0)
		return build_failure((int)len, next, reason, cap);
	rc = sockio_send_all(fd, req, (size_t)len, deadline);
	explicit_bzero(req, sizeof(req));
	if (rc < 0)
		return io_failure(rc, reason, cap);
	return http_read_reply(fd, next, deadline, reason, cap);
}

int hop_handshake(int fd, const struct hop *hop, const struct endpoint *next,
		  int64_t deadline, char *reason, size_t cap)
{
	switch (hop->proto) {
	case HOP_SOCKS4:
		return socks4_handshake(fd, hop, next, deadline, reason, cap);
	case HOP_SOCKS5:
		return socks5_handshake(fd, hop, next, deadline, reason, cap);
	case HOP_HTTP:
		return http_handshake(fd, hop, next, deadline, reason, cap);
	}
	snprintf(reason, cap, "has an unknown protocol");
	return -EPROTO;
}

/* Pipelined: the greeting offers one method, so the bytes after it can mean only one thing. */
static int socks5_requests(const struct hop *hop, const struct endpoint *next, uint8_t *buf,
			   size_t cap, char *reason, size_t rcap)
{
	unsigned offer = hop->user[0] ? SOCKS5_OFFER_PASSWORD : SOCKS5_OFFER_NONE;
	int len = socks5_build_greeting(buf, cap, offer), more;

	if (len < 0)
		return build_failure(-ENOBUFS, next, reason, rcap);
	if (hop->user[0]) {
		more = socks5_credentials(hop, buf + len, cap - (size_t)len, reason, rcap);
		if (more < 0)
			return more;
		len += more;
	}
	more = socks5_build_connect(buf + len, cap - (size_t)len, next);
	return more < 0 ? build_failure(more, next, reason, rcap) : len + more;
}

int hop_requests(const struct hop *hop, const struct endpoint *next, uint8_t *buf, size_t cap,
		 char *reason, size_t rcap)
{
	long len = -EPROTO;

	switch (hop->proto) {
	case HOP_SOCKS4:
		len = socks4_build_connect(buf, cap, next, hop->user);
		break;
	case HOP_SOCKS5:
		return socks5_requests(hop, next, buf, cap, reason, rcap);
	case HOP_HTTP:
		len = http_build_connect((char *)buf, cap, next, hop->user[0] ? hop->user : NULL,
					 hop->pass);
		break;
	}
	return len < 0 ? build_failure((int)len, next, reason, rcap) : (int)len;
}

int hop_replies(int fd, const struct hop *hop, const struct endpoint *next, int64_t deadline,
		char *reason, size_t cap)
{
	unsigned offer = hop->user[0] ? SOCKS5_OFFER_PASSWORD : SOCKS5_OFFER_NONE;
	int rc;

	switch (hop->proto) {
	case HOP_SOCKS4:
		return socks4_read_reply(fd, next, deadline, reason, cap);
	case HOP_SOCKS5:
		rc = socks5_read_choice(fd, offer, deadline, reason, cap);
		if (rc >= 0 && hop->user[0])
			rc = socks5_read_auth_reply(fd, deadline, reason, cap);
		return rc < 0 ? rc : socks5_read_reply(fd, next, deadline, reason, cap);
	case HOP_HTTP:
		return http_read_reply(fd, next, deadline, reason, cap);
	}
	snprintf(reason, cap, "has an unknown protocol");
	return -EPROTO;
}
