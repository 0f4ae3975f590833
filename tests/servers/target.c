/*
 * target - a loopback-only destination server for sockschain's tests: what
 * the program under test finally talks to, through its proxies or not.
 *
 * usage: target [-p PORT] [-b ADDR] [-P FILE] [-l FILE] [-m MODE] [-s BYTES]
 *
 *   -p PORT    listen port (0, the default, picks a free one)
 *   -b ADDR    listen address: a 127.0.0.0/8 address (default 127.0.0.1) or ::1
 *   -P FILE    once listening, write the port and "\n" to FILE (through
 *              FILE.tmp and rename(), so a reader never sees half of it)
 *   -l FILE    append "peer=ADDR:PORT\n" for every accepted connection, so a
 *              test can tell who connected (a proxy, or the program itself)
 *   -m MODE    echo (default), banner, http, sink or source:
 *     echo     echo everything back until EOF
 *     banner   send "SSH-2.0-sockschain-target\r\n" at once, then echo
 *     http     read one request head (up to CRLF CRLF), answer HTTP/1.0 200
 *              with body "hello from target\nrequest: <request line>\n", close
 *     sink     read until EOF, then write the byte count in decimal + "\n"
 *     source   write -s BYTES bytes of pattern, then close
 *   -s BYTES   for source: a number, optionally with k, m or g (x1024^n);
 *              default 1m
 *
 * The source pattern is the 64-byte line
 *   "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.\n"
 * repeated, cut at BYTES, so a test can rebuild and compare it.
 *
 * One detached thread per connection. SIGTERM and SIGINT exit at once with
 * status 0.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define BANNER "SSH-2.0-sockschain-target\r\n"
#define HTTP_HEAD_END "\r\n\r\n"
#define HTTP_LINE_END "\r\n"
#define HTTP_BODY_FORMAT "hello from target\nrequest: %s\n"
#define HTTP_RESPONSE_FORMAT                                                   \
	"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n" \
	"Content-Length: %d\r\n\r\n%s"
#define SOURCE_LINE "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.\n"

enum {
	LISTEN_BACKLOG = 1024,
	HTTP_HEAD_MAX = 8192,
	HTTP_TIMEOUT_MS = 10000,   /* to read the request head */
	LINGER_MS = 5000,          /* drain before close, see linger_close() */
	ACCEPT_RETRY_MS = 50,      /* out of fds: let some connections finish */
	IO_BUF_SIZE = 64 * 1024,   /* a multiple of the source line length */
	THREAD_STACK_SIZE = 512 * 1024,
	ADDR_TEXT_MAX = INET6_ADDRSTRLEN + 8,
};

#define DEFAULT_SOURCE_BYTES (1024ULL * 1024)
#define NO_DEADLINE INT64_MAX

typedef void (*mode_handler)(int fd);

/* Written by main() before the first thread starts, read only afterwards. */
static struct {
	mode_handler serve;
	unsigned long long source_bytes;
	int log_fd;
	unsigned char source_block[IO_BUF_SIZE];
} cfg = { .source_bytes = DEFAULT_SOURCE_BYTES, .log_fd = -1 };

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("target: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* ---------------------------------------------------------------------- */
/* I/O helpers                                                             */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec left = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		;
}

/* Wait until fd is readable (or has an error). Returns 0, -ETIMEDOUT or -errno. */
static int wait_readable(int fd, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

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

/* A read that retries EINTR: > 0 bytes, 0 at EOF, -errno. */
static ssize_t read_some(int fd, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(fd, buf, len);
		if (n >= 0 || errno != EINTR)
			return n < 0 ? -errno : n;
	}
}

/* Blocking sockets and files; SIGPIPE is ignored, so a gone peer is -EPIPE. */
static int write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Close after our last byte. A close() with unread input sends a RST, which
 * can destroy data the client has not read yet; so send our FIN, read until
 * the client's EOF for a while, then close.
 */
static void linger_close(int fd)
{
	char scratch[4096];
	int64_t deadline = now_ms() + LINGER_MS;

	shutdown(fd, SHUT_WR);
	while (wait_readable(fd, deadline) == 0 && read_some(fd, scratch, sizeof scratch) > 0)
		;
	close(fd);
}

/* ---------------------------------------------------------------------- */
/* Modes                                                                   */

static void echo_until_eof(int fd)
{
	unsigned char *buf = malloc(IO_BUF_SIZE);
	ssize_t n;

	if (!buf)
		return;
	while ((n = read_some(fd, buf, IO_BUF_SIZE)) > 0)
		if (write_all(fd, buf, (size_t)n) < 0)
			break;
	free(buf);
}

static void serve_echo(int fd)
{
	echo_until_eof(fd);
	close(fd);
}

/* Like an SSH server: the server speaks first, before reading anything. */
static void serve_banner(int fd)
{
	if (write_all(fd, BANNER, strlen(BANNER)) == 0)
		echo_until_eof(fd);
	close(fd);
}

/* Read until CRLF CRLF into head (NUL-terminated). 0, or -errno. */
static int read_http_head(int fd, char *head, size_t cap)
{
	int64_t deadline = now_ms() + HTTP_TIMEOUT_MS;
	size_t have = 0;

	while (have + 1 < cap) {
		int rc = wait_readable(fd, deadline);
		if (rc < 0)
			return rc;
		ssize_t n = read_some(fd, head + have, cap - 1 - have);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0)
			return (int)n;
		have += (size_t)n;
		head[have] = '\0';
		if (memmem(head, have, HTTP_HEAD_END, strlen(HTTP_HEAD_END)))
			return 0;
	}
	return -EMSGSIZE;
}

static void serve_http(int fd)
{
	char head[HTTP_HEAD_MAX + 1];
	char body[HTTP_HEAD_MAX + 64];
	char response[2 * HTTP_HEAD_MAX];

	if (read_http_head(fd, head, sizeof head) < 0) {
		close(fd);
		return;
	}
	head[strcspn(head, HTTP_LINE_END)] = '\0'; /* keep the request line */
	int body_len = snprintf(body, sizeof body, HTTP_BODY_FORMAT, head);
	int len = snprintf(response, sizeof response, HTTP_RESPONSE_FORMAT,
			   body_len, body);
	if (body_len > 0 && len > 0 && (size_t)len < sizeof response)
		(void)write_all(fd, response, (size_t)len);
	linger_close(fd);
}

/* Throughput: count what arrives, report once the client has finished. */
static void serve_sink(int fd)
{
	unsigned char *buf = malloc(IO_BUF_SIZE);
	unsigned long long total = 0;
	char line[32];
	ssize_t n;

	if (buf) {
		while ((n = read_some(fd, buf, IO_BUF_SIZE)) > 0)
			total += (unsigned long long)n;
		if (n == 0) {
			int len = snprintf(line, sizeof line, "%llu\n", total);
			(void)write_all(fd, line, (size_t)len);
		}
		free(buf);
	}
	close(fd);
}

/* The pattern block is whole lines, so consecutive blocks continue it. */
static void serve_source(int fd)
{
	unsigned long long left = cfg.source_bytes;

	while (left > 0) {
		size_t chunk = left < IO_BUF_SIZE ? (size_t)left : IO_BUF_SIZE;
		if (write_all(fd, cfg.source_block, chunk) < 0)
			break;
		left -= chunk;
	}
	linger_close(fd);
}

static const struct {
	const char *name;
	mode_handler serve;
} modes[] = {
	{ "echo", serve_echo },
	{ "banner", serve_banner },
	{ "http", serve_http },
	{ "sink", serve_sink },
	{ "source", serve_source },
};

/* ---------------------------------------------------------------------- */
/* Connections                                                             */

static bool sockaddr_is_loopback(const struct sockaddr_storage *ss)
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

static void format_sockaddr(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
		snprintf(out, cap, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
		snprintf(out, cap, "%s:%u", host, ntohs(sin->sin_port));
	}
}

/* One line, one write(), O_APPEND: lines never mix, and a test sees it
 * before the connection gets any answer. */
static void log_peer(const struct sockaddr_storage *peer)
{
	char addr[ADDR_TEXT_MAX], line[ADDR_TEXT_MAX + 16];

	if (cfg.log_fd < 0)
		return;
	format_sockaddr(peer, addr, sizeof addr);
	int n = snprintf(line, sizeof line, "peer=%s\n", addr);
	if (n > 0 && (size_t)n < sizeof line && write(cfg.log_fd, line, (size_t)n) < 0) {
		/* A lost log line must not take the connection down with it. */
	}
}

static void *connection_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;

	cfg.serve(fd); /* closes fd */
	return NULL;
}

static void start_connection(int fd)
{
	pthread_attr_t attr;
	pthread_t thread;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, THREAD_STACK_SIZE);
	if (pthread_create(&thread, &attr, connection_thread, (void *)(intptr_t)fd) != 0)
		close(fd);
	pthread_attr_destroy(&attr);
}

static void accept_loop(int listener)
{
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof peer;
		int fd = accept4(listener, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				sleep_ms(ACCEPT_RETRY_MS);
			else if (errno != EINTR && errno != ECONNABORTED)
				die("accept: %s", strerror(errno));
			continue;
		}
		if (!sockaddr_is_loopback(&peer)) {
			close(fd);
			continue;
		}
		log_peer(&peer);
		start_connection(fd);
	}
}

/* ---------------------------------------------------------------------- */
/* Listening                                                               */

/* A loopback literal (or "localhost"): never a name to resolve. */
static socklen_t loopback_sockaddr(const char *host, uint16_t port,
				   struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	socklen_t len = 0;

	memset(ss, 0, sizeof *ss);
	if (strcasecmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof *sin;
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof *sin6;
	}
	return len != 0 && sockaddr_is_loopback(ss) ? len : 0;
}

static int open_listener(const struct sockaddr_storage *addr, socklen_t len)
{
	int one = 1;
	int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (addr->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (const struct sockaddr *)addr, len) < 0)
		die("bind: %s", strerror(errno));
	if (listen(fd, LISTEN_BACKLOG) < 0)
		die("listen: %s", strerror(errno));
	return fd;
}

static unsigned bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		die("getsockname: %s", strerror(errno));
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Through FILE.tmp and rename(), so a reader sees the whole line or nothing. */
static void write_port_file(const char *path, unsigned port)
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

/* ---------------------------------------------------------------------- */
/* Command line                                                            */

static void usage(void)
{
	fputs("usage: target [-p PORT] [-b ADDR] [-P FILE] [-l FILE] [-m MODE] [-s BYTES]\n"
	      "modes: echo banner http sink source\n",
	      stderr);
	exit(2);
}

static unsigned parse_port_option(const char *text)
{
	char *end;

	errno = 0;
	long value = strtol(text, &end, 10);
	if (errno || end == text || *end != '\0' || value < 0 || value > 65535)
		die("-p %s: expected a port 0..65535", text);
	return (unsigned)value;
}

/* BYTES, optionally followed by k, m or g (powers of 1024). */
static unsigned long long parse_size(const char *text)
{
	char *end;

	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (errno || end == text || !isdigit((unsigned char)text[0]))
		die("-s %s: expected a byte count", text);
	int shift = 0;
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'k': shift = 10; break;
	case 'm': shift = 20; break;
	case 'g': shift = 30; break;
	default: die("-s %s: unknown suffix", text);
	}
	if (*end != '\0' && end[1] != '\0')
		die("-s %s: unknown suffix", text);
	if (value > (ULLONG_MAX >> shift))
		die("-s %s: too large", text);
	return value << shift;
}

static mode_handler parse_mode(const char *name)
{
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (strcmp(modes[i].name, name) == 0)
			return modes[i].serve;
	die("-m %s: unknown mode", name);
	return NULL;
}

static void fill_source_block(void)
{
	size_t line_len = strlen(SOURCE_LINE);

	for (size_t i = 0; i < sizeof cfg.source_block; i += line_len)
		memcpy(cfg.source_block + i, SOURCE_LINE, line_len);
}

/* Nothing is buffered in user space, so exiting at once loses nothing. */
static void exit_on_signal(int sig)
{
	(void)sig;
	_exit(0);
}

static void setup_signals(void)
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

_Static_assert(IO_BUF_SIZE % (sizeof SOURCE_LINE - 1) == 0,
	       "the source block must hold whole pattern lines");

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *port_file = NULL;
	unsigned port = 0;
	struct sockaddr_storage addr;
	int opt;

	setup_signals(); /* first: a test may stop us at any moment */
	cfg.serve = serve_echo;
	while ((opt = getopt(argc, argv, "p:b:P:l:m:s:")) != -1) {
		switch (opt) {
		case 'p':
			port = parse_port_option(optarg);
			break;
		case 'b':
			host = optarg;
			break;
		case 'P':
			port_file = optarg;
			break;
		case 'l':
			cfg.log_fd = open(optarg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
			if (cfg.log_fd < 0)
				die("%s: %s", optarg, strerror(errno));
			break;
		case 'm':
			cfg.serve = parse_mode(optarg);
			break;
		case 's':
			cfg.source_bytes = parse_size(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	socklen_t len = loopback_sockaddr(host, (uint16_t)port, &addr);
	if (len == 0)
		die("-b %s: the listen address must be a loopback address", host);
	fill_source_block();

	int listener = open_listener(&addr, len);
	if (port_file)
		write_port_file(port_file, bound_port(listener));
	accept_loop(listener);
	return 0;
}
