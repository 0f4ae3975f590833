/*
 * client - a TCP test client that reports exactly what a program sees from
 * connect(), for running under the sockschain preload library.
 *
 * Usage: client [OPTIONS] HOST PORT
 *        client [OPTIONS] --unix PATH
 *
 * HOST is a numeric IPv4 or IPv6 literal (no DNS: the tests must not depend
 * on a resolver; --names resolves, for names the library answers).  One line per connection goes to stdout:
 *
 *   ok elapsed_ms=N [key=value...]
 *   fail errno=ENAME elapsed_ms=N [step=STEP] [key=value...]
 *
 * elapsed_ms times the connect() call alone; wait_ms, the wait for the
 * outcome of a non-blocking connect; --timeout-check compares their sum.
 * step= names the setup call that failed when it was not connect() itself
 * (socket, bind, an option...).  Checks made after connect() add keys such
 * as send_errno=, recv_errno=, expect=0 rather than turning "ok" to "fail".
 * Values that may contain spaces (first=, received=) come last on the line.
 *
 * Exit status: 0 if every connection succeeded and every check matched,
 * 1 otherwise, 2 on usage errors.  Run `client --help` for the options.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	WAIT_CONNECT_MS = 10000,	/* limit for a non-blocking connect */
	IO_TIMEOUT_MS = 5000,		/* limit for --expect / --read-first */
	RECV_MAX = 65536,		/* bytes kept for --expect */
	SHOW_MAX = 200,			/* bytes of received data printed */
	PAYLOAD_MAX = 4096,		/* --send / --expect / --read-first */
	ERRNOS_MAX = 32,		/* distinct failure reasons kept */
	ERRNO_KEEP_MARK = 12345,	/* an errno no call sets */
};

/* A failure that is not an errno: a check (data, POLLOUT) did not hold. */
#define REASON_MISMATCH (-1)

struct bytes {
	char data[PAYLOAD_MAX];
	size_t len;
	bool set;
};

struct opts {
	bool nonblock, epoll, v6, udp, nodelay, keepalive, cloexec;
	bool peer, dup_peer, fork, errno_preserve, fds, summary, spread, socket6;
	const char *udp_send;	/* sendto, sendmsg, sendmmsg, __sendmmsg: no connect() */
	const char *fastopen;	/* TCP: --send goes with this call and MSG_FASTOPEN */
	const char *connect_with;	/* connect, __connect or syscall */
	int sock_family;	/* of the socket; the address may say otherwise */
	long addrlen;		/* --addrlen: the length passed instead of the address's */
	long sa_family;		/* --sa-family: written over the address's; -1 leaves it */
	const char *names;	/* --names FMT: each connection resolves its own name */
	long chaos;		/* --chaos N: N dup2/close rounds while connecting */
	long nofile;		/* --rlimit-nofile N: 0 leaves the limit alone */
	bool sndbuf_set, bind_set, timeout_check_set;
	struct bytes send, expect, read_first;
	int sndbuf;
	long threads, count, signal_usec, timeout_check_ms;
	const char *unix_path;
	struct sockaddr_storage target, local;
	socklen_t target_len, local_len;
};

/* Totals over all connections of all threads, for the exit status. */
struct tally {
	pthread_mutex_t lock;
	long connections, ok, fail;
	int reasons[ERRNOS_MAX];
	int nreasons;
};

/* One output line, built piece by piece then printed whole. */
struct line {
	char buf[2048];
	size_t len;
};

/* The state of one connection from socket() to close(). */
struct conn {
	int fd;
	int err;		/* errno of the failed setup or connect step */
	const char *step;	/* setup call that failed; NULL for connect */
	long elapsed_ms;	/* the connect() call */
	long wait_ms;		/* the wait after a non-blocking connect() */
	bool failed;		/* anything failed, including later checks */
	int reason;		/* errno or REASON_MISMATCH, for --summary */
	struct line extra;
};

static struct tally tally = { .lock = PTHREAD_MUTEX_INITIALIZER };
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;
/* Lock-free atomics are safe to touch from a signal handler. */
static atomic_uint signal_count;

/* ---- errno names ---------------------------------------------------- */

#define E(name) { name, #name }
static const struct {
	int code;
	const char *name;
} errno_names[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT),
	E(EBUSY), E(EEXIST), E(ENODEV), E(ENOTDIR), E(EINVAL), E(ENFILE),
	E(EMFILE), E(ENOSPC), E(EPIPE), E(ERANGE), E(ENAMETOOLONG),
	E(ENOSYS), E(ELOOP), E(ENODATA), E(ETIME), E(EPROTO), E(EBADMSG),
	E(EOVERFLOW), E(ENOTSOCK), E(EDESTADDRREQ), E(EMSGSIZE),
	E(EPROTOTYPE), E(ENOPROTOOPT), E(EPROTONOSUPPORT),
	E(ESOCKTNOSUPPORT), E(ENOTSUP), E(EPFNOSUPPORT), E(EAFNOSUPPORT),
	E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN), E(ENETUNREACH),
	E(ENETRESET), E(ECONNABORTED), E(ECONNRESET), E(ENOBUFS),
	E(EISCONN), E(ENOTCONN), E(ESHUTDOWN), E(ETIMEDOUT),
	E(ECONNREFUSED), E(EHOSTDOWN), E(EHOSTUNREACH), E(EALREADY),
	E(EINPROGRESS), E(ECANCELED),
#if EOPNOTSUPP != ENOTSUP
	E(EOPNOTSUPP),
#endif
};
#undef E

/* Returns the symbolic name of `code`, or its number when unknown. */
static const char *errno_name(int code, char *buf, size_t size)
{
	if (code == REASON_MISMATCH)
		return "mismatch";
	for (size_t i = 0; i < sizeof errno_names / sizeof errno_names[0]; i++)
		if (errno_names[i].code == code)
			return errno_names[i].name;
	snprintf(buf, size, "%d", code);
	return buf;
}

/* ---- small helpers -------------------------------------------------- */

static void line_add(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends " " and the formatted text; silently truncates a full line. */
static void line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	if (l->len + 1 >= sizeof l->buf)
		return;
	l->buf[l->len++] = ' ';
	va_start(ap, fmt);
	int n = vsnprintf(l->buf + l->len, sizeof l->buf - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < sizeof l->buf - l->len ?
			  (size_t)n : sizeof l->buf - l->len - 1;
}

static void line_add_errno(struct line *l, const char *key, int code)
{
	char num[16];
	line_add(l, "%s=%s", key, errno_name(code, num, sizeof num));
}

/* Writes the line and flushes so lines of threads never interleave. */
static void print_line(const char *head, const struct line *l)
{
	pthread_mutex_lock(&print_lock);
	fputs(head, stdout);
	fwrite(l->buf, 1, l->len, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	pthread_mutex_unlock(&print_lock);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before `deadline`, never negative, for poll(). */
static int ms_left(int64_t deadline)
{
	int64_t left = deadline - now_ms();
	return left > 0 ? (int)left : 0;
}

/* Escapes \r, \n, \t, \\ and other non-printable bytes for one line. */
static void escape(const char *src, size_t len, char *dst, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 5 < size; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c == '\r')
			o += (size_t)snprintf(dst + o, size - o, "\\r");
		else if (c == '\n')
			o += (size_t)snprintf(dst + o, size - o, "\\n");
		else if (c == '\t')
			o += (size_t)snprintf(dst + o, size - o, "\\t");
		else if (c == '\\')
			o += (size_t)snprintf(dst + o, size - o, "\\\\");
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(dst + o, size - o, "\\x%02x", c);
		else
			dst[o++] = (char)c;
	}
	dst[o] = '\0';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes one escape after a backslash; returns its length or 0 if bad. */
static size_t unescape_one(const char *p, char *out)
{
	int hi, lo;
	switch (*p) {
	case 'n': *out = '\n'; return 1;
	case 'r': *out = '\r'; return 1;
	case 't': *out = '\t'; return 1;
	case '0': *out = '\0'; return 1;
	case '\\': *out = '\\'; return 1;
	case 'x':
		hi = hex_digit(p[1]);
		lo = hi < 0 ? -1 : hex_digit(p[2]);
		if (lo < 0)
			return 0;
		*out = (char)(hi * 16 + lo);
		return 3;
	default:
		return 0;
	}
}

/* Decodes \n \r \t \\ \0 and \xHH in a command-line argument. */
static bool unescape(const char *src, struct bytes *out)
{
	size_t o = 0;
	for (const char *p = src; *p; p++) {
		char c = *p;
		if (c == '\\' && p[1]) {
			size_t used = unescape_one(p + 1, &c);
			if (!used)
				return false;
			p += used;
		}
		if (o >= sizeof out->data)
			return false;
		out->data[o++] = c;
	}
	out->len = o;
	out->set = true;
	return true;
}

static bool parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* ---- addresses ------------------------------------------------------ */

/*
 * Fills `ss` with HOST and PORT.  An IPv4 HOST becomes ::ffff:a.b.c.d when
 * `v6` asks for an AF_INET6 socket; an IPv6 HOST always gives AF_INET6.
 */
static bool make_address(const char *host, long port, bool v6,
			 struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct in_addr a4;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof *sin6;
		return true;
	}
	if (inet_pton(AF_INET, host, &a4) != 1)
		return false;
	if (v6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sin6->sin6_addr.s6_addr[10] = 0xff;
		sin6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&sin6->sin6_addr.s6_addr[12], &a4, 4);
		*len = sizeof *sin6;
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sin->sin_addr = a4;
		*len = sizeof *sin;
	}
	return true;
}

/* Parses "a.b.c.d:port" or "[v6]:port" for --bind. */
static bool parse_host_port(const char *arg, bool v6,
			    struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	long port;
	const char *colon = strrchr(arg, ':');
	if (!colon || (size_t)(colon - arg) >= sizeof host)
		return false;
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = '\0';

	char *h = host;
	size_t hl = strlen(h);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h[hl - 1] = '\0';
		h++;
	}
	return parse_long(colon + 1, 0, 65535, &port) &&
	       make_address(h, port, v6, ss, len);
}

static bool make_unix_address(const char *path, struct sockaddr_storage *ss,
			      socklen_t *len)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;
	size_t plen = strlen(path);
	if (plen >= sizeof sun->sun_path)
		return false;
	memset(ss, 0, sizeof *ss);
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, plen + 1);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + 1);
	return true;
}

/* Formats an address as "a.b.c.d:port", "[v6]:port" or a unix path. */
static void format_address(const struct sockaddr_storage *ss, char *out,
			   size_t size)
{
	char ip[INET6_ADDRSTRLEN];
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;
		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof ip);
		snprintf(out, size, "%s:%u", ip, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof ip);
		snprintf(out, size, "[%s]:%u", ip, ntohs(sin6->sin6_port));
	} else if (ss->ss_family == AF_UNIX) {
		const struct sockaddr_un *sun = (const void *)ss;
		snprintf(out, size, "%.*s", (int)sizeof sun->sun_path,
			 sun->sun_path);
	} else {
		snprintf(out, size, "family%d", ss->ss_family);
	}
}

/* Adds "key=ADDR" from getsockname/getpeername, or "key_errno=E". */
static void report_name(struct line *l, const char *key, int fd,
			int (*get)(int, struct sockaddr *, socklen_t *))
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char text[INET6_ADDRSTRLEN + 120];

	memset(&ss, 0, sizeof ss);
	if (get(fd, (struct sockaddr *)&ss, &len) < 0) {
		char name[32];
		snprintf(name, sizeof name, "%s_errno", key);
		line_add_errno(l, name, errno);
		return;
	}
	format_address(&ss, text, sizeof text);
	line_add(l, "%s=%s", key, text);
}

/* ---- connection setup ----------------------------------------------- */

/* Records a failed setup step; the connection goes no further. */
static int setup_failed(struct conn *c, const char *step)
{
	c->err = errno;
	c->step = step;
	return -1;
}

static int set_int_option(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof value);
}

/* socket() with the requested type and flags. */
static int open_socket(const struct opts *o, struct conn *c)
{
	int type = o->udp ? SOCK_DGRAM : SOCK_STREAM;
	if (o->cloexec)
		type |= SOCK_CLOEXEC;
	c->fd = socket(o->sock_family, type, 0);
	return c->fd < 0 ? setup_failed(c, "socket") : 0;
}

/* Options a program sets before connect(), later read back. */
static int apply_options(const struct opts *o, struct conn *c)
{
	if (o->nodelay && set_int_option(c->fd, IPPROTO_TCP, TCP_NODELAY, 1))
		return setup_failed(c, "nodelay");
	if (o->keepalive && set_int_option(c->fd, SOL_SOCKET, SO_KEEPALIVE, 1))
		return setup_failed(c, "keepalive");
	if (o->sndbuf_set &&
	    set_int_option(c->fd, SOL_SOCKET, SO_SNDBUF, o->sndbuf))
		return setup_failed(c, "sndbuf");
	if (o->bind_set &&
	    bind(c->fd, (const struct sockaddr *)&o->local, o->local_len) < 0)
		return setup_failed(c, "bind");
	if (o->nonblock || o->epoll) {
		/* Change O_NONBLOCK only, as careful programs do. */
		int fl = fcntl(c->fd, F_GETFL);
		if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) < 0)
			return setup_failed(c, "fcntl");
	}
	return 0;
}

/* ---- connect and wait ----------------------------------------------- */

/*
 * The connect() call itself, timed.  Returns connect's result with its
 * errno in c->err, and checks the file status flags and errno it leaves.
 */
/*
 * With --spread, connection number i (over all threads) goes to PORT + i, so
 * a proxy's log shows every connection's destination exactly once.
 */
static struct sockaddr_storage connection_target(const struct opts *o)
{
	static atomic_uint next;
	struct sockaddr_storage ss = o->target;
	unsigned i = o->spread ? atomic_fetch_add(&next, 1) : 0;
	in_port_t *port = ss.ss_family == AF_INET6
		? &((struct sockaddr_in6 *)&ss)->sin6_port
		: &((struct sockaddr_in *)&ss)->sin_port;

	*port = htons((uint16_t)(ntohs(*port) + i));
	return ss;
}

/* connect() itself, its glibc alias __connect, or syscall(SYS_connect), with --addrlen. */
static int call_connect(const struct opts *o, int fd, const struct sockaddr_storage *target)
{
	typedef int (*connect_t)(int, const struct sockaddr *, socklen_t);
	const struct sockaddr *sa = (const struct sockaddr *)target;
	connect_t alias;

	if (!o->connect_with || strcmp(o->connect_with, "connect") == 0)
		return connect(fd, sa, o->target_len);
	if (strcmp(o->connect_with, "syscall") == 0)
		return (int)syscall(SYS_connect, fd, sa, o->target_len);
	alias = (connect_t)dlsym(RTLD_DEFAULT, o->connect_with);
	if (!alias) {
		errno = ENOSYS;
		return -1;
	}
	return alias(fd, sa, o->target_len);
}

/*
 * With --names FMT, connection number i (over all threads) resolves FMT with
 * i in it (getaddrinfo, the socket's family) and goes to that address, on
 * PORT. Returns 0 or an errno: ENOMEM for EAI_MEMORY, else EHOSTUNREACH.
 */
static int named_target(const struct opts *o, struct sockaddr_storage *ss)
{
	static atomic_ulong next;
	struct addrinfo hints = { .ai_family = o->target.ss_family, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	in_port_t port = ((const struct sockaddr_in *)&o->target)->sin_port;	/* sin6_port too */
	char name[256];
	int rc;

	snprintf(name, sizeof name, o->names, atomic_fetch_add(&next, 1));
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0)
		return rc == EAI_MEMORY ? ENOMEM : EHOSTUNREACH;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	((struct sockaddr_in *)ss)->sin_port = port;
	freeaddrinfo(res);
	return 0;
}

static int timed_connect(const struct opts *o, struct conn *c)
{
	struct sockaddr_storage target = connection_target(o);
	if (o->names && (c->err = named_target(o, &target)) != 0) {
		c->step = "getaddrinfo";
		return -1;
	}
	int flags_before = fcntl(c->fd, F_GETFL);
	int64_t start = now_ms();
	if (o->errno_preserve)
		errno = ERRNO_KEEP_MARK;
	int rc = call_connect(o, c->fd, &target);
	int saved = errno;
	c->elapsed_ms = (long)(now_ms() - start);
	c->err = rc < 0 ? saved : 0;

	if (o->nonblock || o->epoll)
		line_add(&c->extra, "flags_kept=%d",
			 fcntl(c->fd, F_GETFL) == flags_before);
	if (o->errno_preserve && rc == 0)
		line_add(&c->extra, "errno_kept=%d", saved == ERRNO_KEEP_MARK);
	if (rc == 0 && (o->nonblock || o->epoll))
		line_add(&c->extra, "immediate=1");
	return rc;
}

/* Waits for writability with poll(), as most event loops do. */
static int poll_writable(int fd, int64_t deadline, bool *out)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int n;
	do
		n = poll(&pfd, 1, ms_left(deadline));
	while (n < 0 && errno == EINTR);
	*out = pfd.revents & POLLOUT;
	return n;
}

/* Waits with epoll, registered after connect() as libuv does. */
static int epoll_writable(int fd, int64_t deadline, bool *out)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.fd = fd };
	int n = -1;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0) {
		do
			n = epoll_wait(ep, &ev, 1, ms_left(deadline));
		while (n < 0 && errno == EINTR);
	}
	int saved = errno;
	close(ep);
	errno = saved;
	*out = n > 0 && (ev.events & EPOLLOUT);
	return n;
}

/*
 * A non-blocking connect(): wait for writability, then read SO_ERROR for
 * the outcome, checking writability was really reported.
 */
static void wait_connected(const struct opts *o, struct conn *c)
{
	int64_t start = now_ms(), deadline = start + WAIT_CONNECT_MS;
	bool out;
	int n = o->epoll ? epoll_writable(c->fd, deadline, &out) :
			   poll_writable(c->fd, deadline, &out);
	c->wait_ms = (long)(now_ms() - start);
	line_add(&c->extra, "wait_ms=%ld", c->wait_ms);
	if (n <= 0) {
		c->err = n < 0 ? errno : ETIMEDOUT;
		return;
	}

	int so_error = 0;
	socklen_t len = sizeof so_error;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &so_error, &len) < 0)
		so_error = errno;
	c->err = so_error;
	if (so_error == 0) {
		line_add(&c->extra, "so_error=0 %s=%d",
			 o->epoll ? "epollout" : "pollout", out);
		c->failed |= !out;
	}
}

/*
 * connect(), then for non-blocking sockets the wait for its outcome.  An
 * immediate success is waited on too: event loops poll before writing, so
 * the socket must then be writable at once with SO_ERROR 0.
 */
static void do_connect(const struct opts *o, struct conn *c)
{
	int rc = timed_connect(o, c);
	/* EINPROGRESS on a blocking socket is a result to report as is. */
	if ((o->nonblock || o->epoll) && (rc == 0 || c->err == EINPROGRESS))
		wait_connected(o, c);
}

/* ---- after connect -------------------------------------------------- */

/* Adds "key=value" read back with getsockopt, or "key=ENAME" on error. */
static void report_int_option(struct conn *c, const char *key, int level,
			      int name, bool as_bool)
{
	int value = 0;
	socklen_t len = sizeof value;
	if (getsockopt(c->fd, level, name, &value, &len) < 0)
		line_add_errno(&c->extra, key, errno);
	else
		line_add(&c->extra, "%s=%d", key, as_bool ? value != 0 : value);
}

/* Reads back what was set before connect(): a socksifier must keep it. */
static void report_options(const struct opts *o, struct conn *c)
{
	if (o->nodelay)
		report_int_option(c, "nodelay", IPPROTO_TCP, TCP_NODELAY, true);
	if (o->keepalive)
		report_int_option(c, "keepalive", SOL_SOCKET, SO_KEEPALIVE,
				  true);
	if (o->cloexec) {
		int fdfl = fcntl(c->fd, F_GETFD);
		line_add(&c->extra, "cloexec=%d",
			 fdfl >= 0 && (fdfl & FD_CLOEXEC));
	}
	if (o->sndbuf_set)
		report_int_option(c, "sndbuf", SOL_SOCKET, SO_SNDBUF, false);
	if (o->bind_set)
		report_name(&c->extra, "local", c->fd, getsockname);
	if (o->peer)
		report_name(&c->extra, "peer", c->fd, getpeername);
}

/* Records a failed or mismatched step after connect(). */
static void exchange_failed(struct conn *c, const char *key, int err)
{
	if (err)
		line_add_errno(&c->extra, key, err);
	c->failed = true;
	c->reason = err ? err : REASON_MISMATCH;
}

/*
 * Moves the connection to a dup()ed fd and closes the original, then opens
 * an unrelated socket that probably reuses the number.  A library keeping
 * per-fd state must follow the connection, not the number.
 */
static void check_dup_peer(const struct opts *o, struct conn *c)
{
	int fd2 = dup(c->fd);
	if (fd2 < 0) {
		exchange_failed(c, "dup_errno", errno);
		return;
	}
	int old = c->fd;
	close(old);
	c->fd = fd2;

	int other = socket(o->sock_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	report_name(&c->extra, "peer", fd2, getpeername);
	if (other < 0) {
		exchange_failed(c, "newsock_errno", errno);
		return;
	}
	line_add(&c->extra, "newsock_reused=%d", other == old);
	report_name(&c->extra, "newsock_peer", other, getpeername);
	close(other);
}

/* Sends all of `b`, waiting on EAGAIN and retrying EINTR.  0 or errno. */
static int send_all(int fd, const struct bytes *b, int64_t deadline)
{
	size_t done = 0;
	while (done < b->len) {
		ssize_t n = send(fd, b->data + done, b->len - done,
				 MSG_NOSIGNAL);
		if (n >= 0) {
			done += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return errno;
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		if (poll(&pfd, 1, ms_left(deadline)) == 0)
			return ETIMEDOUT;
	}
	return 0;
}

/*
 * Reads into buf until `want` has arrived (as a prefix, or anywhere),
 * the buffer is full, EOF, or the deadline.  Polls before each recv() so
 * the deadline holds on blocking sockets too.
 * Returns 0 (also on EOF) or an errno; *got is the byte count.
 */
static int recv_until(int fd, char *buf, size_t size, size_t *got,
		      const struct bytes *want, bool prefix_only,
		      int64_t deadline)
{
	*got = 0;
	for (;;) {
		if (prefix_only ? *got >= want->len :
		    memmem(buf, *got, want->data, want->len) != NULL)
			return 0;
		if (*got == size)
			return 0;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int n = poll(&pfd, 1, ms_left(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return ETIMEDOUT;
		ssize_t r = recv(fd, buf + *got, size - *got, 0);
		if (r == 0)
			return 0;
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return errno;
		*got += (size_t)r;
	}
}

/* --read-first: the server speaks first; check its opening bytes. */
static void check_read_first(const struct opts *o, struct conn *c)
{
	char buf[PAYLOAD_MAX], shown[SHOW_MAX * 4 + 1];
	size_t got;
	int err = recv_until(c->fd, buf, o->read_first.len, &got,
			     &o->read_first, true, now_ms() + IO_TIMEOUT_MS);
	bool match = got == o->read_first.len &&
		     memcmp(buf, o->read_first.data, got) == 0;
	if (err || !match)
		exchange_failed(c, "first_errno", err);
	escape(buf, got < SHOW_MAX ? got : SHOW_MAX, shown, sizeof shown);
	line_add(&c->extra, "first_match=%d first=%s", match, shown);
}

static void do_send(const struct opts *o, struct conn *c)
{
	int err = send_all(c->fd, &o->send, now_ms() + IO_TIMEOUT_MS);
	if (err)
		exchange_failed(c, "send_errno", err);
}

/* --expect: read until the string shows up anywhere in the reply. */
static void check_expect(const struct opts *o, struct conn *c)
{
	static _Thread_local char buf[RECV_MAX];
	char shown[SHOW_MAX * 4 + 1];
	size_t got;
	int err = recv_until(c->fd, buf, sizeof buf, &got, &o->expect, false,
			     now_ms() + IO_TIMEOUT_MS);
	bool match = memmem(buf, got, o->expect.data, o->expect.len) != NULL;
	if (!match)
		exchange_failed(c, "recv_errno", err);
	escape(buf, got < SHOW_MAX ? got : SHOW_MAX, shown, sizeof shown);
	line_add(&c->extra, "expect=%d received=%s", match, shown);
}

/* ---- one connection ------------------------------------------------- */

/* Prints the connection's line and adds it to the totals. */
static void finish(const struct opts *o, struct conn *c)
{
	char head[128], num[16];
	if (c->err) {
		c->failed = true;
		c->reason = c->err;
	} else if (c->failed && c->reason == 0) {
		c->reason = REASON_MISMATCH;	/* e.g. pollout=0 */
	}
	if (o->timeout_check_set) {
		/* The time until the outcome was known, waiting included. */
		bool within = c->elapsed_ms + c->wait_ms <= o->timeout_check_ms;
		line_add(&c->extra, "within=%d", within);
		if (!within && !c->failed)
			c->reason = ETIMEDOUT;
		c->failed |= !within;
	}

	if (c->err)
		snprintf(head, sizeof head, "fail errno=%s elapsed_ms=%ld%s%s",
			 errno_name(c->err, num, sizeof num), c->elapsed_ms,
			 c->step ? " step=" : "", c->step ? c->step : "");
	else
		snprintf(head, sizeof head, "ok elapsed_ms=%ld", c->elapsed_ms);
	if (!o->summary)
		print_line(head, &c->extra);

	pthread_mutex_lock(&tally.lock);
	tally.connections++;
	if (c->failed) {
		tally.fail++;
		int i = 0;
		while (i < tally.nreasons && tally.reasons[i] != c->reason)
			i++;
		if (i == tally.nreasons && i < ERRNOS_MAX)
			tally.reasons[tally.nreasons++] = c->reason;
	} else {
		tally.ok++;
	}
	pthread_mutex_unlock(&tally.lock);
}

/*
 * --send to the target with the named call (sendto, sendmsg, sendmmsg or
 * glibc's __sendmmsg) and flags: a datagram, or a TCP Fast Open connect.
 */
static long send_with(const struct opts *o, int fd, const char *call, int flags)
{
	typedef int (*sendmmsg_t)(int, struct mmsghdr *, unsigned int, int);
	struct iovec iov = { .iov_base = (void *)o->send.data, .iov_len = o->send.len };
	struct mmsghdr mm = { .msg_hdr = { .msg_name = (void *)&o->target,
					   .msg_namelen = o->target_len,
					   .msg_iov = &iov, .msg_iovlen = 1 } };
	sendmmsg_t alias;

	if (strcmp(call, "sendto") == 0)
		return sendto(fd, iov.iov_base, iov.iov_len, flags,
			      (const struct sockaddr *)&o->target, o->target_len);
	if (strcmp(call, "sendmsg") == 0)
		return sendmsg(fd, &mm.msg_hdr, flags);
	if (strcmp(call, "sendmmsg") == 0)
		return sendmmsg(fd, &mm, 1, flags);
	alias = (sendmmsg_t)dlsym(RTLD_DEFAULT, call);
	if (!alias) {
		errno = ENOSYS;
		return -1;
	}
	return alias(fd, &mm, 1, flags);
}

/* --udp-send: one datagram to the target with the named call, no connect(). */
static void do_udp_send(const struct opts *o, struct conn *c)
{
	long rc = send_with(o, c->fd, o->udp_send, 0);

	c->err = rc < 0 ? errno : 0;
	if (c->err)
		c->failed = true;
}

/* --fastopen: connect by sending --send with MSG_FASTOPEN; the rest as after connect(). */
static void do_fastopen(const struct opts *o, struct conn *c)
{
	int64_t start = now_ms();
	long rc = send_with(o, c->fd, o->fastopen, MSG_FASTOPEN);

	c->elapsed_ms = (long)(now_ms() - start);
	c->err = rc < 0 ? errno : 0;
	if (rc >= 0)
		line_add(&c->extra, "sent=%ld", rc);
}

/* Everything a program does with one connection, in the usual order. */
static void run_connection(const struct opts *o)
{
	struct conn c = { .fd = -1 };

	if (open_socket(o, &c) == 0 && apply_options(o, &c) == 0) {
		if (o->udp_send) {
			do_udp_send(o, &c);
			if (c.fd >= 0)
				close(c.fd);
			finish(o, &c);
			return;
		}
		if (o->fastopen)
			do_fastopen(o, &c);
		else
			do_connect(o, &c);
	}
	if (c.err == 0) {
		report_options(o, &c);
		if (o->dup_peer)
			check_dup_peer(o, &c);
		if (o->read_first.set && !c.failed)
			check_read_first(o, &c);
		if (o->send.set && !c.failed && !o->fastopen)
			do_send(o, &c);
		if (o->expect.set && !c.failed)
			check_expect(o, &c);
	}
	if (c.fd >= 0)
		close(c.fd);
	finish(o, &c);
}

/* ---- threads, signals, process -------------------------------------- */

static void *thread_main(void *arg)
{
	const struct opts *o = arg;
	for (long i = 0; i < o->count; i++)
		run_connection(o);
	return NULL;
}

/* Runs `threads` workers; one worker runs on the main thread itself. */
static int run_threads(const struct opts *o)
{
	pthread_t *tids = calloc((size_t)o->threads, sizeof *tids);
	long started = 1;
	if (!tids) {
		perror("client: calloc");
		return -1;
	}
	for (; started < o->threads; started++) {
		int err = pthread_create(&tids[started], NULL, thread_main,
					 (void *)o);
		if (err) {
			fprintf(stderr, "client: pthread_create: %s\n",
				strerror(err));
			break;
		}
	}
	thread_main((void *)o);
	for (long i = 1; i < started; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	return started == o->threads ? 0 : -1;
}

static void on_alarm(int sig)
{
	(void)sig;
	atomic_fetch_add(&signal_count, 1);
}

/* No SA_RESTART: blocking calls see EINTR, as in many real programs. */
static void start_signals(long usec)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);

	struct itimerval it = {
		.it_interval = { usec / 1000000, usec % 1000000 },
		.it_value = { usec / 1000000, usec % 1000000 },
	};
	setitimer(ITIMER_REAL, &it, NULL);
}

static void stop_signals(void)
{
	struct itimerval off;
	memset(&off, 0, sizeof off);
	setitimer(ITIMER_REAL, &off, NULL);
}

/* Entries of /proc/self/fd, less the one opendir() itself holds. */
static long count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

static void print_summary(void)
{
	char num[16];
	printf("connections=%ld ok=%ld fail=%ld", tally.connections, tally.ok,
	       tally.fail);
	for (int i = 0; i < tally.nreasons; i++)
		printf("%s%s", i ? "," : " errnos=",
		       errno_name(tally.reasons[i], num, sizeof num));
	putchar('\n');
}

/*
 * --chaos: what careless programs do while other threads connect: dup2()
 * fresh sockets over descriptors in use and close them again. Connections
 * may fail; nothing may crash or hang.
 */
static void *chaos_main(void *arg)
{
	const struct opts *o = arg;
	unsigned seed = 12345;

	for (long i = 0; i < o->chaos; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		int victim = 3 + (int)(rand_r(&seed) % 60);

		if (fd < 0)
			continue;
		if (fd != victim && dup2(fd, victim) == victim && rand_r(&seed) % 2)
			close(victim);
		close(fd);
		usleep(100);
	}
	return NULL;
}

static int run_all(const struct opts *o)
{
	struct rlimit lim = { .rlim_cur = (rlim_t)o->nofile, .rlim_max = (rlim_t)o->nofile };
	pthread_t chaos;

	if (o->nofile && setrlimit(RLIMIT_NOFILE, &lim) < 0)
		perror("client: setrlimit");
	if (o->chaos)
		pthread_create(&chaos, NULL, chaos_main, (void *)o);
	if (o->signal_usec)
		start_signals(o->signal_usec);
	int rc = run_threads(o);
	if (o->signal_usec)
		stop_signals();
	if (o->chaos) {
		pthread_join(chaos, NULL);
		rc = 0;	/* survived: connections it broke are expected to fail */
		tally.fail = 0;
	}

	if (o->summary)
		print_summary();
	if (o->signal_usec)
		printf("signals=%u\n", atomic_load(&signal_count));
	if (o->fds)
		printf("open_fds=%ld\n", count_open_fds());
	fflush(stdout);
	return rc == 0 && tally.fail == 0 ? 0 : EXIT_FAILED;
}

/* --fork: the child does all the work; the parent passes on its status. */
static int run_in_child(const struct opts *o)
{
	int status;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("client: fork");
		return EXIT_FAILED;
	}
	if (pid == 0)
		exit(run_all(o));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("client: waitpid");
			return EXIT_FAILED;
		}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* ---- command line ---------------------------------------------------- */

static void usage(void)
{
	fputs("usage: client [OPTIONS] HOST PORT\n"
	      "       client [OPTIONS] --unix PATH\n"
	      "  --nonblock          O_NONBLOCK, then poll() for the result\n"
	      "  --epoll             O_NONBLOCK, then epoll for the result\n"
	      "  --send STR          send STR (\\n \\r \\t \\\\ \\0 \\xHH)\n"
	      "  --expect STR        read until STR arrives (5 s), show it\n"
	      "  --read-first STR    check the server's first bytes\n"
	      "  --v6                AF_INET6 socket (IPv4 HOST as ::ffff:)\n"
	      "  --nodelay --keepalive --cloexec --sndbuf N\n"
	      "                      set before connect, read back after\n"
	      "  --bind ADDR:PORT    bind first, print local=\n"
	      "  --peer              print peer= from getpeername\n"
	      "  --dup-peer          dup, close, reuse the number, re-check\n"
	      "  --threads T --count N [--summary]\n"
	      "  --fork              do everything in a child process\n"
	      "  --signals USEC      SIGALRM every USEC, no SA_RESTART\n"
	      "  --timeout-check MS  fail unless connect took <= MS\n"
	      "  --errno-preserve    check errno is untouched on success\n"
	      "  --udp               SOCK_DGRAM instead of SOCK_STREAM\n"
	      "  --unix PATH         AF_UNIX stream socket to PATH\n"
	      "  --fds               print open_fds= at the end\n"
	      "  --spread            connection i goes to PORT + i\n"
	      "  --names FMT         connection i resolves FMT with i (%lu) in it, and\n"
	      "                      goes to what it gets on PORT (HOST: only its family)\n"
	      "  --udp-send CALL     no connect: one datagram (--send) with sendto,\n"
	      "                      sendmsg, sendmmsg or __sendmmsg\n"
	      "  --fastopen CALL     TCP: connect by sending --send with CALL (as above)\n"
	      "                      and MSG_FASTOPEN\n"
	      "  --connect-with F    connect with F: connect, __connect or syscall\n"
	      "  --addrlen N         pass N as the address length\n"
	      "  --sa-family F       write F (unspec, inet, inet6) over the address's family\n"
	      "  --socket6           an AF_INET6 socket, whatever the address\n"
	      "  --chaos N           a thread dup2()s over and closes descriptors N times\n"
	      "                      meanwhile; failed connections then do not count\n"
	      "  --rlimit-nofile N   lower RLIMIT_NOFILE to N first\n", stdout);
}

enum {
	OPT_NONBLOCK = 256, OPT_EPOLL, OPT_SEND, OPT_EXPECT, OPT_READ_FIRST,
	OPT_V6, OPT_NODELAY, OPT_KEEPALIVE, OPT_CLOEXEC, OPT_SNDBUF,
	OPT_BIND, OPT_PEER, OPT_DUP_PEER, OPT_THREADS, OPT_COUNT,
	OPT_SUMMARY, OPT_FORK, OPT_SIGNALS, OPT_TIMEOUT_CHECK,
	OPT_ERRNO_PRESERVE, OPT_UDP, OPT_UNIX, OPT_FDS, OPT_SPREAD, OPT_NAMES, OPT_UDP_SEND,
	OPT_CHAOS, OPT_NOFILE, OPT_FASTOPEN, OPT_CONNECT_WITH, OPT_ADDRLEN,
	OPT_SA_FAMILY, OPT_SOCKET6, OPT_HELP,
};

static const struct option long_options[] = {
	{ "nonblock", no_argument, NULL, OPT_NONBLOCK },
	{ "epoll", no_argument, NULL, OPT_EPOLL },
	{ "send", required_argument, NULL, OPT_SEND },
	{ "expect", required_argument, NULL, OPT_EXPECT },
	{ "read-first", required_argument, NULL, OPT_READ_FIRST },
	{ "v6", no_argument, NULL, OPT_V6 },
	{ "nodelay", no_argument, NULL, OPT_NODELAY },
	{ "keepalive", no_argument, NULL, OPT_KEEPALIVE },
	{ "cloexec", no_argument, NULL, OPT_CLOEXEC },
	{ "sndbuf", required_argument, NULL, OPT_SNDBUF },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "peer", no_argument, NULL, OPT_PEER },
	{ "dup-peer", no_argument, NULL, OPT_DUP_PEER },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "fork", no_argument, NULL, OPT_FORK },
	{ "signals", required_argument, NULL, OPT_SIGNALS },
	{ "timeout-check", required_argument, NULL, OPT_TIMEOUT_CHECK },
	{ "errno-preserve", no_argument, NULL, OPT_ERRNO_PRESERVE },
	{ "udp", no_argument, NULL, OPT_UDP },
	{ "unix", required_argument, NULL, OPT_UNIX },
	{ "fds", no_argument, NULL, OPT_FDS },
	{ "spread", no_argument, NULL, OPT_SPREAD },
	{ "names", required_argument, NULL, OPT_NAMES },
	{ "udp-send", required_argument, NULL, OPT_UDP_SEND },
	{ "chaos", required_argument, NULL, OPT_CHAOS },
	{ "rlimit-nofile", required_argument, NULL, OPT_NOFILE },
	{ "fastopen", required_argument, NULL, OPT_FASTOPEN },
	{ "connect-with", required_argument, NULL, OPT_CONNECT_WITH },
	{ "addrlen", required_argument, NULL, OPT_ADDRLEN },
	{ "sa-family", required_argument, NULL, OPT_SA_FAMILY },
	{ "socket6", no_argument, NULL, OPT_SOCKET6 },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static bool bad(const char *what, const char *arg)
{
	fprintf(stderr, "client: bad %s: '%s'\n", what, arg);
	return false;
}

static bool send_call(const char *arg)
{
	return strcmp(arg, "sendto") == 0 || strcmp(arg, "sendmsg") == 0 ||
	       strcmp(arg, "sendmmsg") == 0 || strcmp(arg, "__sendmmsg") == 0;
}

/* Handles one option; false on a bad value. */
static bool set_option(struct opts *o, int opt, const char *arg)
{
	long v;
	switch (opt) {
	case OPT_NONBLOCK: o->nonblock = true; return true;
	case OPT_EPOLL: o->epoll = true; return true;
	case OPT_V6: o->v6 = true; return true;
	case OPT_NODELAY: o->nodelay = true; return true;
	case OPT_KEEPALIVE: o->keepalive = true; return true;
	case OPT_CLOEXEC: o->cloexec = true; return true;
	case OPT_PEER: o->peer = true; return true;
	case OPT_DUP_PEER: o->dup_peer = true; return true;
	case OPT_SUMMARY: o->summary = true; return true;
	case OPT_FORK: o->fork = true; return true;
	case OPT_ERRNO_PRESERVE: o->errno_preserve = true; return true;
	case OPT_UDP: o->udp = true; return true;
	case OPT_FDS: o->fds = true; return true;
	case OPT_SPREAD: o->spread = true; return true;
	case OPT_NAMES: o->names = arg; return true;
	case OPT_CHAOS:
		return parse_long(arg, 1, 10000000, &o->chaos) || bad("--chaos", arg);
	case OPT_NOFILE:
		return parse_long(arg, 1, 1048576, &o->nofile) || bad("--rlimit-nofile", arg);
	case OPT_UDP_SEND:
		if (!send_call(arg))
			return bad("--udp-send", arg);
		o->udp = true;
		o->udp_send = arg;
		return true;
	case OPT_FASTOPEN:
		o->fastopen = arg;
		return send_call(arg) || bad("--fastopen", arg);
	case OPT_CONNECT_WITH:
		o->connect_with = arg;
		return strcmp(arg, "connect") == 0 || strcmp(arg, "__connect") == 0 ||
		       strcmp(arg, "syscall") == 0 || bad("--connect-with", arg);
	case OPT_ADDRLEN:
		return parse_long(arg, 0, 4096, &o->addrlen) || bad("--addrlen", arg);
	case OPT_SA_FAMILY:
		o->sa_family = strcmp(arg, "unspec") == 0 ? AF_UNSPEC :
			       strcmp(arg, "inet") == 0 ? AF_INET :
			       strcmp(arg, "inet6") == 0 ? AF_INET6 : -1;
		return o->sa_family >= 0 || bad("--sa-family", arg);
	case OPT_SOCKET6: o->socket6 = true; return true;
	case OPT_UNIX: o->unix_path = arg; return true;
	case OPT_BIND: o->bind_set = true; return true;	/* parsed later */
	case OPT_SEND:
		return unescape(arg, &o->send) || bad("--send", arg);
	case OPT_EXPECT:
		return (unescape(arg, &o->expect) && o->expect.len) ||
		       bad("--expect", arg);
	case OPT_READ_FIRST:
		return (unescape(arg, &o->read_first) && o->read_first.len) ||
		       bad("--read-first", arg);
	case OPT_SNDBUF:
		o->sndbuf_set = true;
		if (!parse_long(arg, 1, INT_MAX, &v))
			return bad("--sndbuf", arg);
		o->sndbuf = (int)v;
		return true;
	case OPT_THREADS:
		return parse_long(arg, 1, 4096, &o->threads) ||
		       bad("--threads", arg);
	case OPT_COUNT:
		return parse_long(arg, 1, 10000000, &o->count) ||
		       bad("--count", arg);
	case OPT_SIGNALS:
		return parse_long(arg, 1, 60000000, &o->signal_usec) ||
		       bad("--signals", arg);
	case OPT_TIMEOUT_CHECK:
		o->timeout_check_set = true;
		return parse_long(arg, 0, LONG_MAX, &o->timeout_check_ms) ||
		       bad("--timeout-check", arg);
	default:
		return false;
	}
}

/* Parses argv into `o`; returns false after printing why not. */
static bool parse_args(int argc, char **argv, struct opts *o)
{
	const char *bind_arg = NULL;
	int opt;
	long port;

	o->threads = o->count = 1;
	o->sa_family = o->addrlen = -1;
	while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		if (opt == OPT_HELP) {
			usage();
			exit(0);
		}
		if (opt == OPT_BIND)
			bind_arg = optarg;
		if (opt == '?' || !set_option(o, opt, optarg))
			return false;
	}

	int rest = argc - optind;
	if (o->unix_path) {
		if (rest != 0)
			return bad("argument with --unix", argv[optind]);
		if (!make_unix_address(o->unix_path, &o->target,
				       &o->target_len))
			return bad("--unix path", o->unix_path);
	} else {
		if (rest != 2) {
			fputs("client: need HOST and PORT\n", stderr);
			return false;
		}
		if (!parse_long(argv[optind + 1], 0, 65535, &port))
			return bad("PORT", argv[optind + 1]);
		if (!make_address(argv[optind], port, o->v6, &o->target,
				  &o->target_len))
			return bad("HOST (numeric address only)", argv[optind]);
	}
	/* The socket's family first: --sa-family and --addrlen change only the address. */
	o->sock_family = o->socket6 ? AF_INET6 : o->target.ss_family;
	if (o->sa_family >= 0)
		o->target.ss_family = (sa_family_t)o->sa_family;
	if (o->addrlen >= 0)
		o->target_len = (socklen_t)o->addrlen;
	/* The bind address takes the family of the socket. */
	if (bind_arg && !parse_host_port(bind_arg,
					 o->sock_family == AF_INET6,
					 &o->local, &o->local_len))
		return bad("--bind", bind_arg);
	return true;
}

int main(int argc, char **argv)
{
	static struct opts o;
	if (!parse_args(argc, argv, &o)) {
		fputs("usage: client [OPTIONS] HOST PORT (client --help)\n",
		      stderr);
		return EXIT_USAGE;
	}
	return o.fork ? run_in_child(&o) : run_all(&o);
}
