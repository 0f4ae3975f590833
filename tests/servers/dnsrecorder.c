/*
 * dnsrecorder - a loopback-only DNS server for sockschain's tests that
 * records every packet it receives: a DNS leak detector. A test points
 * /etc/resolv.conf (bind-mounted in a private mount namespace) at it, runs a
 * program through the proxies and asserts that the log stayed empty; the same
 * program resolving names itself must fill the log, which proves that the
 * detector sees what it should.
 *
 * usage: dnsrecorder [-b ADDR] [-p PORT] [-P FILE] [-l FILE] [-A IPV4] [-6 IPV6]
 *
 *   -b ADDR   listen address: a 127.0.0.0/8 address (default 127.0.0.1) or
 *             ::1; anything else is refused with exit status 1
 *   -p PORT   port for UDP and TCP both; default 53, as resolv.conf cannot
 *             name another. 0 picks a free one: UDP binds first, then TCP
 *             takes the same number (retried a few times if it is taken)
 *   -P FILE   once both are bound, write the port and "\n" to FILE (through
 *             FILE.tmp and rename(), so a reader never sees half of it)
 *   -l FILE   append one line per packet received, see below
 *   -A IPV4   the address answering A queries (default 198.18.0.9)
 *   -6 IPV6   the address answering AAAA queries (default: none, NODATA)
 *
 * Log: every UDP datagram and every TCP message appends exactly one line,
 * so an empty log means no DNS traffic at all:
 *   proto=udp|tcp name=NAME type=TYPE peer=ADDR:PORT    a query
 *   proto=udp|tcp malformed peer=ADDR:PORT              anything else
 * NAME is the first question's name in presentation form without the final
 * dot ("." for the root), letters in the case received, and every byte
 * outside [A-Za-z0-9_-] written as \DDD in decimal - a '.' inside a label
 * too, so that it cannot pass for a separator. TYPE is A, AAAA, PTR, ANY or
 * TYPE<n>. An IPv6 peer is written [ADDR]:PORT. Each line is one write() to
 * the file opened with O_APPEND (lines from different threads never mix),
 * and it is written before the answer is sent.
 *
 * Answers (QR, AA and RA set; ID, opcode, RD and the first question copied):
 *   opcode other than QUERY                            NOTIMP
 *   name nxdomain.test or *.nxdomain.test (any case)   NXDOMAIN
 *   name silent.test or *.silent.test (any case)       none at all, ever: a
 *                                                      resolver that is down
 *   A, class IN                                        the -A address, TTL 60
 *   AAAA, class IN, with -6                            the -6 address, TTL 60
 *   anything else                                      NOERROR, no answer
 *   no question, or a compression pointer or an        FORMERR, no question;
 *   extended label type in the question                logged as malformed
 * A packet cut short in its header or question, a response (QR set), a name
 * longer than 255 bytes or a UDP datagram over 512 bytes is logged as
 * malformed and gets no answer; over TCP its connection is closed.
 *
 * UDP is served by one thread; every TCP connection, which may carry several
 * length-prefixed queries, by a detached thread of its own. SIGTERM and
 * SIGINT exit at once with status 0.
 */
#define _GNU_SOURCE
#include "servutil.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/*
 * RFC 1035 4.1.1, the header:
 *
 *                                   1  1  1  1  1  1
 *     0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                      ID                       |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                    QDCOUNT                    |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                    ANCOUNT                    |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                    NSCOUNT                    |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                    ARCOUNT                    |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 */
enum {
	DNS_HEADER_LEN = 12,
	DNS_OFF_ID = 0,
	DNS_OFF_FLAGS = 2,
	DNS_OFF_QDCOUNT = 4,
};

enum {
	DNS_FLAG_QR = 0x8000,
	DNS_OPCODE_MASK = 0x7800,
	DNS_OPCODE_SHIFT = 11,
	DNS_FLAG_AA = 0x0400,
	DNS_FLAG_RD = 0x0100,
	DNS_FLAG_RA = 0x0080,
};

enum { DNS_OPCODE_QUERY = 0 };

enum {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
};

enum {
	DNS_TYPE_A = 1,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_ANY = 255,
	DNS_CLASS_IN = 1,
};

/*
 * RFC 1035 4.1.2 and 4.1.4, the question: QNAME as labels, each a length
 * byte and that many bytes, ended by the zero-length root label; then QTYPE
 * and QCLASS, 16 bits each. A length byte's top two bits say what it is:
 * 00 a label, 11 a compression pointer, 01 and 10 the extended label types
 * of RFC 2671 (since withdrawn).
 */
enum {
	DNS_LABEL_KIND_MASK = 0xc0,
	DNS_NAME_WIRE_MAX = 255,	/* RFC 1035 2.3.4, length bytes included */
	DNS_QUESTION_FIXED_LEN = 4,	/* QTYPE, QCLASS */
};

/*
 * RFC 1035 4.1.3, an answer record: NAME (here a pointer to the question's
 * name, which always follows the header), TYPE, CLASS, TTL (32 bits),
 * RDLENGTH, then RDATA.
 */
enum {
	DNS_POINTER_TO_QUESTION = 0xc000 | DNS_HEADER_LEN,
	DNS_RR_FIXED_LEN = 2 + 2 + 2 + 4 + 2,
	DNS_RDATA_MAX = 16,		/* an IPv6 address */
	ANSWER_TTL = 60,
};

enum {
	UDP_MESSAGE_MAX = 512,		/* RFC 1035 4.2.1, without EDNS */
	TCP_MESSAGE_MAX = 65535,	/* what a 2-byte length prefix can say */
	TCP_LENGTH_LEN = 2,
	/* Our answer: header, one question, at most one record. */
	RESPONSE_MAX = DNS_HEADER_LEN + DNS_NAME_WIRE_MAX + DNS_QUESTION_FIXED_LEN +
		       DNS_RR_FIXED_LEN + DNS_RDATA_MAX,
	/* Every name byte may become \DDD; "." for the root; the NUL. */
	NAME_TEXT_MAX = 4 * DNS_NAME_WIRE_MAX + 2,
	TYPE_TEXT_MAX = sizeof "TYPE65535",
};

_Static_assert(RESPONSE_MAX <= UDP_MESSAGE_MAX,
	       "an answer must fit a plain UDP datagram: we never set TC");
_Static_assert(NAME_TEXT_MAX + TYPE_TEXT_MAX + SOCKADDR_TEXT_MAX + 64 <= LOG_LINE_MAX,
	       "a query's log line must fit log_line()'s buffer: none is dropped");

enum {
	DEFAULT_PORT = 53,
	BIND_ATTEMPTS = 10,		/* for -p 0: TCP may find UDP's port taken */
	LISTEN_BACKLOG = 128,
	TCP_IDLE_MS = 10000,		/* for each query on a TCP connection */
	THREAD_STACK_SIZE = 256 * 1024,
};

#define DEFAULT_A_ADDRESS "198.18.0.9"
#define NXDOMAIN_SUFFIX "nxdomain.test"
#define SILENT_SUFFIX "silent.test"

/* Written by main() before the first thread starts, read only afterwards. */
static struct {
	unsigned port;			/* -p */
	struct common_options common;	/* -b, -P, -l */
	struct in_addr a_addr;
	struct in6_addr aaaa_addr;
	bool have_aaaa;
} cfg = { .port = DEFAULT_PORT, .common = COMMON_OPTIONS_INIT };

/* ---------------------------------------------------------------------- */
/* Wire helpers                                                            */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint8_t *put16(uint8_t *p, uint16_t value)
{
	p[0] = (uint8_t)(value >> 8);
	p[1] = (uint8_t)value;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t value)
{
	p = put16(p, (uint16_t)(value >> 16));
	return put16(p, (uint16_t)value);
}

/* ---------------------------------------------------------------------- */
/* Addresses                                                               */

static void set_sockaddr_port(struct sockaddr_storage *ss, unsigned port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

/*
 * -b: a numeric loopback address only (HOST_IP_LITERAL): this server must
 * never be reachable from outside, and resolving a name would be a DNS query
 * of our own. Returns the address length, or 0 if host is not such an address.
 */
static socklen_t listen_sockaddr(const char *host, uint16_t port,
				 struct sockaddr_storage *ss)
{
	socklen_t len = loopback_sockaddr(host, port, HOST_IP_LITERAL, ss);

	/* ::1 only: a V6ONLY socket cannot bind ::ffff:127.0.0.1. */
	if (len != 0 && ss->ss_family == AF_INET6 &&
	    !IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr))
		return 0;
	return len;
}

/* ---------------------------------------------------------------------- */
/* Parsing a query                                                         */

enum parse_result {
	PARSE_OK,	/* a query: answer it */
	PARSE_FORMERR,	/* a query whose question we will not read: FORMERR */
	PARSE_DROP,	/* cut short, a response, or not DNS at all: no answer */
};

struct dns_query {
	uint16_t id;
	uint16_t flags;			/* as received */
	uint16_t qtype;
	uint16_t qclass;
	const uint8_t *question;	/* the first question as received... */
	size_t question_len;		/* ...to copy back; 0 when there is none */
	char name[NAME_TEXT_MAX];	/* presentation form, see the top comment */
};

static bool is_plain_name_byte(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Appends one label to text in presentation form; false if it would not fit. */
static bool append_label(char *text, size_t *len, size_t cap,
			 const uint8_t *label, size_t label_len)
{
	size_t at = *len;

	if (at > 0) {
		if (at + 1 >= cap)
			return false;
		text[at++] = '.';
	}
	for (size_t i = 0; i < label_len; i++) {
		uint8_t c = label[i];
		int n = is_plain_name_byte(c) ? snprintf(text + at, cap - at, "%c", c)
					      : snprintf(text + at, cap - at, "\\%03u", c);
		if (n < 0 || (size_t)n >= cap - at)
			return false;
		at += (size_t)n;
	}
	*len = at;
	return true;
}

/*
 * Reads the QNAME at *at into text, and moves *at past it. Pointers are
 * refused rather than followed: resolvers never compress the question, and
 * following them is where loops and out-of-bounds reads hide.
 */
static enum parse_result parse_name(const uint8_t *msg, size_t len, size_t *at,
				    char *text, size_t cap)
{
	size_t start = *at, pos = *at, text_len = 0;

	for (;;) {
		if (pos >= len)
			return PARSE_DROP;
		uint8_t label_len = msg[pos++];
		if (label_len & DNS_LABEL_KIND_MASK)
			return PARSE_FORMERR;
		if (label_len == 0)
			break;
		if (label_len > len - pos)
			return PARSE_DROP;
		/* At least the root label's byte is still to come. */
		if (pos + label_len - start >= DNS_NAME_WIRE_MAX)
			return PARSE_DROP;
		if (!append_label(text, &text_len, cap, msg + pos, label_len))
			return PARSE_DROP;
		pos += label_len;
	}
	if (text_len == 0)
		snprintf(text, cap, ".");
	else
		text[text_len] = '\0';
	*at = pos;
	return PARSE_OK;
}

/*
 * Fills q from the header and the first question. Later questions and the
 * other sections (an EDNS OPT record, say) are ignored: only the first
 * question is answered.
 */
static enum parse_result parse_query(const uint8_t *msg, size_t len, struct dns_query *q)
{
	memset(q, 0, sizeof *q);
	if (len < DNS_HEADER_LEN)
		return PARSE_DROP;
	q->id = get16(msg + DNS_OFF_ID);
	q->flags = get16(msg + DNS_OFF_FLAGS);
	if (q->flags & DNS_FLAG_QR)
		return PARSE_DROP; /* never answer an answer: no loops */
	if (get16(msg + DNS_OFF_QDCOUNT) == 0)
		return PARSE_FORMERR;

	size_t at = DNS_HEADER_LEN;
	enum parse_result result = parse_name(msg, len, &at, q->name, sizeof q->name);
	if (result != PARSE_OK)
		return result;
	if (len - at < DNS_QUESTION_FIXED_LEN)
		return PARSE_DROP;
	q->qtype = get16(msg + at);
	q->qclass = get16(msg + at + 2);
	at += DNS_QUESTION_FIXED_LEN;
	q->question = msg + DNS_HEADER_LEN;
	q->question_len = at - DNS_HEADER_LEN;
	return PARSE_OK;
}

/* ---------------------------------------------------------------------- */
/* Answering                                                               */

struct dns_answer {
	uint16_t rcode;
	uint16_t rtype;		/* of the one answer record; 0 for none */
	const void *rdata;
	uint16_t rdlength;
};

/*
 * Whether name is suffix or a name under it. Case-insensitive: resolvers may
 * randomise a query's letter case (0x20 bits).
 */
static bool is_name_under(const char *name, const char *suffix)
{
	size_t len = strlen(name), suffix_len = strlen(suffix);

	if (len < suffix_len || strcasecmp(name + len - suffix_len, suffix) != 0)
		return false;
	/* An escaped dot is "\046", so a '.' here really is a label boundary. */
	return len == suffix_len || name[len - suffix_len - 1] == '.';
}

static struct dns_answer choose_answer(const struct dns_query *q)
{
	struct dns_answer a = { .rcode = DNS_RCODE_NOERROR };
	unsigned opcode = (q->flags & DNS_OPCODE_MASK) >> DNS_OPCODE_SHIFT;

	if (opcode != DNS_OPCODE_QUERY) {
		a.rcode = DNS_RCODE_NOTIMP;
	} else if (is_name_under(q->name, NXDOMAIN_SUFFIX)) {
		a.rcode = DNS_RCODE_NXDOMAIN;
	} else if (q->qclass != DNS_CLASS_IN) {
		/* NODATA: we hold addresses for the Internet class only. */
	} else if (q->qtype == DNS_TYPE_A) {
		a.rtype = DNS_TYPE_A;
		a.rdata = &cfg.a_addr;
		a.rdlength = sizeof cfg.a_addr;
	} else if (q->qtype == DNS_TYPE_AAAA && cfg.have_aaaa) {
		a.rtype = DNS_TYPE_AAAA;
		a.rdata = &cfg.aaaa_addr;
		a.rdlength = sizeof cfg.aaaa_addr;
	}
	return a;
}

/*
 * The header, the question copied as received (a resolver checks that it
 * matches its own), and at most one record whose name points back at it.
 * Returns the length, or 0 if it does not fit out.
 */
static size_t build_response(const struct dns_query *q, const struct dns_answer *a,
			     uint8_t *out, size_t cap)
{
	size_t record_len = a->rtype ? DNS_RR_FIXED_LEN + a->rdlength : 0;
	uint16_t flags = (uint16_t)(DNS_FLAG_QR | (q->flags & (DNS_OPCODE_MASK | DNS_FLAG_RD)) |
				    DNS_FLAG_AA | DNS_FLAG_RA | a->rcode);
	uint8_t *p = out;

	if (DNS_HEADER_LEN + q->question_len + record_len > cap)
		return 0;
	p = put16(p, q->id);
	p = put16(p, flags);
	p = put16(p, q->question_len ? 1 : 0);	/* QDCOUNT */
	p = put16(p, a->rtype ? 1 : 0);		/* ANCOUNT */
	p = put16(p, 0);			/* NSCOUNT */
	p = put16(p, 0);			/* ARCOUNT */
	if (q->question_len > 0) {
		memcpy(p, q->question, q->question_len);
		p += q->question_len;
	}
	if (a->rtype) {
		p = put16(p, DNS_POINTER_TO_QUESTION);
		p = put16(p, a->rtype);
		p = put16(p, DNS_CLASS_IN);
		p = put32(p, ANSWER_TTL);
		p = put16(p, a->rdlength);
		memcpy(p, a->rdata, a->rdlength);
		p += a->rdlength;
	}
	return (size_t)(p - out);
}

/* ---------------------------------------------------------------------- */
/* The log                                                                 */

static const struct {
	uint16_t type;
	const char *name;
} type_names[] = {
	{ DNS_TYPE_A, "A" },
	{ DNS_TYPE_AAAA, "AAAA" },
	{ DNS_TYPE_PTR, "PTR" },
	{ DNS_TYPE_ANY, "ANY" },
};

/* RFC 3597's generic form for the types a test has no reason to name. */
static void format_type(uint16_t type, char *out, size_t cap)
{
	for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++) {
		if (type_names[i].type == type) {
			snprintf(out, cap, "%s", type_names[i].name);
			return;
		}
	}
	snprintf(out, cap, "TYPE%u", type);
}

/* Logged before the query gets its answer, so a test that has one sees the line. */
static void log_query(const char *proto, const struct dns_query *q, const char *peer)
{
	char type[TYPE_TEXT_MAX];

	format_type(q->qtype, type, sizeof type);
	log_line(cfg.common.log_fd, "proto=%s name=%s type=%s peer=%s\n", proto, q->name, type,
		 peer);
}

static void log_malformed(const char *proto, const char *peer)
{
	log_line(cfg.common.log_fd, "proto=%s malformed peer=%s\n", proto, peer);
}

/*
 * Logs one message and builds its answer into out. Returns the answer's
 * length, or 0 when the message gets none (and a TCP connection should end).
 */
static size_t answer_message(const char *proto, const uint8_t *msg, size_t len,
			     const char *peer, uint8_t *out, size_t cap)
{
	struct dns_query q;
	struct dns_answer a = { .rcode = DNS_RCODE_FORMERR };

	switch (parse_query(msg, len, &q)) {
	case PARSE_OK:
		log_query(proto, &q, peer);
		if (is_name_under(q.name, SILENT_SUFFIX))
			return 0;
		a = choose_answer(&q);
		break;
	case PARSE_FORMERR:
		log_malformed(proto, peer);
		q.question_len = 0; /* we cannot vouch for it: send none back */
		break;
	case PARSE_DROP:
		log_malformed(proto, peer);
		return 0;
	}
	return build_response(&q, &a, out, cap);
}

/* ---------------------------------------------------------------------- */
/* UDP                                                                     */

static void *udp_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint8_t msg[UDP_MESSAGE_MAX], out[RESPONSE_MAX];

	for (;;) {
		struct sockaddr_storage peer;
		socklen_t peer_len = sizeof peer;
		char peer_text[SOCKADDR_TEXT_MAX];
		size_t out_len = 0;

		/* MSG_TRUNC: the datagram's real length, to tell an oversized one. */
		ssize_t n = recvfrom(fd, msg, sizeof msg, MSG_TRUNC,
				     (struct sockaddr *)&peer, &peer_len);
		if (n < 0) {
			if (errno == EINTR || errno == ENOMEM || errno == ENOBUFS)
				continue;
			die("udp recvfrom: %s", strerror(errno));
		}
		if (!sockaddr_is_loopback(&peer))
			continue;
		format_sockaddr(&peer, peer_text, sizeof peer_text);
		if ((size_t)n > sizeof msg)
			log_malformed("udp", peer_text);
		else
			out_len = answer_message("udp", msg, (size_t)n, peer_text, out, sizeof out);
		if (out_len > 0 &&
		    sendto(fd, out, out_len, 0, (struct sockaddr *)&peer, peer_len) < 0) {
			/* The resolver gave up or went away: its loss, not ours. */
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* TCP                                                                     */

struct tcp_client {
	int fd;
	char peer[SOCKADDR_TEXT_MAX];
};

/*
 * RFC 1035 4.2.2: each message is preceded by its length in 2 bytes. A
 * client may send several; it ends the connection when done, or we do once
 * it stays silent for TCP_IDLE_MS.
 */
static void serve_tcp(int fd, const char *peer, uint8_t *msg)
{
	uint8_t out[TCP_LENGTH_LEN + RESPONSE_MAX];

	for (;;) {
		uint8_t prefix[TCP_LENGTH_LEN];
		int64_t deadline = now_ms() + TCP_IDLE_MS;
		size_t got;
		int rc = read_exact(fd, prefix, sizeof prefix, deadline, &got);

		if (got == 0)
			return; /* between messages: a clean end */
		size_t len = rc == 0 ? get16(prefix) : 0;
		if (len == 0 || read_exact(fd, msg, len, deadline, NULL) < 0) {
			log_malformed("tcp", peer);
			return;
		}
		size_t out_len = answer_message("tcp", msg, len, peer, out + TCP_LENGTH_LEN,
						sizeof out - TCP_LENGTH_LEN);
		if (out_len == 0)
			return;
		put16(out, (uint16_t)out_len);
		if (write_all(fd, out, TCP_LENGTH_LEN + out_len) < 0)
			return;
	}
}

static void *tcp_thread(void *arg)
{
	struct tcp_client *client = arg;
	uint8_t *msg = malloc(TCP_MESSAGE_MAX);

	if (msg)
		serve_tcp(client->fd, client->peer, msg);
	free(msg);
	close(client->fd);
	free(client);
	return NULL;
}

/* For accept_loop(): serve the connection on a thread of its own. */
static void start_tcp_client(int fd, const struct sockaddr_storage *peer)
{
	struct tcp_client *client = malloc(sizeof *client);

	if (!client) {
		close(fd);
		return;
	}
	client->fd = fd;
	format_sockaddr(peer, client->peer, sizeof client->peer);
	if (start_detached_thread(tcp_thread, client, THREAD_STACK_SIZE) < 0) {
		close(fd);
		free(client);
	}
}

static void start_udp_thread(int fd)
{
	int rc = start_detached_thread(udp_thread, (void *)(intptr_t)fd, 0);

	if (rc < 0)
		die("pthread_create: %s", strerror(-rc));
}

/* ---------------------------------------------------------------------- */
/* Listening                                                               */

/* Returns a socket of type bound to addr, or -errno. */
static int bound_socket(int type, const struct sockaddr_storage *addr, socklen_t len)
{
	int fd = server_socket(addr->ss_family, type);

	if (fd < 0)
		return fd;
	if (bind(fd, (const struct sockaddr *)addr, len) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

/*
 * UDP first, then TCP on the port UDP got: with -p 0 that port may already
 * be someone's TCP port, so then both are given up and tried afresh.
 */
static void open_sockets(const struct sockaddr_storage *addr, socklen_t len,
			 int *udp, int *tcp)
{
	bool ephemeral = sockaddr_port(addr) == 0;

	for (int attempt = 1;; attempt++) {
		struct sockaddr_storage tcp_addr = *addr;

		*udp = bound_socket(SOCK_DGRAM, addr, len);
		if (*udp < 0)
			die("udp bind: %s", strerror(-*udp));
		set_sockaddr_port(&tcp_addr, bound_port(*udp));
		*tcp = bound_socket(SOCK_STREAM, &tcp_addr, len);
		if (*tcp >= 0)
			break;
		close(*udp);
		if (!ephemeral || *tcp != -EADDRINUSE || attempt == BIND_ATTEMPTS)
			die("tcp bind: %s", strerror(-*tcp));
	}
	listen_or_die(*tcp, LISTEN_BACKLOG);
}

/* ---------------------------------------------------------------------- */
/* Command line                                                            */

_Noreturn static void usage(void)
{
	fputs("usage: dnsrecorder [-b ADDR] [-p PORT] [-P FILE] [-l FILE] [-A IPV4] [-6 IPV6]\n",
	      stderr);
	exit(2);
}

static void parse_address_option(int opt, int family, const char *text, void *out)
{
	if (inet_pton(family, text, out) != 1)
		die("-%c %s: not an IPv%c address", opt, text, family == AF_INET ? '4' : '6');
}

static bool take_option(int opt, const char *arg)
{
	switch (opt) {
	case 'p':
		cfg.port = parse_port_option(arg);
		return true;
	case 'A':
		parse_address_option('A', AF_INET, arg, &cfg.a_addr);
		return true;
	case '6':
		parse_address_option('6', AF_INET6, arg, &cfg.aaaa_addr);
		cfg.have_aaaa = true;
		return true;
	default:
		return false;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_storage addr;
	int udp, tcp;

	servutil_init("dnsrecorder");
	setup_signals(); /* first: a test may stop us at any moment */
	parse_address_option('A', AF_INET, DEFAULT_A_ADDRESS, &cfg.a_addr);
	if (!parse_command_line(argc, argv, "b:p:P:l:A:6:", take_option, &cfg.common))
		usage();
	const char *host = cfg.common.listen_host;
	socklen_t len = listen_sockaddr(host, (uint16_t)cfg.port, &addr);
	if (len == 0)
		die("-b %s: the listen address must be in 127.0.0.0/8 or ::1", host);

	open_sockets(&addr, len, &udp, &tcp);
	start_udp_thread(udp);
	if (cfg.common.port_file)
		write_port_file(cfg.common.port_file, bound_port(udp));
	accept_loop(tcp, start_tcp_client);
}
