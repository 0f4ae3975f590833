#define _GNU_SOURCE
#include "servutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

enum {
	ACCEPT_RETRY_MS = 50,	/* out of fds: let some connections finish */
	DRAIN_CHUNK = 4096,
};

/* Set by servutil_init() before any thread starts, read only afterwards. */
static const char *program = "server";

/* ---------------------------------------------------------------------- */
/* The process                                                             */

void servutil_init(const char *program_name)
{
	program = program_name;
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", program);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Nothing is buffered in user space (log lines go out with write(2) at
 * once), so exiting at once loses nothing. */
static void exit_on_signal(int sig)
{
	(void)sig;
	_exit(0);
}

void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL); /* a vanished client is an EPIPE, not a death */
	sa.sa_handler = exit_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* ---------------------------------------------------------------------- */
/* Time and I/O                                                            */

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(long ms)
{
	struct timespec left = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		;
}

int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		int timeout = -1;

		if (deadline != NO_DEADLINE) {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				return -ETIMEDOUT;
			timeout = left > INT_MAX ? INT_MAX : (int)left;
		}
		int n = poll(&pfd, 1, timeout);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/*
 * Whatever has arrived is taken at once (MSG_DONTWAIT, whatever the socket's
 * mode); poll() only when nothing has: one system call per message in the
 * common case, and the deadline still holds for a peer that stalls.
 */
int read_exact(int fd, void *buf, size_t len, int64_t deadline, size_t *got)
{
	unsigned char *p = buf;
	size_t have = 0;
	int rc = 0;

	while (have < len) {
		ssize_t n = recv(fd, p + have, len - have, MSG_DONTWAIT);
		if (n == 0) {
			rc = -ECONNRESET; /* EOF in the middle of a message */
			break;
		}
		if (n < 0 && errno == EAGAIN)
			rc = wait_fd(fd, POLLIN, deadline);
		else if (n < 0 && errno != EINTR)
			rc = -errno;
		if (rc < 0)
			break;
		if (n > 0)
			have += (size_t)n;
	}
	if (got)
		*got = have;
	return rc;
}

/* SIGPIPE is ignored, so a peer that has gone is -EPIPE, not a death. */
int write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				int rc = wait_fd(fd, POLLOUT, NO_DEADLINE);
				if (rc < 0)
					return rc;
				continue;
			}
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void drain(int fd, int64_t deadline)
{
	char scratch[DRAIN_CHUNK];

	while (wait_fd(fd, POLLIN, deadline) == 0) {
		ssize_t n = read(fd, scratch, sizeof scratch);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return;
	}
}

/*
 * A close() with unread input sends a RST, and a RST can destroy what we
 * sent last before the client reads it (a client may pipeline bytes after
 * its request). So: send our FIN, read until the client's EOF for up to
 * linger_ms, then close.
 */
void linger_close(int fd, int linger_ms)
{
	shutdown(fd, SHUT_WR);
	drain(fd, now_ms() + linger_ms);
	close(fd);
}

/* ---------------------------------------------------------------------- */
/* Addresses                                                               */

static const unsigned char ipv4_loopback[4] = { 127, 0, 0, 1 };

bool sockaddr_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

unsigned sockaddr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

void format_sockaddr(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
		snprintf(out, cap, "%s:%u", host, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
		snprintf(out, cap, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else {
		snprintf(out, cap, "?");
	}
}

socklen_t sockaddr_ipv4(struct sockaddr_storage *ss, const void *addr, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof *ss);
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	memcpy(&sin->sin_addr, addr, 4);
	return sizeof *sin;
}

/* Unmapped, a v4-mapped address works without dual-stack sockets. */
socklen_t sockaddr_ipv6(struct sockaddr_storage *ss, const void *addr, uint16_t port,
			unsigned forms)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct in6_addr a;

	memcpy(&a, addr, sizeof a);
	if ((forms & HOST_UNMAP_V4) && IN6_IS_ADDR_V4MAPPED(&a))
		return sockaddr_ipv4(ss, &a.s6_addr[12], port);
	memset(ss, 0, sizeof *ss);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_addr = a;
	return sizeof *sin6;
}

static bool is_localhost_name(const char *name, unsigned forms)
{
	return ((forms & HOST_LOCALHOST) && strcasecmp(name, "localhost") == 0) ||
	       ((forms & HOST_LOCALHOST_DOT) && strcasecmp(name, "localhost.") == 0);
}

/* Never a name lookup: that would be DNS traffic of our own, and slow. */
socklen_t host_sockaddr(const char *host, uint16_t port, unsigned forms,
			struct sockaddr_storage *ss)
{
	unsigned char addr[16];

	if (inet_pton(AF_INET, host, addr) == 1)
		return sockaddr_ipv4(ss, addr, port);
	if (inet_pton(AF_INET6, host, addr) == 1)
		return sockaddr_ipv6(ss, addr, port, forms);
	if (is_localhost_name(host, forms))
		return sockaddr_ipv4(ss, ipv4_loopback, port);
	return 0;
}

socklen_t loopback_sockaddr(const char *host, uint16_t port, unsigned forms,
			    struct sockaddr_storage *ss)
{
	socklen_t len = host_sockaddr(host, port, forms, ss);

	return len != 0 && sockaddr_is_loopback(ss) ? len : 0;
}

/* ---------------------------------------------------------------------- */
/* Listening and accepting                                                 */

int server_socket(int family, int type)
{
	int one = 1;
	int fd = socket(family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* TCP only: a restarted server must not wait out TIME_WAIT. On UDP the
	 * option would let a second server share the port and steal queries. */
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	/* IPv6 only, whatever the host's bindv6only default: the same everywhere. */
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	return fd;
}

int open_listener(const struct sockaddr_storage *addr, socklen_t len, int backlog)
{
	int fd = server_socket(addr->ss_family, SOCK_STREAM);

	if (fd < 0)
		die("socket: %s", strerror(-fd));
	if (bind(fd, (const struct sockaddr *)addr, len) < 0)
		die("bind: %s", strerror(errno));
	listen_or_die(fd, backlog);
	return fd;
}

void listen_or_die(int fd, int backlog)
{
	if (listen(fd, backlog) < 0)
		die("listen: %s", strerror(errno));
}

unsigned bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		die("getsockname: %s", strerror(errno));
	return sockaddr_port(&ss);
}

/* Through path.tmp and rename(), so a reader sees the whole line or nothing. */
void write_port_file(const char *path, unsigned port)
{
	char tmp[PATH_MAX], line[16];

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		die("-P %s: path too long", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("%s: %s", tmp, strerror(errno));
	int n = snprintf(line, sizeof line, "%u\n", port);
	if (write_all(fd, line, (size_t)n) < 0 || close(fd) < 0)
		die("%s: write failed", tmp);
	if (rename(tmp, path) < 0)
		die("rename %s: %s", tmp, strerror(errno));
}

int open_common_listener(const struct common_options *o, uint16_t port, unsigned forms,
			 int backlog)
{
	struct sockaddr_storage addr;
	socklen_t len = loopback_sockaddr(o->listen_host, port, forms, &addr);

	if (len == 0)
		die("-b %s: the listen address must be a loopback address", o->listen_host);
	int fd = open_listener(&addr, len, backlog);
	if (o->port_file)
		write_port_file(o->port_file, bound_port(fd));
	return fd;
}

/* Out of descriptors or memory is a passing state: wait, then accept again. */
static bool accept_error_is_transient(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

void accept_loop(int listener, client_handler serve)
{
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof peer;
		int fd = accept4(listener, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);

		if (fd < 0) {
			if (accept_error_is_transient(errno))
				sleep_ms(ACCEPT_RETRY_MS);
			else if (errno != EINTR && errno != ECONNABORTED)
				die("accept: %s", strerror(errno));
			continue;
		}
		/* The safety rule, checked where a client comes in: loopback only. */
		if (!sockaddr_is_loopback(&peer)) {
			close(fd);
			continue;
		}
		serve(fd, &peer);
	}
}

int start_detached_thread(void *(*fn)(void *), void *arg, size_t stack_size)
{
	pthread_attr_t attr;
	pthread_t thread;

	int err = pthread_attr_init(&attr);
	if (err != 0)
		return -err;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (stack_size != 0)
		pthread_attr_setstacksize(&attr, stack_size);
	err = pthread_create(&thread, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return -err;
}

/* ---------------------------------------------------------------------- */
/* The command line and the -l log                                         */

/* O_APPEND makes each write() land whole at the end: lines from concurrent
 * threads never mix. */
static int open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	return fd;
}

static bool take_common_option(int opt, const char *arg, struct common_options *o)
{
	switch (opt) {
	case 'b':
		o->listen_host = arg;
		return true;
	case 'P':
		o->port_file = arg;
		return true;
	case 'l':
		o->log_fd = open_log(arg);
		return true;
	default:
		return false;
	}
}

bool parse_command_line(int argc, char **argv, const char *optstring, option_handler take,
			struct common_options *common)
{
	int opt;

	while ((opt = getopt(argc, argv, optstring)) != -1)
		if (!take_common_option(opt, optarg, common) && !take(opt, optarg))
			return false;
	return optind == argc;
}

/* Callers log before they answer, so a test that has its answer can read the line. */
void log_line(int fd, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	if (fd < 0)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof line && write(fd, line, (size_t)n) < 0) {
		/* A lost log line must not take the request down with it. */
	}
}

bool parse_long(const char *text, int base, long min, long max, long *value)
{
	char *end;

	errno = 0;
	long v = strtol(text, &end, base);
	if (errno || end == text || *end != '\0' || v < min || v > max)
		return false;
	*value = v;
	return true;
}

unsigned parse_port_option(const char *text)
{
	long port;

	if (!parse_long(text, 10, 0, 65535, &port))
		die("-p %s: expected a port 0..65535", text);
	return (unsigned)port;
}
