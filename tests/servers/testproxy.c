/*
 * testproxy - a loopback-only SOCKS4/4A, SOCKS5 and HTTP CONNECT proxy that
 * misbehaves on request, for sockschain's integration tests and benchmarks.
 *
 * usage: testproxy [-4] [-5] [-H] [-p PORT] [-b ADDR] [-P FILE] [-l FILE]
 *                  [-T HOST:PORT] [-u USER[:PASS]] [-f FAULT] [-d MS] [-n N]
 *                  [-D MS]
 *
 *   -p PORT        listen port (0, the default, picks a free one)
 *   -b ADDR        listen address: a 127.0.0.0/8 address (default 127.0.0.1)
 *                  or ::1
 *   -P FILE        once listening, write the port and "\n" to FILE (through
 *                  FILE.tmp and rename(), so a reader never sees half of it)
 *   -l FILE        append one line per request to FILE (format below)
 *   -T HOST:PORT   the local target that serves every non-loopback
 *                  destination; HOST is a loopback literal or "localhost"
 *   -u USER[:PASS] required credentials (SOCKS4: the userid must be USER;
 *                  SOCKS5: method 0x02; HTTP: Proxy-Authorization: Basic).
 *                  Without ":PASS" any password is accepted.
 *   -f FAULT       misbehave (list below); -d MS is its delay where it has one
 *   -n N           apply the fault to the first N requests only (0 = all)
 *   -4, -5, -H     accept only these protocols (default: all three)
 *   -D MS          wait MS milliseconds before every reply ("far away" proxy)
 *
 * Each accepted connection carries one request and gets its own detached
 * thread. The client's first byte picks the protocol: 0x04 SOCKS4/4A, 0x05
 * SOCKS5, 'C' HTTP CONNECT; anything else is closed.
 *
 * Safety: the proxy listens on and connects to loopback addresses only.
 * Destinations 127.0.0.0/8, ::1, ::ffff:127.x.x.x and "localhost" are
 * connected for real (that is how chains of test proxies are built); any
 * other destination is served by the -T target, or refused without it
 * (result=refused-nonlocal). Host names are never resolved.
 *
 * Log (-l), one line per request, key=value in this order:
 *   proto=socks4|socks4a|socks5|http user=USER|- dest=HOST:PORT|-
 *   peer=ADDR:PORT result=granted|refused|bad-user|auth-failed|
 *   upstream-failed|refused-nonlocal|fault:NAME
 * dest is written as the client asked: dotted IPv4, [IPv6]:PORT, or the name.
 * Bytes outside printable ASCII, spaces and '%' in user and dest are written
 * as %XX. The line is written before the reply it describes, so a test that
 * has seen its client finish can read it. Requests abandoned by the client
 * halfway (EOF, 10 s timeout) are not logged.
 *
 * Faults (-f), each applied only where its protocol has the thing it breaks;
 * elsewhere the request is served normally:
 *   refuse      failure reply (SOCKS4 CD=91, SOCKS5 REP=5, HTTP 403)
 *   close       close right after reading the request
 *   hang        read the request, never reply, wait for the client to leave
 *   garbage     an invalid reply (SOCKS4 "HTTP/1.0", SOCKS5 VER=0x48,
 *               HTTP "garbage\r\n\r\n")
 *   split       valid reply one byte per write, 1 ms apart, then relay
 *   slow        wait -d MS (default 1000) before a normal reply
 *   trickle     reply one byte every -d MS (default 500), then relay
 *   ver4        SOCKS4 reply with VN=4, then relay
 *   rep=N       SOCKS5 REP=N / SOCKS4 CD=N (a success code goes on to relay)
 *   status=NNN  HTTP status NNN; 2xx opens the tunnel, others close
 *   method=N    SOCKS5 method choice N, then wait for the client to leave
 *   authfail    SOCKS5 RFC 1929 status 1 (or method 0xFF when 0x02 is not
 *               offered); HTTP 407
 *   truncate    first half of the granted reply, then close
 *   noend       HTTP "200 OK" and header lines forever (10 ms apart, 10 MB)
 *   dataafter   granted reply plus "TUNNEL-FIRST\n" in the same write
 *   flood       64 KiB of bytes that are no reply at all, then silence
 *   reset       half a valid reply, then a TCP reset
 *   bigdomain   SOCKS5: the longest reply there is (a 255-byte domain), then
 *               "TUNNEL-FIRST\n" in the same write
 *   interim     HTTP: "100 Continue" and "103 Early Hints" (with a header)
 *               before the final reply, and when that grants,
 *               "TUNNEL-FIRST\n" after it, all in the same write
 * split, slow and trickle shape only the final reply (the answer to the
 * CONNECT request), not SOCKS5 method or authentication replies. -D delays
 * every reply.
 *
 * A SOCKS5 granted reply carries the upstream socket's local address:
 * ATYP=1 for IPv4, ATYP=4 when the upstream connection is IPv6 (e.g. [::1]).
 */
#define _GNU_SOURCE
#include "servutil.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---------------------------------------------------------------------- */
/* Protocol bytes                                                          */

enum {
	SOCKS4_VERSION = 0x04,
	SOCKS4_CMD_CONNECT = 0x01,
	SOCKS4_REPLY_VERSION = 0x00,     /* what the specification says */
	SOCKS4_REPLY_VERSION_ALT = 0x04, /* what some servers send: the ver4 fault */
	SOCKS4_GRANTED = 90,
	SOCKS4_REJECTED = 91,
	SOCKS4_REQUEST_FIXED_LEN = 8,    /* VN CD DSTPORT(2) DSTIP(4) */
	SOCKS4_REPLY_LEN = 8,
};

enum {
	SOCKS5_VERSION = 0x05,
	SOCKS5_METHOD_NONE = 0x00,
	SOCKS5_METHOD_USERPASS = 0x02,
	SOCKS5_METHOD_UNACCEPTABLE = 0xFF,
	SOCKS5_AUTH_VERSION = 0x01,      /* RFC 1929 subnegotiation version */
	SOCKS5_AUTH_SUCCESS = 0x00,
	SOCKS5_AUTH_FAILURE = 0x01,
	SOCKS5_CMD_CONNECT = 0x01,
	SOCKS5_ATYP_IPV4 = 0x01,
	SOCKS5_ATYP_DOMAIN = 0x03,
	SOCKS5_ATYP_IPV6 = 0x04,
};

/* RFC 1928 REP codes, in RFC order. */
enum {
	SOCKS5_REP_SUCCEEDED = 0,
	SOCKS5_REP_GENERAL_FAILURE = 1,
	SOCKS5_REP_NOT_ALLOWED = 2,
	SOCKS5_REP_NETWORK_UNREACHABLE = 3,
	SOCKS5_REP_HOST_UNREACHABLE = 4,
	SOCKS5_REP_CONNECTION_REFUSED = 5,
	SOCKS5_REP_TTL_EXPIRED = 6,
	SOCKS5_REP_COMMAND_UNSUPPORTED = 7,
	SOCKS5_REP_ADDRESS_TYPE_UNSUPPORTED = 8,
};

enum { HTTP_FIRST_BYTE = 'C' };

#define HTTP_CONNECT_METHOD "CONNECT "
#define HTTP_VERSION_PREFIX "HTTP/1."
#define HTTP_HEAD_END "\r\n\r\n"
#define HTTP_LINE_END "\r\n"
#define HTTP_AUTH_HEADER "Proxy-Authorization"
#define HTTP_AUTH_SCHEME "Basic"
#define HTTP_REALM_HEADER "Proxy-Authenticate: Basic realm=\"testproxy\"\r\n"
#define HTTP_FAULT_HEADER "X-Testproxy-Fault: status\r\n"
#define HTTP_GARBAGE "garbage\r\n\r\n"
#define HTTP_NOEND_STATUS "HTTP/1.1 200 OK\r\n"
#define DATAAFTER_BYTES "TUNNEL-FIRST\n"
/* 1xx responses (RFC 9110 section 15.2) that a client must skip before the final one. */
#define HTTP_INTERIM_RESPONSES "HTTP/1.1 100 Continue\r\n\r\n" \
	"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"

/* ---------------------------------------------------------------------- */
/* Limits and timings                                                      */

enum {
	LISTEN_BACKLOG = 1024,
	REQUEST_TIMEOUT_MS = 10000,   /* to read the whole request, from accept */
	UPSTREAM_TIMEOUT_MS = 5000,   /* to connect upstream */
	LINGER_MS = 2000,             /* drain after a refusal, see linger_close() */
	NAME_MAX_LEN = 255,           /* SOCKS names and credentials */
	HTTP_HEAD_MAX = 8192,
	REPLY_MAX = 512,              /* room for any reply plus DATAAFTER_BYTES */
	FLOOD_BYTES = 64 * 1024,
	RELAY_BUF_SIZE = 64 * 1024,
	THREAD_STACK_SIZE = 512 * 1024,
	SPLIT_PAUSE_MS = 1,
	SLOW_DEFAULT_MS = 1000,
	TRICKLE_DEFAULT_MS = 500,
	NOEND_INTERVAL_MS = 10,
	NOEND_LIMIT_BYTES = 10 * 1024 * 1024,
	LOG_VALUE_MAX = 3 * NAME_MAX_LEN + 1, /* every byte may become %XX */
};

/* Destinations, -T and -b: literals, "localhost" and "localhost.", and a
 * v4-mapped address as the IPv4 address it maps. */
#define TESTPROXY_HOSTS (HOST_LOCALHOST | HOST_LOCALHOST_DOT | HOST_UNMAP_V4)

/* ---------------------------------------------------------------------- */
/* Configuration: written by main() before the first thread starts, read   */
/* only afterwards, so threads share it without a lock.                    */

enum protocol_bit {
	PROTO_SOCKS4 = 1u << 0,
	PROTO_SOCKS5 = 1u << 1,
	PROTO_HTTP = 1u << 2,
	PROTO_ALL = PROTO_SOCKS4 | PROTO_SOCKS5 | PROTO_HTTP,
};

enum fault_kind {
	FAULT_REFUSE,
	FAULT_CLOSE,
	FAULT_HANG,
	FAULT_GARBAGE,
	FAULT_SPLIT,
	FAULT_SLOW,
	FAULT_TRICKLE,
	FAULT_VER4,
	FAULT_REP,
	FAULT_STATUS,
	FAULT_METHOD,
	FAULT_AUTHFAIL,
	FAULT_TRUNCATE,
	FAULT_NOEND,
	FAULT_DATAAFTER,
	FAULT_FLOOD,
	FAULT_RESET,
	FAULT_BIGDOMAIN,
	FAULT_INTERIM,
};

struct fault_spec {
	const char *name;
	enum fault_kind kind;
	unsigned protocols; /* where the fault changes anything */
	bool has_value;     /* written NAME=N */
	long min, max;      /* range of N */
};

static const struct fault_spec fault_specs[] = {
	{ "refuse", FAULT_REFUSE, PROTO_ALL, false, 0, 0 },
	{ "close", FAULT_CLOSE, PROTO_ALL, false, 0, 0 },
	{ "hang", FAULT_HANG, PROTO_ALL, false, 0, 0 },
	{ "garbage", FAULT_GARBAGE, PROTO_ALL, false, 0, 0 },
	{ "split", FAULT_SPLIT, PROTO_ALL, false, 0, 0 },
	{ "slow", FAULT_SLOW, PROTO_ALL, false, 0, 0 },
	{ "trickle", FAULT_TRICKLE, PROTO_ALL, false, 0, 0 },
	{ "ver4", FAULT_VER4, PROTO_SOCKS4, false, 0, 0 },
	{ "rep", FAULT_REP, PROTO_SOCKS4 | PROTO_SOCKS5, true, 0, 255 },
	{ "status", FAULT_STATUS, PROTO_HTTP, true, 100, 999 },
	{ "method", FAULT_METHOD, PROTO_SOCKS5, true, 0, 255 },
	{ "authfail", FAULT_AUTHFAIL, PROTO_SOCKS5 | PROTO_HTTP, false, 0, 0 },
	{ "truncate", FAULT_TRUNCATE, PROTO_ALL, false, 0, 0 },
	{ "noend", FAULT_NOEND, PROTO_HTTP, false, 0, 0 },
	{ "dataafter", FAULT_DATAAFTER, PROTO_ALL, false, 0, 0 },
	{ "flood", FAULT_FLOOD, PROTO_ALL, false, 0, 0 },
	{ "reset", FAULT_RESET, PROTO_ALL, false, 0, 0 },
	{ "bigdomain", FAULT_BIGDOMAIN, PROTO_SOCKS5, false, 0, 0 },
	{ "interim", FAULT_INTERIM, PROTO_HTTP, false, 0, 0 },
};

struct config {
	struct common_options common;     /* -b, -P, -l */
	unsigned listen_port;
	bool has_target;
	struct sockaddr_storage target;
	socklen_t target_len;
	bool has_credentials;
	bool check_password;              /* -u had ":PASS" */
	unsigned char user[NAME_MAX_LEN];
	size_t user_len;
	unsigned char password[NAME_MAX_LEN];
	size_t password_len;
	const struct fault_spec *fault;   /* NULL without -f */
	long fault_value;                 /* N of rep=N, status=N, method=N */
	long fault_delay_ms;              /* -d, or -1 for the fault's default */
	unsigned long fault_limit;        /* -n, 0 = every request */
	char fault_result[32];            /* "fault:NAME" for the log */
	unsigned protocols;               /* PROTO_* bits accepted */
	long reply_delay_ms;              /* -D */
};

static struct config cfg = { .common = COMMON_OPTIONS_INIT, .fault_delay_ms = -1 };

/* Requests seen so far, for -n. The only state threads share and change. */
static atomic_ulong requests_seen;

/* ---------------------------------------------------------------------- */
/* I/O helpers: every wait is a poll() against an absolute deadline        */

/*
 * Read up to and including the first delim, never consuming a byte after it:
 * those belong to the next message or to the tunnel. Peek at what has
 * arrived, then read exactly the part that is ours. *got is the length read,
 * delimiter included. -EMSGSIZE when delim is not within cap bytes.
 */
static int read_until(int fd, void *buf, size_t cap, const void *delim,
		      size_t delim_len, size_t *got, int64_t deadline)
{
	unsigned char *p = buf;
	size_t have = 0;

	while (have < cap) {
		ssize_t n = recv(fd, p + have, cap - have, MSG_PEEK | MSG_DONTWAIT);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0) {
			int rc = errno == EAGAIN ? wait_fd(fd, POLLIN, deadline)
						 : errno == EINTR ? 0 : -errno;
			if (rc < 0)
				return rc;
			continue;
		}
		/* A delimiter may straddle what we had and what just came. */
		size_t from = have >= delim_len - 1 ? have - (delim_len - 1) : 0;
		const unsigned char *hit =
			memmem(p + from, have + (size_t)n - from, delim, delim_len);
		size_t take = hit ? (size_t)(hit - p) + delim_len - have : (size_t)n;
		int rc = read_exact(fd, p + have, take, deadline, NULL);
		if (rc < 0)
			return rc;
		have += take;
		if (hit) {
			*got = have;
			return 0;
		}
	}
	return -EMSGSIZE;
}

/* One write per byte, pause_ms apart, to exercise clients' reassembly. */
static int write_paced(int fd, const unsigned char *buf, size_t len, long pause_ms)
{
	for (size_t i = 0; i < len; i++) {
		if (i > 0)
			sleep_ms(pause_ms);
		int rc = write_all(fd, buf + i, 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void set_nodelay(int fd)
{
	int one = 1;

	/* Replies are small and latency matters to the benchmarks. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -errno;
	if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Addresses: literals only, never DNS                                     */

/* Decimal 1..65535, digits only. */
static bool parse_port(const char *text, uint16_t *port)
{
	unsigned long value = 0;
	size_t i;

	for (i = 0; isdigit((unsigned char)text[i]); i++) {
		value = value * 10 + (unsigned long)(text[i] - '0');
		if (value > 65535)
			return false;
	}
	if (i == 0 || text[i] != '\0' || value == 0)
		return false;
	*port = (uint16_t)value;
	return true;
}

/*
 * "host:port" or "[ipv6]:port" (as in HTTP CONNECT and -T). host is copied
 * without brackets; it must fit in cap including the NUL.
 */
static bool parse_authority(const char *text, char *host, size_t cap, uint16_t *port)
{
	const char *start = text;
	const char *colon;
	bool bracketed = text[0] == '[';

	if (bracketed) {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':')
			return false;
		start = text + 1;
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon || memchr(text, ':', (size_t)(colon - text)))
			return false; /* an IPv6 literal needs brackets */
	}
	size_t len = (size_t)(colon - start) - (bracketed ? 1 : 0);
	if (len == 0 || len >= cap)
		return false;
	memcpy(host, start, len);
	host[len] = '\0';
	if (bracketed) {
		struct in6_addr a;
		if (inet_pton(AF_INET6, host, &a) != 1)
			return false;
	}
	return parse_port(colon + 1, port);
}

/* ---------------------------------------------------------------------- */
/* Sessions                                                                */

enum dest_kind { DEST_IPV4, DEST_IPV6, DEST_NAME };

struct destination {
	enum dest_kind kind;
	unsigned char addr[16];        /* DEST_IPV4 (4 bytes), DEST_IPV6 */
	char name[NAME_MAX_LEN + 1];   /* DEST_NAME, NUL-terminated */
	uint16_t port;
};

/* What became of a request; each protocol maps it to its own reply code. */
enum outcome {
	OUT_GRANTED,
	OUT_REFUSED,           /* the refuse fault */
	OUT_NOT_ALLOWED,       /* non-loopback destination and no -T target */
	OUT_CONN_REFUSED,      /* upstream answered ECONNREFUSED */
	OUT_UNREACHABLE,       /* any other upstream failure, timeout included */
	OUT_BAD_REQUEST,
	OUT_BAD_COMMAND,
	OUT_BAD_ADDRESS_TYPE,
	OUT_BAD_USER,
	OUT_AUTH_REQUIRED,
	OUT_COUNT
};

/* read_request() results; negative values are I/O errors (close, no log). */
enum { REQUEST_READY = 0, REQUEST_HANDLED = 1 };

struct session;

struct protocol {
	const char *name;
	unsigned bit;
	/* Read (and negotiate) up to a complete CONNECT request. Replies to
	 * and logs whatever it refuses itself, returning REQUEST_HANDLED. */
	int (*read_request)(struct session *s);
	const int *codes; /* reply code for each enum outcome */
	bool (*code_is_success)(int code);
	/* Build a final reply into buf (REPLY_MAX bytes); returns its length. */
	size_t (*build_reply)(const struct session *s, int code, unsigned char *buf);
	size_t (*build_garbage)(unsigned char *buf);
};

struct session {
	int client;
	int upstream;                 /* -1 until connected */
	char peer[SOCKADDR_TEXT_MAX];
	const struct protocol *proto;
	const char *proto_name;       /* "socks4a" is a variant of socks4 */
	bool faulty;                  /* the -f fault applies to this request */
	bool logged;
	bool linger;                  /* close with linger_close() */
	int64_t deadline;             /* for reading the whole request */
	unsigned char user[NAME_MAX_LEN];
	size_t user_len;
	bool has_dest;
	struct destination dest;
};

static bool fault_active(const struct session *s, enum fault_kind kind)
{
	return s->faulty && cfg.fault->kind == kind;
}

static long fault_delay_ms(long fallback)
{
	return cfg.fault_delay_ms >= 0 ? cfg.fault_delay_ms : fallback;
}

/* A deliberate delay of ours must not eat into the client's time to send. */
static void session_pause(struct session *s, long ms)
{
	if (ms <= 0)
		return;
	sleep_ms(ms);
	s->deadline += ms;
}

static void session_set_user(struct session *s, const void *user, size_t len)
{
	if (len > NAME_MAX_LEN)
		len = NAME_MAX_LEN;
	memcpy(s->user, user, len);
	s->user_len = len;
}

static bool user_matches(const void *user, size_t len)
{
	return len == cfg.user_len && memcmp(user, cfg.user, len) == 0;
}

static bool credentials_match(const void *user, size_t user_len,
			      const void *password, size_t password_len)
{
	if (!user_matches(user, user_len))
		return false;
	if (!cfg.check_password)
		return true;
	return password_len == cfg.password_len &&
	       memcmp(password, cfg.password, password_len) == 0;
}

/* ---------------------------------------------------------------------- */
/* Request log                                                             */

/* Values are space-separated: spaces, controls, non-ASCII and '%' become %XX. */
static void encode_log_value(const unsigned char *in, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	if (len == 0) {
		snprintf(out, cap, "-");
		return;
	}
	for (size_t i = 0; i < len && n + 4 <= cap; i++) {
		unsigned char c = in[i];
		if (c > ' ' && c < 0x7f && c != '%') {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 0xF];
		}
	}
	out[n] = '\0';
}

static void format_destination(const struct session *s, char *out, size_t cap)
{
	const struct destination *d = &s->dest;
	char host[LOG_VALUE_MAX] = "?";
	bool brackets = false;

	if (!s->has_dest) {
		snprintf(out, cap, "-");
		return;
	}
	switch (d->kind) {
	case DEST_IPV4:
		inet_ntop(AF_INET, d->addr, host, sizeof host);
		break;
	case DEST_IPV6:
		inet_ntop(AF_INET6, d->addr, host, sizeof host);
		brackets = true;
		break;
	case DEST_NAME:
		encode_log_value((const unsigned char *)d->name, strlen(d->name),
				 host, sizeof host);
		brackets = strchr(d->name, ':') != NULL; /* HTTP's [v6] */
		break;
	}
	if (brackets)
		snprintf(out, cap, "[%s]:%u", host, d->port);
	else
		snprintf(out, cap, "%s:%u", host, d->port);
}

/* At most one line per request, written before the reply it describes. */
static void log_request(struct session *s, const char *result)
{
	char user[LOG_VALUE_MAX], dest[LOG_VALUE_MAX + 16];

	if (s->logged)
		return;
	s->logged = true;
	if (cfg.common.log_fd < 0)
		return;
	encode_log_value(s->user, s->user_len, user, sizeof user);
	format_destination(s, dest, sizeof dest);
	log_line(cfg.common.log_fd, "proto=%s user=%s dest=%s peer=%s result=%s\n",
		 s->proto_name, user, dest, s->peer, result);
}

/* ---------------------------------------------------------------------- */
/* Replies                                                                 */

static int reply_code(const struct session *s, enum outcome outcome)
{
	if (outcome == OUT_GRANTED &&
	    (fault_active(s, FAULT_REP) || fault_active(s, FAULT_STATUS)))
		return (int)cfg.fault_value;
	return s->proto->codes[outcome];
}

/* A negotiation reply (SOCKS5 method choice, RFC 1929 status). */
static int send_reply(struct session *s, const void *buf, size_t len)
{
	session_pause(s, cfg.reply_delay_ms);
	return write_all(s->client, buf, len);
}

/* Interim responses, the final reply, and tunnel bytes when it grants: one write. */
static int send_interim_first(struct session *s, const unsigned char *reply, size_t len,
			      bool granted)
{
	unsigned char buf[sizeof(HTTP_INTERIM_RESPONSES) + REPLY_MAX + sizeof(DATAAFTER_BYTES)];
	size_t n = strlen(HTTP_INTERIM_RESPONSES);

	memcpy(buf, HTTP_INTERIM_RESPONSES, n);
	memcpy(buf + n, reply, len);
	n += len;
	if (granted) {
		memcpy(buf + n, DATAAFTER_BYTES, strlen(DATAAFTER_BYTES));
		n += strlen(DATAAFTER_BYTES);
	}
	return write_all(s->client, buf, n);
}

/*
 * The final reply, the answer to the CONNECT request, shaped by the fault
 * when there is one. buf holds REPLY_MAX bytes.
 */
static int send_final_reply(struct session *s, unsigned char *buf, size_t len,
			    bool granted)
{
	session_pause(s, cfg.reply_delay_ms);
	if (!s->faulty)
		return write_all(s->client, buf, len);
	switch (cfg.fault->kind) {
	case FAULT_SLOW:
		session_pause(s, fault_delay_ms(SLOW_DEFAULT_MS));
		break;
	case FAULT_SPLIT:
		return write_paced(s->client, buf, len, SPLIT_PAUSE_MS);
	case FAULT_TRICKLE:
		return write_paced(s->client, buf, len,
				   fault_delay_ms(TRICKLE_DEFAULT_MS));
	case FAULT_TRUNCATE:
		len /= 2;
		break;
	case FAULT_BIGDOMAIN:
		/* The longest reply SOCKS5 allows, a 255-byte domain, and tunnel bytes behind it. */
		if (!granted)
			break;
		len = 0;
		buf[len++] = 5;
		buf[len++] = 0;
		buf[len++] = 0;
		buf[len++] = 3;
		buf[len++] = 255;
		memset(buf + len, 'd', 255);
		len += 255;
		buf[len++] = 0;
		buf[len++] = 80;
		memcpy(buf + len, DATAAFTER_BYTES, strlen(DATAAFTER_BYTES));
		len += strlen(DATAAFTER_BYTES);
		break;
	case FAULT_INTERIM:
		return send_interim_first(s, buf, len, granted);
	case FAULT_DATAAFTER:
		/* Same write(), so a client that reads too much gets these. */
		if (granted && len + strlen(DATAAFTER_BYTES) <= REPLY_MAX) {
			memcpy(buf + len, DATAAFTER_BYTES, strlen(DATAAFTER_BYTES));
			len += strlen(DATAAFTER_BYTES);
		}
		break;
	default:
		break;
	}
	return write_all(s->client, buf, len);
}

/* Log, send the failure reply for outcome, and close gently afterwards. */
static int reject(struct session *s, enum outcome outcome, const char *result)
{
	unsigned char reply[REPLY_MAX];

	log_request(s, result);
	size_t len = s->proto->build_reply(s, reply_code(s, outcome), reply);
	(void)send_final_reply(s, reply, len, false);
	s->linger = true;
	return REQUEST_HANDLED;
}

/* ---------------------------------------------------------------------- */
/* SOCKS4 and SOCKS4A                                                      */

static const int socks4_codes[OUT_COUNT] = {
	[OUT_GRANTED] = SOCKS4_GRANTED,
	[OUT_REFUSED] = SOCKS4_REJECTED,
	[OUT_NOT_ALLOWED] = SOCKS4_REJECTED,
	[OUT_CONN_REFUSED] = SOCKS4_REJECTED,
	[OUT_UNREACHABLE] = SOCKS4_REJECTED,
	[OUT_BAD_REQUEST] = SOCKS4_REJECTED,
	[OUT_BAD_COMMAND] = SOCKS4_REJECTED,
	[OUT_BAD_ADDRESS_TYPE] = SOCKS4_REJECTED,
	[OUT_BAD_USER] = SOCKS4_REJECTED,
	[OUT_AUTH_REQUIRED] = SOCKS4_REJECTED,
};

static const unsigned char nul_byte[1] = { 0 };

/* SOCKS4A: DSTIP 0.0.0.x with x != 0 says "the host name follows". */
static bool socks4a_marker(const unsigned char ip[4])
{
	return ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0;
}

/*
 * +----+----+----+----+----+----+----+----+----+----+....+----+
 * | VN | CD | DSTPORT |      DSTIP        | USERID       |NULL|
 * +----+----+----+----+----+----+----+----+----+----+....+----+
 *    1    1      2              4           variable       1
 * SOCKS4A then adds: HOST (variable), NULL (1).
 */
static int socks4_read_request(struct session *s)
{
	unsigned char head[SOCKS4_REQUEST_FIXED_LEN];
	char text[NAME_MAX_LEN + 1];
	size_t len;
	struct destination *d = &s->dest;

	int rc = read_exact(s->client, head, sizeof head, s->deadline, NULL);
	if (rc < 0)
		return rc;
	d->port = (uint16_t)(head[2] << 8 | head[3]);
	bool socks4a = socks4a_marker(head + 4);
	if (!socks4a) {
		d->kind = DEST_IPV4;
		memcpy(d->addr, head + 4, 4);
		s->has_dest = true;
	}

	rc = read_until(s->client, text, sizeof text, nul_byte, 1, &len, s->deadline);
	if (rc == -EMSGSIZE)
		return reject(s, OUT_BAD_REQUEST, "refused");
	if (rc < 0)
		return rc;
	session_set_user(s, text, len - 1);

	if (socks4a) {
		s->proto_name = "socks4a";
		rc = read_until(s->client, d->name, sizeof d->name, nul_byte, 1,
				&len, s->deadline);
		if (rc == -EMSGSIZE || (rc == 0 && len == 1))
			return reject(s, OUT_BAD_REQUEST, "refused");
		if (rc < 0)
			return rc;
		d->kind = DEST_NAME;
		s->has_dest = true;
	}

	if (head[1] != SOCKS4_CMD_CONNECT)
		return reject(s, OUT_BAD_COMMAND, "refused");
	if (cfg.has_credentials && !user_matches(s->user, s->user_len))
		return reject(s, OUT_BAD_USER, "bad-user");
	return REQUEST_READY;
}

static bool socks4_code_is_success(int code)
{
	return code == SOCKS4_GRANTED;
}

/*
 * +----+----+----+----+----+----+----+----+
 * | VN | CD | DSTPORT |      DSTIP        |   DSTPORT, DSTIP: ignored for
 * +----+----+----+----+----+----+----+----+   CONNECT, sent as zeros
 */
static size_t socks4_build_reply(const struct session *s, int code, unsigned char *buf)
{
	memset(buf, 0, SOCKS4_REPLY_LEN);
	buf[0] = fault_active(s, FAULT_VER4) ? SOCKS4_REPLY_VERSION_ALT
					     : SOCKS4_REPLY_VERSION;
	buf[1] = (unsigned char)code;
	return SOCKS4_REPLY_LEN;
}

/* Eight bytes whose VN is 'H': what a client gets from an HTTP server. */
static size_t socks4_build_garbage(unsigned char *buf)
{
	memcpy(buf, "HTTP/1.0", SOCKS4_REPLY_LEN);
	return SOCKS4_REPLY_LEN;
}

/* ---------------------------------------------------------------------- */
/* SOCKS5 (RFC 1928) with username/password (RFC 1929)                     */

static const int socks5_codes[OUT_COUNT] = {
	[OUT_GRANTED] = SOCKS5_REP_SUCCEEDED,
	[OUT_REFUSED] = SOCKS5_REP_CONNECTION_REFUSED,
	[OUT_NOT_ALLOWED] = SOCKS5_REP_NOT_ALLOWED,
	[OUT_CONN_REFUSED] = SOCKS5_REP_CONNECTION_REFUSED,
	[OUT_UNREACHABLE] = SOCKS5_REP_HOST_UNREACHABLE,
	[OUT_BAD_REQUEST] = SOCKS5_REP_GENERAL_FAILURE,
	[OUT_BAD_COMMAND] = SOCKS5_REP_COMMAND_UNSUPPORTED,
	[OUT_BAD_ADDRESS_TYPE] = SOCKS5_REP_ADDRESS_TYPE_UNSUPPORTED,
	[OUT_BAD_USER] = SOCKS5_REP_NOT_ALLOWED,
	[OUT_AUTH_REQUIRED] = SOCKS5_REP_NOT_ALLOWED,
};

static bool method_offered(const unsigned char *methods, size_t n, unsigned char m)
{
	return memchr(methods, m, n) != NULL;
}

static int socks5_choose_method(const struct session *s,
				const unsigned char *methods, size_t n)
{
	bool none = method_offered(methods, n, SOCKS5_METHOD_NONE);
	bool userpass = method_offered(methods, n, SOCKS5_METHOD_USERPASS);

	if (fault_active(s, FAULT_METHOD))
		return (int)cfg.fault_value;
	if (fault_active(s, FAULT_AUTHFAIL) || cfg.has_credentials)
		return userpass ? SOCKS5_METHOD_USERPASS : SOCKS5_METHOD_UNACCEPTABLE;
	if (none)
		return SOCKS5_METHOD_NONE;
	/* No -u: a client that only offers a password gets in with any. */
	return userpass ? SOCKS5_METHOD_USERPASS : SOCKS5_METHOD_UNACCEPTABLE;
}

/* The log result when the method choice ends the exchange, else NULL. */
static const char *socks5_choice_failure(const struct session *s, int choice)
{
	if (fault_active(s, FAULT_METHOD))
		return cfg.fault_result;
	if (choice != SOCKS5_METHOD_UNACCEPTABLE)
		return NULL;
	if (fault_active(s, FAULT_AUTHFAIL))
		return cfg.fault_result;
	return cfg.has_credentials ? "auth-failed" : "refused";
}

/*
 * Greeting:                     Choice:
 * +----+----------+----------+  +----+--------+
 * |VER | NMETHODS | METHODS  |  |VER | METHOD |
 * +----+----------+----------+  +----+--------+
 * | 1  |    1     | 1 to 255 |  | 1  |   1    |
 * +----+----------+----------+  +----+--------+
 */
static int socks5_negotiate(struct session *s, int *method)
{
	unsigned char head[2], methods[255];

	int rc = read_exact(s->client, head, sizeof head, s->deadline, NULL);
	if (rc < 0)
		return rc;
	rc = read_exact(s->client, methods, head[1], s->deadline, NULL);
	if (rc < 0)
		return rc;

	int choice = socks5_choose_method(s, methods, head[1]);
	const char *failure = socks5_choice_failure(s, choice);
	if (failure)
		log_request(s, failure);
	unsigned char reply[2] = { SOCKS5_VERSION, (unsigned char)choice };
	rc = send_reply(s, reply, sizeof reply);
	if (rc < 0)
		return rc;
	if (!failure) {
		*method = choice;
		return REQUEST_READY;
	}
	if (fault_active(s, FAULT_METHOD))
		drain(s->client, s->deadline); /* a correct client hangs up */
	else
		s->linger = true;
	return REQUEST_HANDLED;
}

/*
 * Request:                                     Reply:
 * +----+------+----------+------+----------+  +----+--------+
 * |VER | ULEN |  UNAME   | PLEN |  PASSWD  |  |VER | STATUS |
 * +----+------+----------+------+----------+  +----+--------+
 * | 1  |  1   | 1 to 255 |  1   | 1 to 255 |  | 1  |   1    |
 * +----+------+----------+------+----------+  +----+--------+
 */
static int socks5_authenticate(struct session *s)
{
	unsigned char head[2], user[255], plen, password[255];
	const char *failure = NULL;

	int rc = read_exact(s->client, head, sizeof head, s->deadline, NULL);
	if (rc < 0)
		return rc;
	if (head[0] != SOCKS5_AUTH_VERSION) {
		failure = "refused"; /* the rest cannot be trusted to parse */
	} else {
		unsigned char ulen = head[1];
		if ((rc = read_exact(s->client, user, ulen, s->deadline, NULL)) < 0 ||
		    (rc = read_exact(s->client, &plen, 1, s->deadline, NULL)) < 0 ||
		    (rc = read_exact(s->client, password, plen, s->deadline, NULL)) < 0)
			return rc;
		session_set_user(s, user, ulen);
		if (fault_active(s, FAULT_AUTHFAIL))
			failure = cfg.fault_result;
		else if (cfg.has_credentials &&
			 !credentials_match(user, ulen, password, plen))
			failure = "auth-failed";
	}

	if (failure)
		log_request(s, failure);
	unsigned char reply[2] = {
		SOCKS5_AUTH_VERSION,
		failure ? SOCKS5_AUTH_FAILURE : SOCKS5_AUTH_SUCCESS,
	};
	rc = send_reply(s, reply, sizeof reply);
	if (rc < 0)
		return rc;
	if (failure) {
		s->linger = true;
		return REQUEST_HANDLED;
	}
	return REQUEST_READY;
}

/*
 * DST.ADDR by ATYP, then DST.PORT. Returns 0, -EAFNOSUPPORT for an unknown
 * ATYP (its length is unknown: nothing more is read), -EINVAL for an empty
 * name or one containing NUL, or an I/O error.
 */
static int socks5_read_address(struct session *s, unsigned char atyp)
{
	struct destination *d = &s->dest;
	unsigned char port[2], name_len = 0;
	int rc;

	switch (atyp) {
	case SOCKS5_ATYP_IPV4:
		d->kind = DEST_IPV4;
		rc = read_exact(s->client, d->addr, 4, s->deadline, NULL);
		break;
	case SOCKS5_ATYP_IPV6:
		d->kind = DEST_IPV6;
		rc = read_exact(s->client, d->addr, 16, s->deadline, NULL);
		break;
	case SOCKS5_ATYP_DOMAIN:
		d->kind = DEST_NAME;
		rc = read_exact(s->client, &name_len, 1, s->deadline, NULL);
		if (rc == 0)
			rc = read_exact(s->client, d->name, name_len, s->deadline, NULL);
		d->name[name_len] = '\0';
		break;
	default:
		return -EAFNOSUPPORT;
	}
	if (rc == 0)
		rc = read_exact(s->client, port, sizeof port, s->deadline, NULL);
	if (rc < 0)
		return rc;
	d->port = (uint16_t)(port[0] << 8 | port[1]);
	if (d->kind == DEST_NAME && (name_len == 0 || strlen(d->name) != name_len))
		return -EINVAL;
	s->has_dest = true;
	return 0;
}

/*
 * +----+-----+-------+------+----------+----------+
 * |VER | CMD |  RSV  | ATYP | DST.ADDR | DST.PORT |
 * +----+-----+-------+------+----------+----------+
 * | 1  |  1  | X'00' |  1   | Variable |    2     |
 * +----+-----+-------+------+----------+----------+
 */
static int socks5_read_connect(struct session *s)
{
	unsigned char head[4];

	int rc = read_exact(s->client, head, sizeof head, s->deadline, NULL);
	if (rc < 0)
		return rc;
	if (head[0] != SOCKS5_VERSION)
		return reject(s, OUT_BAD_REQUEST, "refused");
	rc = socks5_read_address(s, head[3]);
	if (rc == -EAFNOSUPPORT)
		return reject(s, OUT_BAD_ADDRESS_TYPE, "refused");
	if (rc == -EINVAL)
		return reject(s, OUT_BAD_REQUEST, "refused");
	if (rc < 0)
		return rc;
	if (head[1] != SOCKS5_CMD_CONNECT)
		return reject(s, OUT_BAD_COMMAND, "refused");
	return REQUEST_READY;
}

static int socks5_read_request(struct session *s)
{
	int method = SOCKS5_METHOD_NONE;

	int rc = socks5_negotiate(s, &method);
	if (rc == REQUEST_READY && method == SOCKS5_METHOD_USERPASS)
		rc = socks5_authenticate(s);
	if (rc == REQUEST_READY)
		rc = socks5_read_connect(s);
	return rc;
}

static bool socks5_code_is_success(int code)
{
	return code == SOCKS5_REP_SUCCEEDED;
}

/*
 * +----+-----+-------+------+----------+----------+
 * |VER | REP |  RSV  | ATYP | BND.ADDR | BND.PORT |
 * +----+-----+-------+------+----------+----------+
 * | 1  |  1  | X'00' |  1   | Variable |    2     |
 * +----+-----+-------+------+----------+----------+
 * BND is the upstream socket's local address when there is one, else
 * 0.0.0.0:0.
 */
static size_t socks5_build_reply(const struct session *s, int code, unsigned char *buf)
{
	struct sockaddr_storage bound;
	socklen_t bound_len = sizeof bound;
	size_t n = 0;

	memset(&bound, 0, sizeof bound);
	if (s->upstream >= 0)
		getsockname(s->upstream, (struct sockaddr *)&bound, &bound_len);

	buf[n++] = SOCKS5_VERSION;
	buf[n++] = (unsigned char)code;
	buf[n++] = 0;
	if (bound.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&bound;
		buf[n++] = SOCKS5_ATYP_IPV6;
		memcpy(buf + n, &sin6->sin6_addr, 16);
		n += 16;
		memcpy(buf + n, &sin6->sin6_port, 2);
	} else {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&bound;
		buf[n++] = SOCKS5_ATYP_IPV4;
		memcpy(buf + n, &sin->sin_addr, 4); /* zeros when unset */
		n += 4;
		memcpy(buf + n, &sin->sin_port, 2);
	}
	return n + 2;
}

/* A well-formed IPv4 reply except for its version byte, 0x48 ('H'). */
static size_t socks5_build_garbage(unsigned char *buf)
{
	static const unsigned char garbage[10] = { 0x48, SOCKS5_REP_SUCCEEDED, 0,
						   SOCKS5_ATYP_IPV4 };
	memcpy(buf, garbage, sizeof garbage);
	return sizeof garbage;
}

/* ---------------------------------------------------------------------- */
/* HTTP CONNECT (RFC 9110 section 9.3.6)                                   */

enum {
	HTTP_OK = 200,
	HTTP_BAD_REQUEST = 400,
	HTTP_FORBIDDEN = 403,
	HTTP_METHOD_NOT_ALLOWED = 405,
	HTTP_PROXY_AUTH_REQUIRED = 407,
	HTTP_BAD_GATEWAY = 502,
};

static const int http_codes[OUT_COUNT] = {
	[OUT_GRANTED] = HTTP_OK,
	[OUT_REFUSED] = HTTP_FORBIDDEN,
	[OUT_NOT_ALLOWED] = HTTP_FORBIDDEN,
	[OUT_CONN_REFUSED] = HTTP_BAD_GATEWAY,
	[OUT_UNREACHABLE] = HTTP_BAD_GATEWAY,
	[OUT_BAD_REQUEST] = HTTP_BAD_REQUEST,
	[OUT_BAD_COMMAND] = HTTP_METHOD_NOT_ALLOWED,
	[OUT_BAD_ADDRESS_TYPE] = HTTP_BAD_REQUEST,
	[OUT_BAD_USER] = HTTP_PROXY_AUTH_REQUIRED,
	[OUT_AUTH_REQUIRED] = HTTP_PROXY_AUTH_REQUIRED,
};

static const char *http_reason(int status)
{
	switch (status) {
	case HTTP_OK: return "Connection established";
	case HTTP_BAD_REQUEST: return "Bad Request";
	case HTTP_FORBIDDEN: return "Forbidden";
	case HTTP_METHOD_NOT_ALLOWED: return "Method Not Allowed";
	case HTTP_PROXY_AUTH_REQUIRED: return "Proxy Authentication Required";
	case HTTP_BAD_GATEWAY: return "Bad Gateway";
	default: return "Test Status";
	}
}

struct http_credentials {
	unsigned char decoded[HTTP_HEAD_MAX];
	const unsigned char *user, *password;
	size_t user_len, password_len;
};

static int base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard alphabet, '=' padding optional. Returns the length or -1. */
static long base64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
	uint32_t bits = 0;
	int nbits = 0;
	size_t n = 0, i;

	for (i = 0; i < len && in[i] != '='; i++) {
		int v = base64_value(in[i]);
		if (v < 0)
			return -1;
		bits = (bits << 6 | (uint32_t)v) & 0xFFFFFF;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (unsigned char)(bits >> nbits);
		}
	}
	for (; i < len; i++)
		if (in[i] != '=')
			return -1;
	return (long)n;
}

/* "Basic <base64 of user:password>"; false when it is anything else. */
static bool http_parse_basic(const char *value, struct http_credentials *c)
{
	size_t scheme_len = strlen(HTTP_AUTH_SCHEME);

	if (strncasecmp(value, HTTP_AUTH_SCHEME, scheme_len) != 0 ||
	    (value[scheme_len] != ' ' && value[scheme_len] != '\t'))
		return false;
	const char *token = value + scheme_len + strspn(value + scheme_len, " \t");
	size_t token_len = strcspn(token, " \t");
	long n = base64_decode(token, token_len, c->decoded, sizeof c->decoded);
	if (n < 0)
		return false;
	const unsigned char *colon = memchr(c->decoded, ':', (size_t)n);
	if (!colon)
		return false;
	c->user = c->decoded;
	c->user_len = (size_t)(colon - c->decoded);
	c->password = colon + 1;
	c->password_len = (size_t)n - c->user_len - 1;
	return true;
}

/* headers: the lines after the request line, each ending in CRLF. */
static bool http_find_credentials(char *headers, struct http_credentials *c)
{
	size_t name_len = strlen(HTTP_AUTH_HEADER);
	char *line = headers;
	char *end;

	while ((end = strstr(line, HTTP_LINE_END)) != NULL && end != line) {
		*end = '\0';
		if (strncasecmp(line, HTTP_AUTH_HEADER, name_len) == 0 &&
		    line[name_len] == ':')
			return http_parse_basic(line + name_len + 1 +
						strspn(line + name_len + 1, " \t"), c);
		line = end + strlen(HTTP_LINE_END);
	}
	return false;
}

/* "CONNECT host:port HTTP/1.x". Returns OUT_GRANTED when well-formed. */
static enum outcome http_parse_request_line(char *line, struct destination *d)
{
	size_t method_len = strlen(HTTP_CONNECT_METHOD);
	size_t version_len = strlen(HTTP_VERSION_PREFIX);

	if (strncmp(line, HTTP_CONNECT_METHOD, method_len) != 0)
		return OUT_BAD_COMMAND;
	char *authority = line + method_len;
	char *space = strchr(authority, ' ');
	if (!space)
		return OUT_BAD_REQUEST;
	*space = '\0';
	const char *version = space + 1;
	if (strncmp(version, HTTP_VERSION_PREFIX, version_len) != 0 ||
	    !isdigit((unsigned char)version[version_len]) ||
	    version[version_len + 1] != '\0')
		return OUT_BAD_REQUEST;
	if (!parse_authority(authority, d->name, sizeof d->name, &d->port))
		return OUT_BAD_REQUEST;
	d->kind = DEST_NAME;
	return OUT_GRANTED;
}

static int http_read_request(struct session *s)
{
	char head[HTTP_HEAD_MAX + 1];
	struct http_credentials cred;
	size_t len;

	int rc = read_until(s->client, head, HTTP_HEAD_MAX, HTTP_HEAD_END,
			    strlen(HTTP_HEAD_END), &len, s->deadline);
	if (rc == -EMSGSIZE)
		return reject(s, OUT_BAD_REQUEST, "refused");
	if (rc < 0)
		return rc;
	head[len] = '\0';
	if (strlen(head) != len) /* a NUL inside the head */
		return reject(s, OUT_BAD_REQUEST, "refused");

	char *line_end = strstr(head, HTTP_LINE_END);
	*line_end = '\0';
	enum outcome parsed = http_parse_request_line(head, &s->dest);
	if (parsed != OUT_GRANTED)
		return reject(s, parsed, "refused");
	s->has_dest = true;

	bool has_cred = http_find_credentials(line_end + strlen(HTTP_LINE_END), &cred);
	if (has_cred)
		session_set_user(s, cred.user, cred.user_len);
	if (fault_active(s, FAULT_AUTHFAIL))
		return reject(s, OUT_AUTH_REQUIRED, cfg.fault_result);
	if (cfg.has_credentials &&
	    !(has_cred && credentials_match(cred.user, cred.user_len,
					     cred.password, cred.password_len)))
		return reject(s, OUT_AUTH_REQUIRED, "auth-failed");
	return REQUEST_READY;
}

static bool http_code_is_success(int status)
{
	return status / 100 == 2;
}

/*
 * Tunnel (2xx): "HTTP/1.1 200 Connection established" CRLF CRLF, with no
 * Content-Length (RFC 9110 forbids one on a 2xx to CONNECT). Refusals add
 * Content-Length: 0, Connection: close and, for 407, the challenge.
 */
static size_t http_build_reply(const struct session *s, int status, unsigned char *buf)
{
	const char *fault_header = fault_active(s, FAULT_STATUS) ? HTTP_FAULT_HEADER : "";
	char *out = (char *)buf;
	int n;

	if (http_code_is_success(status))
		n = snprintf(out, REPLY_MAX, "HTTP/1.1 %d %s\r\n%s\r\n", status,
			     http_reason(status), fault_header);
	else
		n = snprintf(out, REPLY_MAX,
			     "HTTP/1.1 %d %s\r\n%s%sContent-Length: 0\r\n"
			     "Connection: close\r\n\r\n",
			     status, http_reason(status), fault_header,
			     status == HTTP_PROXY_AUTH_REQUIRED ? HTTP_REALM_HEADER : "");
	return n > 0 && n < REPLY_MAX ? (size_t)n : 0;
}

static size_t http_build_garbage(unsigned char *buf)
{
	memcpy(buf, HTTP_GARBAGE, strlen(HTTP_GARBAGE));
	return strlen(HTTP_GARBAGE);
}

/* Wait up to ms for the client; true once it has hung up. Its bytes are dropped. */
static bool client_went_away(int fd, long ms)
{
	char scratch[512];

	int rc = wait_fd(fd, POLLIN, now_ms() + ms);
	if (rc == -ETIMEDOUT)
		return false;
	if (rc < 0)
		return true;
	ssize_t n = read(fd, scratch, sizeof scratch);
	return n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN);
}

/* The noend fault: a status line, then a header that never ends. */
static void http_send_endless_header(struct session *s)
{
	session_pause(s, cfg.reply_delay_ms);
	if (write_all(s->client, HTTP_NOEND_STATUS, strlen(HTTP_NOEND_STATUS)) < 0)
		return;
	size_t sent = strlen(HTTP_NOEND_STATUS);
	for (unsigned long i = 0; sent < NOEND_LIMIT_BYTES; i++) {
		char line[64];

		if (client_went_away(s->client, NOEND_INTERVAL_MS))
			return;
		int n = snprintf(line, sizeof line, "X-Noend-%lu: more to come\r\n", i);
		if (write_all(s->client, line, (size_t)n) < 0)
			return;
		sent += (size_t)n;
	}
}

/* ---------------------------------------------------------------------- */
/* Protocol table                                                          */

static const struct protocol socks4_protocol = {
	.name = "socks4",
	.bit = PROTO_SOCKS4,
	.read_request = socks4_read_request,
	.codes = socks4_codes,
	.code_is_success = socks4_code_is_success,
	.build_reply = socks4_build_reply,
	.build_garbage = socks4_build_garbage,
};

static const struct protocol socks5_protocol = {
	.name = "socks5",
	.bit = PROTO_SOCKS5,
	.read_request = socks5_read_request,
	.codes = socks5_codes,
	.code_is_success = socks5_code_is_success,
	.build_reply = socks5_build_reply,
	.build_garbage = socks5_build_garbage,
};

static const struct protocol http_protocol = {
	.name = "http",
	.bit = PROTO_HTTP,
	.read_request = http_read_request,
	.codes = http_codes,
	.code_is_success = http_code_is_success,
	.build_reply = http_build_reply,
	.build_garbage = http_build_garbage,
};

static const struct protocol *protocol_for_first_byte(int byte)
{
	switch (byte) {
	case SOCKS4_VERSION: return &socks4_protocol;
	case SOCKS5_VERSION: return &socks5_protocol;
	case HTTP_FIRST_BYTE: return &http_protocol;
	default: return NULL;
	}
}

/* ---------------------------------------------------------------------- */
/* Upstream                                                                */

static int wait_connected(int fd, int64_t deadline)
{
	int err = 0;
	socklen_t len = sizeof err;

	int rc = wait_fd(fd, POLLOUT, deadline);
	if (rc < 0)
		return rc;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return -err;
}

/* Connect to a loopback address within timeout_ms: the fd, or -errno. */
static int connect_loopback(const struct sockaddr_storage *ss, socklen_t len,
			    int timeout_ms)
{
	/* The safety rule, checked where the connection is made. */
	if (!sockaddr_is_loopback(ss))
		return -EACCES;
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	int rc = 0;
	if (connect(fd, (const struct sockaddr *)ss, len) < 0) {
		if (errno == EINPROGRESS || errno == EINTR)
			rc = wait_connected(fd, now_ms() + timeout_ms);
		else
			rc = -errno;
	}
	if (rc < 0) {
		close(fd);
		return rc;
	}
	set_nodelay(fd);
	return fd;
}

/* The address a destination names without DNS, or 0 for a real name. */
static socklen_t destination_sockaddr(const struct destination *d,
				      struct sockaddr_storage *ss)
{
	switch (d->kind) {
	case DEST_IPV4: return sockaddr_ipv4(ss, d->addr, d->port);
	case DEST_IPV6: return sockaddr_ipv6(ss, d->addr, d->port, TESTPROXY_HOSTS);
	case DEST_NAME: return host_sockaddr(d->name, d->port, TESTPROXY_HOSTS, ss);
	}
	return 0;
}

/*
 * Loopback destinations are connected for real (chains of test proxies);
 * everything else goes to the -T target, or nowhere.
 */
static enum outcome open_upstream(struct session *s)
{
	struct sockaddr_storage ss;
	socklen_t len = destination_sockaddr(&s->dest, &ss);

	if (len == 0 || !sockaddr_is_loopback(&ss)) {
		if (!cfg.has_target)
			return OUT_NOT_ALLOWED;
		ss = cfg.target;
		len = cfg.target_len;
	}
	int fd = connect_loopback(&ss, len, UPSTREAM_TIMEOUT_MS);
	if (fd == -ECONNREFUSED)
		return OUT_CONN_REFUSED;
	if (fd < 0)
		return OUT_UNREACHABLE;
	s->upstream = fd;
	return OUT_GRANTED;
}

/* ---------------------------------------------------------------------- */
/* Relay                                                                   */

/* One direction of the tunnel. */
struct relay_half {
	int from, to;
	size_t start, end;  /* pending bytes: buf[start..end) */
	bool eof;           /* from has sent everything */
	bool done;          /* ... and it is delivered, and to got our FIN */
	unsigned char buf[RELAY_BUF_SIZE];
};

/* Every field but the buffer, which only ever holds what was read into it. */
static void relay_half_init(struct relay_half *h, int from, int to)
{
	h->from = from;
	h->to = to;
	h->start = h->end = 0;
	h->eof = h->done = false;
}

static short relay_wants_read(const struct relay_half *h)
{
	return !h->eof && h->start == h->end ? POLLIN : 0;
}

static short relay_wants_write(const struct relay_half *h)
{
	return h->start < h->end ? POLLOUT : 0;
}

static int relay_fill(struct relay_half *h)
{
	ssize_t n = read(h->from, h->buf, sizeof h->buf);

	if (n > 0) {
		h->start = 0;
		h->end = (size_t)n;
	} else if (n == 0) {
		h->eof = true;
	} else if (errno != EINTR && errno != EAGAIN) {
		return -errno;
	}
	return 0;
}

static int relay_flush(struct relay_half *h)
{
	ssize_t n = write(h->to, h->buf + h->start, h->end - h->start);

	if (n >= 0)
		h->start += (size_t)n;
	else if (errno != EINTR && errno != EAGAIN)
		return -errno;
	return 0;
}

/* Pass a half-close on once everything before it is delivered. */
static void relay_pass_eof(struct relay_half *h)
{
	if (h->eof && h->start == h->end && !h->done) {
		shutdown(h->to, SHUT_WR);
		h->done = true;
	}
}

static int relay_step(struct relay_half *h, short from_revents, short to_revents)
{
	if (relay_wants_read(h) && (from_revents & (POLLIN | POLLHUP | POLLERR))) {
		int rc = relay_fill(h);
		if (rc < 0)
			return rc;
	}
	if (relay_wants_write(h) && (to_revents & (POLLOUT | POLLHUP | POLLERR)))
		return relay_flush(h);
	return 0;
}

/* Copy both ways until both sides have finished, or either fails. */
static void relay(int client, int upstream)
{
	/* malloc, not calloc: zeroing 128 KiB per connection showed in the benchmarks. */
	struct relay_half *up = malloc(2 * sizeof *up);

	if (!up || set_nonblocking(client) < 0 || set_nonblocking(upstream) < 0) {
		free(up);
		return;
	}
	struct relay_half *down = up + 1;
	relay_half_init(up, client, upstream);
	relay_half_init(down, upstream, client);

	for (;;) {
		relay_pass_eof(up);
		relay_pass_eof(down);
		if (up->done && down->done)
			break;
		struct pollfd pfd[2] = {
			{ .fd = client, .events = relay_wants_read(up) | relay_wants_write(down) },
			{ .fd = upstream, .events = relay_wants_read(down) | relay_wants_write(up) },
		};
		/* An fd with nothing to do could report POLLHUP in a loop. */
		for (int i = 0; i < 2; i++)
			if (pfd[i].events == 0)
				pfd[i].fd = -1;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (relay_step(up, pfd[0].revents, pfd[1].revents) < 0 ||
		    relay_step(down, pfd[1].revents, pfd[0].revents) < 0)
			break;
	}
	free(up);
}

/* ---------------------------------------------------------------------- */
/* Serving a request                                                       */

static void log_fault(struct session *s)
{
	log_request(s, cfg.fault_result);
}

/* flood: 64 KiB of bytes that are no reply at all, then wait for the client to go. */
static void send_flood(struct session *s)
{
	static char junk[FLOOD_BYTES];

	memset(junk, 'G', sizeof(junk));
	(void)write_all(s->client, junk, sizeof(junk));
	drain(s->client, now_ms() + 10000);
}

/* reset: the close that follows sends a TCP reset, not an orderly FIN. */
static void reset_on_close(int fd)
{
	struct linger hard = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
}

/* Faults that replace the answer outright: no upstream connection. */
static bool serve_fault_without_upstream(struct session *s)
{
	unsigned char reply[REPLY_MAX];
	size_t len;

	if (!s->faulty)
		return false;
	switch (cfg.fault->kind) {
	case FAULT_REFUSE:
		reject(s, OUT_REFUSED, cfg.fault_result);
		return true;
	case FAULT_CLOSE:
		log_fault(s);
		return true;
	case FAULT_HANG:
		log_fault(s);
		drain(s->client, NO_DEADLINE);
		return true;
	case FAULT_GARBAGE:
		log_fault(s);
		len = s->proto->build_garbage(reply);
		(void)send_final_reply(s, reply, len, false);
		s->linger = true;
		return true;
	case FAULT_TRUNCATE:
		log_fault(s); /* send_final_reply() cuts it in half */
		len = s->proto->build_reply(s, reply_code(s, OUT_GRANTED), reply);
		(void)send_final_reply(s, reply, len, false);
		return true;
	case FAULT_NOEND:
		log_fault(s);
		http_send_endless_header(s);
		return true;
	case FAULT_FLOOD:
		log_fault(s);
		send_flood(s);
		return true;
	case FAULT_RESET:
		log_fault(s);
		len = s->proto->build_reply(s, reply_code(s, OUT_GRANTED), reply);
		(void)write_all(s->client, reply, len / 2);
		reset_on_close(s->client);
		return true;
	case FAULT_REP:
	case FAULT_STATUS:
		if (s->proto->code_is_success((int)cfg.fault_value))
			return false; /* a success code: serve, then relay */
		reject(s, OUT_GRANTED, cfg.fault_result);
		return true;
	default:
		return false;
	}
}

static const char *outcome_result(enum outcome outcome)
{
	return outcome == OUT_NOT_ALLOWED ? "refused-nonlocal" : "upstream-failed";
}

static void serve_request(struct session *s)
{
	unsigned char reply[REPLY_MAX];

	if (serve_fault_without_upstream(s))
		return;
	enum outcome outcome = open_upstream(s);
	if (outcome != OUT_GRANTED) {
		reject(s, outcome, outcome_result(outcome));
		return;
	}
	log_request(s, s->faulty ? cfg.fault_result : "granted");
	size_t len = s->proto->build_reply(s, reply_code(s, OUT_GRANTED), reply);
	if (send_final_reply(s, reply, len, true) < 0)
		return;
	relay(s->client, s->upstream);
}

/* Whether the -f fault applies: counted per request, for -n. */
static bool claim_fault(const struct protocol *proto)
{
	if (!cfg.fault)
		return false;
	unsigned long seq = atomic_fetch_add(&requests_seen, 1);
	if (cfg.fault_limit != 0 && seq >= cfg.fault_limit)
		return false;
	return (cfg.fault->protocols & proto->bit) != 0;
}

/* The first byte picks the protocol; peek, so each reads its request whole. */
static int peek_first_byte(int fd, int64_t deadline)
{
	unsigned char byte;

	for (;;) {
		ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n == 1)
			return byte;
		if (n == 0)
			return -ECONNRESET;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
		if (errno == EAGAIN) {
			int rc = wait_fd(fd, POLLIN, deadline);
			if (rc < 0)
				return rc;
		}
	}
}

static void handle_client(struct session *s)
{
	s->deadline = now_ms() + REQUEST_TIMEOUT_MS;
	int first = peek_first_byte(s->client, s->deadline);
	if (first < 0)
		return;
	s->proto = protocol_for_first_byte(first);
	if (!s->proto || !(cfg.protocols & s->proto->bit)) {
		s->linger = true; /* a plain EOF for the client, not a RST */
		return;
	}
	s->proto_name = s->proto->name;
	s->faulty = claim_fault(s->proto);
	if (s->proto->read_request(s) == REQUEST_READY)
		serve_request(s);
}

static void *session_thread(void *arg)
{
	struct session *s = arg;

	handle_client(s);
	if (s->linger)
		linger_close(s->client, LINGER_MS);
	else
		close(s->client);
	if (s->upstream >= 0)
		close(s->upstream);
	free(s);
	return NULL;
}

/* For accept_loop(): serve the request on a thread of its own. */
static void start_session(int fd, const struct sockaddr_storage *peer)
{
	struct session *s = calloc(1, sizeof *s);

	if (!s) {
		close(fd);
		return;
	}
	s->client = fd;
	s->upstream = -1;
	format_sockaddr(peer, s->peer, sizeof s->peer);
	set_nodelay(fd);
	if (start_detached_thread(session_thread, s, THREAD_STACK_SIZE) < 0) {
		close(fd);
		free(s);
	}
}

/* ---------------------------------------------------------------------- */
/* Command line                                                            */

static void usage(void)
{
	fputs("usage: testproxy [-4] [-5] [-H] [-p PORT] [-b ADDR] [-P FILE] [-l FILE]\n"
	      "                 [-T HOST:PORT] [-u USER[:PASS]] [-f FAULT] [-d MS] [-n N]\n"
	      "                 [-D MS]\n"
	      "faults: refuse close hang garbage split slow trickle ver4 rep=N\n"
	      "        status=NNN method=N authfail truncate noend dataafter flood reset\n"
	      "        bigdomain interim\n",
	      stderr);
	exit(2);
}

static long parse_number(const char *text, int base, long min, long max,
			 const char *what)
{
	long value;

	if (!parse_long(text, base, min, max, &value))
		die("%s: '%s' is not a number in %ld..%ld", what, text, min, max);
	return value;
}

static void parse_credentials(const char *text)
{
	const char *colon = strchr(text, ':');
	size_t user_len = colon ? (size_t)(colon - text) : strlen(text);

	if (user_len == 0 || user_len > NAME_MAX_LEN)
		die("-u: the user must be 1..%d bytes", NAME_MAX_LEN);
	memcpy(cfg.user, text, user_len);
	cfg.user_len = user_len;
	if (colon) {
		size_t password_len = strlen(colon + 1);
		if (password_len > NAME_MAX_LEN)
			die("-u: the password must be at most %d bytes", NAME_MAX_LEN);
		memcpy(cfg.password, colon + 1, password_len);
		cfg.password_len = password_len;
		cfg.check_password = true;
	}
	cfg.has_credentials = true;
}

static void parse_fault(const char *text)
{
	const char *eq = strchr(text, '=');
	size_t name_len = eq ? (size_t)(eq - text) : strlen(text);

	for (size_t i = 0; i < sizeof fault_specs / sizeof fault_specs[0]; i++) {
		const struct fault_spec *f = &fault_specs[i];
		if (strlen(f->name) != name_len || strncmp(f->name, text, name_len) != 0)
			continue;
		if (f->has_value != (eq != NULL))
			die("-f %s: %s", text, f->has_value ? "needs =N" : "takes no value");
		if (eq)
			cfg.fault_value = parse_number(eq + 1, 0, f->min, f->max, "-f");
		cfg.fault = f;
		snprintf(cfg.fault_result, sizeof cfg.fault_result, "fault:%s", f->name);
		return;
	}
	die("-f %s: unknown fault", text);
}

/* -T: a loopback literal or "localhost", with a port. */
static void parse_target(const char *text)
{
	char host[NAME_MAX_LEN + 1];
	uint16_t port;

	if (!parse_authority(text, host, sizeof host, &port))
		die("-T %s: expected HOST:PORT", text);
	cfg.target_len = loopback_sockaddr(host, port, TESTPROXY_HOSTS, &cfg.target);
	if (cfg.target_len == 0)
		die("-T %s: the target must be a loopback address", text);
	cfg.has_target = true;
}

static bool take_option(int opt, const char *arg)
{
	switch (opt) {
	case 'p':
		cfg.listen_port = (unsigned)parse_number(arg, 10, 0, 65535, "-p");
		return true;
	case 'T':
		parse_target(arg);
		return true;
	case 'u':
		parse_credentials(arg);
		return true;
	case 'f':
		parse_fault(arg);
		return true;
	case 'd':
		cfg.fault_delay_ms = parse_number(arg, 10, 0, 3600000, "-d");
		return true;
	case 'n':
		cfg.fault_limit = (unsigned long)parse_number(arg, 10, 0, LONG_MAX, "-n");
		return true;
	case 'D':
		cfg.reply_delay_ms = parse_number(arg, 10, 0, 3600000, "-D");
		return true;
	case '4':
		cfg.protocols |= PROTO_SOCKS4;
		return true;
	case '5':
		cfg.protocols |= PROTO_SOCKS5;
		return true;
	case 'H':
		cfg.protocols |= PROTO_HTTP;
		return true;
	default:
		return false;
	}
}

int main(int argc, char **argv)
{
	servutil_init("testproxy");
	setup_signals(); /* first: a test may stop us at any moment */
	if (!parse_command_line(argc, argv, "p:b:P:l:T:u:f:d:n:D:45H", take_option, &cfg.common))
		usage();
	if (cfg.protocols == 0)
		cfg.protocols = PROTO_ALL;
	int listener = open_common_listener(&cfg.common, (uint16_t)cfg.listen_port,
					    TESTPROXY_HOSTS, LISTEN_BACKLOG);
	accept_loop(listener, start_session);
}
