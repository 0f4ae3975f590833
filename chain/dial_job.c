#define _GNU_SOURCE
#include "dial_job.h"

#include "deadline.h"
#include "sockio.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

enum phase {
	JOB_TRY,		/* pick the next path */
	JOB_HOP,		/* start on hop path[pos] */
	JOB_CONNECTING,		/* the TCP connect to the first hop */
	JOB_BEGIN,		/* connected to hop path[pos]: its first message */
	JOB_TALK,		/* hop path[pos]'s handshake */
	JOB_OK,
	JOB_FAILED,
};

/* A phase function's answer: moved on to another phase, go on at once. */
#define MOVED_ON 0

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* What hop path[pos] is asked to connect to: the next hop, or the destination. */
static void next_endpoint(const struct dial_job *j, unsigned pos, struct endpoint *next)
{
	if (pos + 1 < j->n)
		hop_endpoint(&j->chain->hops[j->path[pos + 1]], next);
	else
		*next = j->dest;
}

static int start_try(struct dial_job *j)
{
	struct dial_report *rep = j->rep;

	j->n = path_pick(j->chain, j->env.chain_index, j->env.health, &j->blame.st,
			 clock_now_ms(), j->path);
	if (j->n == 0) {
		if (rep->path_len == 0)	/* not one try */
			snprintf(rep->reason, sizeof(rep->reason), "has no hop left to try");
		j->phase = JOB_FAILED;
		return MOVED_ON;
	}
	memcpy(rep->path, j->path, j->n * sizeof(j->path[0]));
	rep->path_len = j->n;
	rep->connect_failed = false;
	j->pos = 0;
	j->sent = 0;
	j->phase = JOB_HOP;
	return MOVED_ON;
}

/* Hop 1's address: a name is resolved now, within the hop's deadline. */
static int first_hop_address(struct dial_job *j, const struct hop *hop, struct netaddr *addr)
{
	struct dial_report *rep = j->rep;

	if (hop->host_is_name && j->env.resolve_hop)
		return j->env.resolve_hop(hop, j->hop_deadline, addr, rep->reason,
					  sizeof(rep->reason));
	if (hop->addr.family == 0) {
		snprintf(rep->reason, sizeof(rep->reason), "has a name that did not resolve");
		return -EHOSTUNREACH;
	}
	*addr = hop->addr;
	return 0;
}

/*
 * A fresh non-blocking TCP connect says EINPROGRESS; 0 at once comes from a
 * deferred (TCP Fast Open) connect, which has no peer yet, or from a socket
 * whose own connect had finished already: the kernel only counts it done at
 * the next connect() (this one). A handshake must not go into that
 * connection, whoever made it (this library's tunnel, or an inherited one).
 */
static bool connected_before(const struct dial_job *j)
{
	return j->env.do_getpeername && sockio_has_peer(j->fd, j->env.do_getpeername);
}

/* A guessed family the first hop's address did not suit may be wrong: the caller asks. */
static int family_doubt(struct dial_job *j, int rc)
{
	if (j->env.family_guessed && (rc == -EINVAL || rc == -EAFNOSUPPORT))
		j->rep->family_doubted = true;
	return rc;
}

static int connect_first_hop(struct dial_job *j, const struct hop *hop)
{
	struct dial_report *rep = j->rep;
	int rc;

	rep->connect_failed = true;
	rc = first_hop_address(j, hop, &rep->first_hop);
	if (rc < 0)
		return rc;
	j->hop1_len = netaddr_to_sockaddr(&rep->first_hop, j->family, &j->hop1);
	if (j->hop1_len == 0) {
		snprintf(rep->reason, sizeof(rep->reason),
			 "is an IPv6 address, and the program's socket is IPv4");
		return family_doubt(j, -EAFNOSUPPORT);
	}
	if (j->env.do_connect(j->fd, (struct sockaddr *)&j->hop1, j->hop1_len) == 0) {
		if (connected_before(j)) {
			snprintf(rep->reason, sizeof(rep->reason), "connect: %s", strerror(EISCONN));
			return -EISCONN;
		}
		rep->connect_failed = false;
		j->phase = JOB_BEGIN;
		return MOVED_ON;
	}
	/* EINTR on a non-blocking connect still leaves the attempt running. */
	if (errno != EINPROGRESS && errno != EINTR) {
		snprintf(rep->reason, sizeof(rep->reason), "connect: %s", strerror(errno));
		return family_doubt(j, -errno);
	}
	j->phase = JOB_CONNECTING;
	j->events = POLLOUT;
	j->deadline = j->hop_deadline;
	return DIAL_PENDING;
}

/*
 * Pipelining: the messages of hops path[pos..] that may go before any reply
 * has come, into the batch. An HTTP proxy may read past the end of its
 * request's headers, so nothing goes after one until its reply is in; a full
 * buffer also ends the batch.
 */
static int build_batch(struct dial_job *j)
{
	struct dial_report *rep = j->rep;
	struct endpoint next;
	unsigned pos;
	int more;

	j->batch_len = j->batch_done = 0;
	for (pos = j->pos; pos < j->n; pos++) {
		const struct hop *hop = &j->chain->hops[j->path[pos]];

		next_endpoint(j, pos, &next);
		more = hop_requests(hop, &next, j->batch + j->batch_len,
				    sizeof(j->batch) - j->batch_len, rep->reason, sizeof(rep->reason));
		if (more == -ENOBUFS && pos > j->pos)
			break;	/* the next batch, then */
		if (more < 0) {
			rep->failed_pos = pos;
			explicit_bzero(j->batch, j->batch_len);
			j->batch_len = 0;
			return more;
		}
		j->batch_len += (size_t)more;
		if (hop->proto == HOP_HTTP) {
			pos++;
			break;
		}
	}
	j->sent = pos;
	return 0;
}

static int start_hop(struct dial_job *j)
{
	const struct hop *hop = &j->chain->hops[j->path[j->pos]];

	j->rep->failed_pos = j->pos;
	j->hop_start_us = clock_now_us();
	j->hop_deadline = min64(deadline_after_ms(j->chain->timeout_ms), j->overall);
	if (j->pos == 0)
		return connect_first_hop(j, hop);
	j->phase = JOB_BEGIN;
	return MOVED_ON;
}

static int begin_talk(struct dial_job *j)
{
	const struct hop *hop = &j->chain->hops[j->path[j->pos]];
	struct endpoint next;
	int rc;

	if (j->chain->pipeline && j->pos == j->sent) {
		rc = build_batch(j);
		if (rc < 0)
			return rc;
	}
	next_endpoint(j, j->pos, &next);
	return hop_talk_begin(&j->talk, hop, &next, j->chain->pipeline, j->rep->reason,
			      sizeof(j->rep->reason));
}

/* Only a pipelined chain fills the batch, and its credentials go in it. */
static void wipe_batch(struct dial_job *j)
{
	if (j->chain->pipeline)
		explicit_bzero(j->batch, sizeof(j->batch));
}

/* Sends what is left of the pipelined batch. 0 when all went, DIAL_PENDING, or an errno. */
static int send_batch(struct dial_job *j)
{
	ssize_t n;

	while (j->batch_done < j->batch_len) {
		n = j->env.io->send(j->fd, j->batch + j->batch_done,
				    j->batch_len - j->batch_done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			j->batch_done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			j->events = POLLOUT;
			return DIAL_PENDING;
		}
		snprintf(j->rep->reason, sizeof(j->rep->reason), "broke the connection: %s",
			 strerror(n < 0 ? errno : EPIPE));
		return n < 0 ? -errno : -EPIPE;
	}
	explicit_bzero(j->batch, j->batch_len);	/* credentials */
	j->batch_len = j->batch_done = 0;
	return 0;
}

static int talk(struct dial_job *j, bool readable)
{
	int rc = send_batch(j);

	if (rc != 0)
		return rc;
	rc = hop_talk_pump(&j->talk, j->env.io, j->fd, readable, j->rep->reason,
			   sizeof(j->rep->reason));
	if (rc < 0)
		return rc;
	if (rc != TALK_DONE) {
		j->events = rc == TALK_READ ? POLLIN : POLLOUT;
		return DIAL_PENDING;
	}
	hop_talk_end(&j->talk);
	j->rep->hop_us[j->pos] = clock_now_us() - j->hop_start_us;
	if (++j->pos < j->n) {
		j->phase = JOB_HOP;
		return MOVED_ON;
	}
	blame_convict_suspects(&j->blame, &j->env, j->rep);
	j->phase = JOB_OK;
	return MOVED_ON;
}

/*
 * Writable with no error: connected (a TCP socket polls POLLERR from the
 * moment its connect failed). Otherwise asking again gives the outcome. A
 * later connect() on the socket is caught by connected_before().
 */
static int connecting(struct dial_job *j, int revents)
{
	if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
		return DIAL_PENDING;
	if ((revents & (POLLERR | POLLHUP)) &&
	    j->env.do_connect(j->fd, (struct sockaddr *)&j->hop1, j->hop1_len) < 0 &&
	    errno != EISCONN) {
		if (errno == EALREADY || errno == EINPROGRESS || errno == EINTR)
			return DIAL_PENDING;
		snprintf(j->rep->reason, sizeof(j->rep->reason), "connect: %s", strerror(errno));
		return -errno;
	}
	j->rep->connect_failed = false;
	j->phase = JOB_BEGIN;
	return MOVED_ON;
}

/* Between tries: the socket back to unconnected, so it can connect again. */
static void disconnect(struct dial_job *j)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	j->env.do_connect(j->fd, &unspec, sizeof(unspec));
}

/* This try failed with rc: the connection fails, or the next try starts. */
static void try_failed(struct dial_job *j, int rc)
{
	j->rep->hop_us[j->pos] = clock_now_us() - j->hop_start_us;
	hop_talk_end(&j->talk);
	wipe_batch(j);
	j->batch_len = j->batch_done = 0;
	j->rc = rc;
	if (j->chain->mode == MODE_STRICT || rc == -EISCONN || rc == -EALREADY ||
	    j->rep->family_doubted || clock_now_ms() >= j->overall) {
		j->phase = JOB_FAILED;
		return;
	}
	blame_assign(&j->blame, &j->env, rc, j->rep);
	disconnect(j);
	j->phase = JOB_TRY;
}

/* The phase waiting now ran out of time. */
static int timed_out(struct dial_job *j)
{
	if (j->phase == JOB_CONNECTING) {
		j->rep->connect_failed = true;
		snprintf(j->rep->reason, sizeof(j->rep->reason),
			 "did not accept the connection in time");
		return -ETIMEDOUT;
	}
	return hop_talk_failure(-ETIMEDOUT, j->rep->reason, sizeof(j->rep->reason));
}

/* One phase's work: MOVED_ON, DIAL_PENDING, or this try's failure. */
static int run_phase(struct dial_job *j, int revents)
{
	int rc;

	switch (j->phase) {
	case JOB_TRY:
		return start_try(j);
	case JOB_HOP:
		return start_hop(j);
	case JOB_CONNECTING:
		return connecting(j, revents);
	case JOB_BEGIN:
		rc = begin_talk(j);
		if (rc == 0)
			j->phase = JOB_TALK;
		return rc;
	case JOB_TALK:
		return talk(j, (revents & (POLLIN | POLLERR | POLLHUP)) != 0);
	}
	return -EINVAL;
}

int dial_job_step(struct dial_job *j, int revents)
{
	int rc;

	if (revents < 0 && (j->phase == JOB_CONNECTING || j->phase == JOB_TALK)) {
		try_failed(j, hop_talk_failure(revents, j->rep->reason, sizeof(j->rep->reason)));
		revents = 0;
	}
	for (;;) {
		if (j->phase == JOB_OK)
			return 0;
		if (j->phase == JOB_FAILED)
			return j->rc;
		rc = run_phase(j, revents);
		revents = 0;	/* they were the waiting phase's, which has had them */
		if (rc == DIAL_PENDING) {
			if (clock_now_ms() < j->hop_deadline) {
				j->deadline = j->hop_deadline;
				return DIAL_PENDING;
			}
			rc = timed_out(j);
		}
		if (rc < 0)
			try_failed(j, rc);
	}
}

int dial_job_start(struct dial_job *j, int fd, int family, const struct chain *chain,
		   const struct dial_env *env, const struct endpoint *dest,
		   struct dial_report *rep)
{
	j->fd = fd;
	j->family = family;
	j->chain = chain;
	j->env = *env;
	if (!j->env.io)
		j->env.io = &sock_calls_libc;
	j->dest = *dest;
	if (dest->name) {
		snprintf(j->dest_name, sizeof(j->dest_name), "%s", dest->name);
		j->dest.name = j->dest_name;
	}
	j->rep = rep;
	j->overall = deadline_after_ms(chain_connect_timeout_ms(chain));
	j->hop_deadline = j->overall;
	j->rc = -EHOSTUNREACH;
	j->batch_len = j->batch_done = 0;
	j->talk.hop = NULL;	/* no talk yet for hop_talk_end() to wipe */
	j->pos = 0;
	j->phase = JOB_TRY;
	/* Only the counts: the report is large, and its arrays are filled up to them. */
	rep->path_len = 0;
	rep->nskips = 0;
	rep->skip_text_len = 0;
	rep->failed_pos = 0;
	rep->connect_failed = false;
	rep->family_doubted = false;
	blame_init(&j->blame, chain, env);
	return dial_job_step(j, 0);
}

void dial_job_move(struct dial_job *j, int fd)
{
	j->fd = fd;
}

void dial_job_end(struct dial_job *j)
{
	hop_talk_end(&j->talk);
	wipe_batch(j);
}
