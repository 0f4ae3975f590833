#define _GNU_SOURCE
#include "handshake.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/*
 * Each protocol's steps, in the order they happen. A step either sends the
 * message in out (the *_SEND_* steps) or reads exactly in_want bytes into in
 * and judges them; HTTP peeks first to find where its headers end.
 */
enum step {
	S4_SEND, S4_REPLY,
	S5_SEND_GREETING, S5_CHOICE, S5_SEND_AUTH, S5_AUTH_REPLY, S5_SEND_CONNECT,
	S5_REPLY_HEAD, S5_REPLY_REST,
	HTTP_SEND, HTTP_PEEK, HTTP_TAKE,
	STEP_DONE,
};

int hop_talk_failure(int err, char *reason, size_t cap)
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

/* The next step sends len bytes already in out. */
static void to_send(struct hop_talk *t, int step, size_t len)
{
	t->step = step;
	t->out_len = len;
	t->out_done = 0;
}

/* The next step reads exactly want bytes; after a request, it waits for them first. */
static void to_read(struct hop_talk *t, int step, size_t want, bool fresh)
{
	t->step = step;
	t->in_have = 0;
	t->in_want = want;
	t->fresh = fresh;
}

/* RFC 1929 credentials into out. 0 or a negative errno with reason. */
static int socks5_credentials(struct hop_talk *t, uint8_t *buf, size_t cap, char *reason,
			      size_t rcap)
{
	int len = socks5_build_auth(buf, cap, t->hop->user, t->hop->pass);

	return len < 0 ? build_failure(len, NULL, reason, rcap) : len;
}

/* After the method choice or the credentials: the CONNECT request, or (pipelined) its reply. */
static int socks5_to_connect(struct hop_talk *t)
{
	if (t->pipelined) {
		to_read(t, S5_REPLY_HEAD, SOCKS5_REPLY_HEAD_LEN, true);
		return 0;
	}
	memcpy(t->out, t->connect_req, t->connect_len);
	to_send(t, S5_SEND_CONNECT, t->connect_len);
	return 0;
}

static int socks5_judge_choice(struct hop_talk *t, char *reason, size_t cap)
{
	const char *why;
	int rc = socks5_check_choice(t->in, t->offer, &why), len;

	if (rc < 0) {
		snprintf(reason, cap, "%s", why);
		return rc;
	}
	if (rc != SOCKS5_METHOD_PASSWORD)
		return socks5_to_connect(t);
	if (t->pipelined) {
		to_read(t, S5_AUTH_REPLY, SOCKS5_AUTH_REPLY_LEN, true);
		return 0;
	}
	len = socks5_credentials(t, t->out, sizeof(t->out), reason, cap);
	if (len < 0)
		return len;
	to_send(t, S5_SEND_AUTH, (size_t)len);
	return 0;
}

static int socks5_judge_auth(struct hop_talk *t, char *reason, size_t cap)
{
	const char *why;
	int rc = socks5_check_auth(t->in, &why);

	if (rc < 0) {
		snprintf(reason, cap, "%s", why);
		return rc;
	}
	return socks5_to_connect(t);
}

/* The CONNECT reply's fixed start says how long the rest is: most often here already. */
static int socks5_judge_head(struct hop_talk *t, char *reason, size_t cap)
{
	const char *why;
	int len = socks5_reply_length(t->in, &why);

	if (len < 0) {
		snprintf(reason, cap, "%s", why);
		return len;
	}
	t->step = S5_REPLY_REST;
	t->in_want = (size_t)len;
	t->fresh = false;
	return 0;
}

static int socks5_judge_reply(struct hop_talk *t, char *reason, size_t cap)
{
	char where[ENDPOINT_TEXT_MAX];
	const char *why;
	int rc = socks5_check_reply(t->in, &why);

	if (rc < 0)
		snprintf(reason, cap, "%s for %s", why, where_text(&t->next, where));
	t->step = STEP_DONE;
	return rc;
}

/* The SOCKS4 reply: 8 bytes, one answer. */
static int socks4_judge_reply(struct hop_talk *t, char *reason, size_t cap)
{
	char where[ENDPOINT_TEXT_MAX];
	const char *why;
	int rc = socks4_check_reply(t->in, &why);

	if (rc < 0)
		snprintf(reason, cap, "%s for %s%s", why, where_text(&t->next, where),
			 t->next.name && rc == -ECONNREFUSED
				 ? " (a SOCKS4 server without SOCKS4A refuses host names)" : "");
	t->step = STEP_DONE;
	return rc;
}

static int http_judge_status(struct hop_talk *t, char *reason, size_t cap)
{
	char status[HTTP_STATUS_TEXT_MAX], where[ENDPOINT_TEXT_MAX];
	size_t final = t->http_final;
	const char *why;
	int rc;

	rc = http_check_status((const char *)t->in + final, t->in_have - final, status, &why);

	if (rc < 0)
		snprintf(reason, cap, "%s for %s: \"%s\"", why, where_text(&t->next, where), status);
	t->step = STEP_DONE;
	return rc;
}

/*
 * HTTP: the response headers, after any 1xx interim responses (RFC 9110
 * section 15.2), and not one byte more, for the target may speak first and
 * what follows the headers belongs to the program. Peeks at what has
 * arrived, then takes either up to the end of the final response's headers
 * or, when that is not there yet, all of it, and looks again once more has come.
 */
static int http_peek(struct hop_talk *t, const struct sock_calls *io, int fd, char *reason,
		     size_t cap)
{
	size_t have = t->in_have, end, final = 0;
	ssize_t n;

	if (have >= HTTP_HEADERS_MAX) {
		snprintf(reason, cap, "sent response headers longer than %d bytes", HTTP_HEADERS_MAX);
		return -EPROTO;
	}
	n = io->recv(fd, t->in + have, HTTP_HEADERS_MAX - have, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0)
		return hop_talk_failure(-EPROTO, reason, cap);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
			       ? TALK_READ : hop_talk_failure(-errno, reason, cap);
	/* a CRLF CRLF may straddle what was taken before and what arrived now */
	end = http_response_end((const char *)t->in, have + (size_t)n, &final);
	t->step = HTTP_TAKE;
	t->in_want = end ? end : have + (size_t)n;
	t->http_whole = end != 0;	/* what is taken is what was peeked */
	t->http_final = final;
	t->fresh = false;
	return 0;
}

/* What comes after t->in filled up to in_want: the judgment of the step that read it. */
static int judge(struct hop_talk *t, char *reason, size_t cap)
{
	switch (t->step) {
	case S4_REPLY:
		return socks4_judge_reply(t, reason, cap);
	case S5_CHOICE:
		return socks5_judge_choice(t, reason, cap);
	case S5_AUTH_REPLY:
		return socks5_judge_auth(t, reason, cap);
	case S5_REPLY_HEAD:
		return socks5_judge_head(t, reason, cap);
	case S5_REPLY_REST:
		return socks5_judge_reply(t, reason, cap);
	case HTTP_TAKE:
		if (t->http_whole)
			return http_judge_status(t, reason, cap);
		t->step = HTTP_PEEK;	/* not all there yet: wait for more */
		t->fresh = true;
		return 0;
	}
	snprintf(reason, cap, "has an unknown protocol");
	return -EPROTO;
}

/* Sends the rest of out. 0 when all of it went, TALK_WRITE, or a negative errno. */
static int send_out(struct hop_talk *t, const struct sock_calls *io, int fd, char *reason,
		    size_t cap)
{
	ssize_t n;

	while (t->out_done < t->out_len) {
		n = io->send(fd, t->out + t->out_done, t->out_len - t->out_done,
			     MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			t->out_done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return TALK_WRITE;
		return hop_talk_failure(n < 0 ? -errno : -EPROTO, reason, cap);
	}
	explicit_bzero(t->out, t->out_len);	/* credentials */
	return 0;
}

/*
 * Reads the rest of in_want. A reply is never there the instant its request
 * went out, and the rest of a part read is rarely there at once: then it
 * waits for poll first. 0 when all is in, TALK_READ, or a negative errno.
 */
static int recv_in(struct hop_talk *t, const struct sock_calls *io, int fd, bool readable,
		   char *reason, size_t cap)
{
	ssize_t n;

	while (t->in_have < t->in_want) {
		if (t->fresh && !readable)
			return TALK_READ;
		n = io->recv(fd, t->in + t->in_have, t->in_want - t->in_have, MSG_DONTWAIT);
		if (n == 0)
			return hop_talk_failure(-EPROTO, reason, cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK
				       ? TALK_READ : hop_talk_failure(-errno, reason, cap);
		t->in_have += (size_t)n;
		t->fresh = true;
		readable = false;
	}
	return 0;
}

/* The read step that follows each send step, and how many bytes it reads. */
static void after_send(struct hop_talk *t)
{
	switch (t->step) {
	case S4_SEND:
		to_read(t, S4_REPLY, SOCKS4_REPLY_LEN, true);
		return;
	case S5_SEND_GREETING:
		to_read(t, S5_CHOICE, SOCKS5_CHOICE_LEN, true);
		return;
	case S5_SEND_AUTH:
		to_read(t, S5_AUTH_REPLY, SOCKS5_AUTH_REPLY_LEN, true);
		return;
	case S5_SEND_CONNECT:
		to_read(t, S5_REPLY_HEAD, SOCKS5_REPLY_HEAD_LEN, true);
		return;
	case HTTP_SEND:
		to_read(t, HTTP_PEEK, 0, true);
		return;
	}
}

static bool is_send_step(int step)
{
	return step == S4_SEND || step == S5_SEND_GREETING || step == S5_SEND_AUTH ||
	       step == S5_SEND_CONNECT || step == HTTP_SEND;
}

int hop_talk_pump(struct hop_talk *t, const struct sock_calls *io, int fd, bool readable,
		  char *reason, size_t cap)
{
	int rc;

	while (t->step != STEP_DONE) {
		if (is_send_step(t->step)) {
			rc = send_out(t, io, fd, reason, cap);
			if (rc != 0)
				return rc;
			after_send(t);
			readable = false;
			continue;
		}
		if (t->step == HTTP_PEEK) {
			if (t->fresh && !readable)
				return TALK_READ;
			rc = http_peek(t, io, fd, reason, cap);
			if (rc != 0)
				return rc;
		}
		rc = recv_in(t, io, fd, readable, reason, cap);
		if (rc != 0)
			return rc;
		rc = judge(t, reason, cap);
		if (rc < 0)
			return rc;
		readable = false;
	}
	return TALK_DONE;
}

int hop_talk_begin(struct hop_talk *t, const struct hop *hop, const struct endpoint *next,
		   bool pipelined, char *reason, size_t cap)
{
	bool user = hop->user[0] != '\0';
	int len;

	t->hop = hop;
	t->next = *next;
	if (next->name) {
		snprintf(t->next_name, sizeof(t->next_name), "%s", next->name);
		t->next.name = t->next_name;
	}
	t->pipelined = pipelined;
	t->offer = pipelined ? (user ? SOCKS5_OFFER_PASSWORD : SOCKS5_OFFER_NONE)
			     : SOCKS5_OFFER_NONE | (user ? SOCKS5_OFFER_PASSWORD : 0);
	t->out_len = t->out_done = 0;
	switch (hop->proto) {
	case HOP_SOCKS4:
		if (pipelined) {
			to_read(t, S4_REPLY, SOCKS4_REPLY_LEN, true);
			return 0;
		}
		len = socks4_build_connect(t->out, sizeof(t->out), &t->next, hop->user);
		if (len < 0)
			return build_failure(len, &t->next, reason, cap);
		to_send(t, S4_SEND, (size_t)len);
		return 0;
	case HOP_SOCKS5:
		len = socks5_build_connect(t->connect_req, sizeof(t->connect_req), &t->next);
		if (len < 0)
			return build_failure(len, &t->next, reason, cap);
		t->connect_len = (size_t)len;
		if (pipelined) {
			to_read(t, S5_CHOICE, SOCKS5_CHOICE_LEN, true);
			return 0;
		}
		len = socks5_build_greeting(t->out, sizeof(t->out), t->offer);
		to_send(t, S5_SEND_GREETING, (size_t)len);
		return 0;
	case HOP_HTTP:
		if (pipelined) {
			to_read(t, HTTP_PEEK, 0, true);
			return 0;
		}
		len = http_build_connect((char *)t->out, sizeof(t->out), &t->next,
					 user ? hop->user : NULL, hop->pass);
		if (len < 0)
			return build_failure(len, &t->next, reason, cap);
		to_send(t, HTTP_SEND, (size_t)len);
		return 0;
	}
	snprintf(reason, cap, "has an unknown protocol");
	return -EPROTO;
}

void hop_talk_end(struct hop_talk *t)
{
	/* Only a hop with credentials puts secrets there; the others' 2 kB stay as they are. */
	if (t->hop && (t->hop->user[0] || t->hop->has_pass))
		explicit_bzero(t->out, sizeof(t->out));
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
		more = socks5_build_auth(buf + len, cap - (size_t)len, hop->user, hop->pass);
		if (more < 0)
			return build_failure(more, NULL, reason, rcap);
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
