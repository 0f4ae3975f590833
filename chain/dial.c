#define _GNU_SOURCE
#include "dial.h"

#include "deadline.h"
#include "handshake.h"
#include "path.h"
#include "sockio.h"
#include "strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define NOT_SUSPECT (-1)
/* Room for the messages of one pipelined batch: a few hops with the longest credentials. */
#define PIPELINE_BATCH_MAX 4096

static int connect_first_hop(int fd, int sock_family, const struct hop *hop,
			     int64_t deadline, connect_fn do_connect, char *reason, size_t cap)
{
	struct sockaddr_storage sa;
	socklen_t len = netaddr_to_sockaddr(&hop->addr, sock_family, &sa);
	int rc;

	if (hop->addr.family == 0) {
		snprintf(reason, cap, "has a name that did not resolve when the chain was loaded");
		return -EHOSTUNREACH;
	}
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

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* What hop path[pos] is asked to connect to: the next hop, or the destination. */
static void next_endpoint(const struct chain *chain, const unsigned *path, unsigned n,
			  unsigned pos, const struct endpoint *dest, struct endpoint *next)
{
	if (pos + 1 < n)
		hop_endpoint(&chain->hops[path[pos + 1]], next);
	else
		*next = *dest;
}

/*
 * Pipelining: sends, in one go, the messages of hops path[from..] that may
 * go before any reply has come. An HTTP proxy may read past the end of its
 * request's headers, so nothing goes after one until its reply is in; a full
 * buffer also ends the batch. Returns the first hop not sent, or a negative
 * errno with the reason in rep.
 */
static int send_batch(int fd, const struct chain *chain, const unsigned *path, unsigned n,
		      unsigned from, const struct endpoint *dest, int64_t deadline,
		      struct dial_report *rep)
{
	uint8_t buf[PIPELINE_BATCH_MAX];
	struct endpoint next;
	unsigned pos;
	size_t len = 0;
	int more, rc;

	for (pos = from; pos < n; pos++) {
		const struct hop *hop = &chain->hops[path[pos]];

		next_endpoint(chain, path, n, pos, dest, &next);
		more = hop_requests(hop, &next, buf + len, sizeof(buf) - len, rep->reason,
				    sizeof(rep->reason));
		if (more == -ENOBUFS && pos > from)
			break;	/* the next batch, then */
		if (more < 0) {
			rep->failed_pos = pos;
			rc = more;
			goto out;
		}
		len += (size_t)more;
		if (hop->proto == HOP_HTTP) {
			pos++;
			break;
		}
	}
	rc = sockio_send_all(fd, buf, len, deadline);
	if (rc < 0)
		snprintf(rep->reason, sizeof(rep->reason), "broke the connection: %s",
			 strerror(-rc));
out:
	explicit_bzero(buf, len);	/* credentials */
	return rc < 0 ? rc : (int)pos;
}

/*
 * Hop path[pos]'s part, on a connection open to it: its handshake, or when
 * pipelining, its replies, after sending its batch if *sent says it is due.
 */
static int hop_exchange(int fd, const struct chain *chain, const unsigned *path, unsigned n,
			unsigned pos, const struct endpoint *dest, int64_t deadline,
			unsigned *sent, struct dial_report *rep)
{
	const struct hop *hop = &chain->hops[path[pos]];
	struct endpoint next;
	int rc;

	next_endpoint(chain, path, n, pos, dest, &next);
	if (!chain->pipeline)
		return hop_handshake(fd, hop, &next, deadline, rep->reason, sizeof(rep->reason));
	if (pos == *sent) {
		rc = send_batch(fd, chain, path, n, pos, dest, deadline, rep);
		if (rc < 0)
			return rc;
		*sent = (unsigned)rc;
	}
	return hop_replies(fd, hop, &next, deadline, rep->reason, sizeof(rep->reason));
}

/* One try: the hops of path in order, then the destination. */
static int dial_path(int fd, int sock_family, const struct chain *chain, const unsigned *path,
		     unsigned n, const struct endpoint *dest, int64_t overall,
		     connect_fn do_connect, struct dial_report *rep)
{
	unsigned pos, sent = 0;
	int rc = 0;

	memcpy(rep->path, path, n * sizeof(*path));
	rep->path_len = n;
	rep->connect_failed = false;
	for (pos = 0; pos < n; pos++) {
		const struct hop *hop = &chain->hops[path[pos]];
		int64_t start = clock_now_us();
		int64_t deadline = min64(deadline_after_ms(chain->timeout_ms), overall);

		rep->failed_pos = pos;
		if (pos == 0) {
			rc = connect_first_hop(fd, sock_family, hop, deadline, do_connect,
					       rep->reason, sizeof(rep->reason));
			rep->connect_failed = rc < 0;
		}
		if (rc == 0)
			rc = hop_exchange(fd, chain, path, n, pos, dest, deadline, &sent, rep);
		rep->hop_us[pos] = clock_now_us() - start;
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Between tries: the socket back to unconnected, so it can connect again. */
static void disconnect(int fd, connect_fn do_connect)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	do_connect(fd, &unspec, sizeof(unspec));
}

/* Per connect() call: who refused what, and who is left out on whose account. */
struct blame {
	struct path_state st;
	unsigned refusals[CHAIN_MAX_HOPS];
	int suspect_by[CHAIN_MAX_HOPS];	/* NOT_SUSPECT, or the hop whose refusal left it out */
};

static bool is_refusal(int rc)
{
	return rc == -ECONNREFUSED || rc == -EHOSTUNREACH || rc == -ENETUNREACH;
}

/* A reason that no longer fits in skip_text is cut short, or left empty. */
static void skip(struct dial_report *rep, unsigned hop, const char *reason)
{
	size_t left = sizeof(rep->skip_text) - rep->skip_text_len;
	char *text = rep->skip_text + rep->skip_text_len;

	if (rep->nskips == sizeof(rep->skips) / sizeof(rep->skips[0]))
		return;
	if (left > 0) {
		text_copy(text, left, reason);
		rep->skip_text_len += strlen(text) + 1;
	}
	rep->skips[rep->nskips].hop = hop;
	rep->skips[rep->nskips].reason = left > 0 ? text : "";
	rep->nskips++;
}

static void convict(struct blame *b, const struct dial_env *env, unsigned hop,
		    struct dial_report *rep)
{
	unsigned h;

	for (h = 0; h < CHAIN_MAX_HOPS; h++)
		if (b->suspect_by[h] == (int)hop) {	/* it refused them: they were fine */
			b->st.excluded[h] = false;
			b->suspect_by[h] = NOT_SUSPECT;
		}
	b->st.excluded[hop] = true;
	health_mark_down(env->health, env->chain_index, hop,
			 clock_now_ms() + env->retry_after_ms);
	skip(rep, hop, rep->reason);
}

/*
 * Decides whom a failed try blames. A hop that could not be reached, timed
 * out or broke its protocol is down. A refusal is ambiguous: the hop asked
 * may be down, or the hop asking may refuse everything. So the hop asked is
 * left out on suspicion, and the asking hop is found guilty when it refuses
 * a second time; suspects are found guilty when a try without them succeeds.
 */
static void assign_blame(struct blame *b, const struct dial_env *env, int rc,
			 struct dial_report *rep)
{
	unsigned pos = rep->failed_pos, hop = rep->path[pos], next;

	if (rep->connect_failed || !is_refusal(rc) || ++b->refusals[hop] >= 2) {
		convict(b, env, hop, rep);
		return;
	}
	/* the hop asked: the next one, or the destination (then the asker is suspect) */
	next = pos + 1 < rep->path_len ? rep->path[pos + 1] : hop;
	b->st.excluded[next] = true;
	b->suspect_by[next] = (int)hop;
}

static void convict_suspects(struct blame *b, const struct dial_env *env, struct dial_report *rep)
{
	unsigned h;

	for (h = 0; h < CHAIN_MAX_HOPS; h++)
		if (b->suspect_by[h] != NOT_SUSPECT) {
			health_mark_down(env->health, env->chain_index, h,
					 clock_now_ms() + env->retry_after_ms);
			skip(rep, h, "refused by the hop before it; the path without it worked");
		}
}

int chain_dial(int fd, int sock_family, const struct chain *chain, const struct dial_env *env,
	       const struct endpoint *dest, struct dial_report *rep)
{
	int64_t overall = chain->connect_timeout_ms ? deadline_after_ms(chain->connect_timeout_ms)
						    : INT64_MAX;
	unsigned path[CHAIN_MAX_HOPS], n, h;
	struct blame b;
	int rc = -EHOSTUNREACH;

	/* Only the counts: the report is large, and its arrays are filled up to them. */
	rep->path_len = 0;
	rep->nskips = 0;
	rep->skip_text_len = 0;
	rep->failed_pos = 0;
	rep->connect_failed = false;
	memset(&b, 0, sizeof(b));
	for (h = 0; h < CHAIN_MAX_HOPS; h++)
		b.suspect_by[h] = NOT_SUSPECT;
	if (chain->mode == MODE_ROUND_ROBIN)
		b.st.start = health_next_start(env->health, env->chain_index, chain->nhops);
	if (chain->mode == MODE_RANDOM)
		b.st.draw = env->seed + health_next_draw(env->health);
	while ((n = path_pick(chain, env->chain_index, env->health, &b.st, clock_now_ms(),
			      path)) > 0) {
		rc = dial_path(fd, sock_family, chain, path, n, dest, overall, env->do_connect, rep);
		if (rc == 0) {
			convict_suspects(&b, env, rep);
			return 0;
		}
		if (chain->mode == MODE_STRICT || rc == -EISCONN || rc == -EALREADY ||
		    clock_now_ms() >= overall)
			return rc;
		assign_blame(&b, env, rc, rep);
		disconnect(fd, env->do_connect);
	}
	if (rep->path_len == 0)	/* not one try */
		snprintf(rep->reason, sizeof(rep->reason), "has no hop left to try");
	return rc;
}
