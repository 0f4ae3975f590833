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
#include "servutil.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	IO_BUF_SIZE = 64 * 1024,   /* a multiple of the source line length */
	THREAD_STACK_SIZE = 512 * 1024,
};

#define DEFAULT_SOURCE_BYTES (1024ULL * 1024)

typedef void (*mode_handler)(int fd);

/* Written by main() before the first thread starts, read only afterwards. */
static struct {
	mode_handler serve;
	unsigned long long source_bytes;
	unsigned port;			/* -p */
	struct common_options common;	/* -b, -P, -l */
	unsigned char source_block[IO_BUF_SIZE];
} cfg = { .source_bytes = DEFAULT_SOURCE_BYTES, .common = COMMON_OPTIONS_INIT };

/* ---------------------------------------------------------------------- */
/* I/O helpers                                                             */

/* A read that retries EINTR: > 0 bytes, 0 at EOF, -errno. */
static ssize_t read_some(int fd, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(fd, buf, len);
		if (n >= 0 || errno != EINTR)
			return n < 0 ? -errno : n;
	}
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
		int rc = wait_fd(fd, POLLIN, deadline);
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
	linger_close(fd, LINGER_MS);
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
	linger_close(fd, LINGER_MS);
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

/* Written before the connection gets any answer, so a test sees it first. */
static void log_peer(const struct sockaddr_storage *peer)
{
	char addr[SOCKADDR_TEXT_MAX];

	if (cfg.common.log_fd < 0)
		return;
	format_sockaddr(peer, addr, sizeof addr);
	log_line(cfg.common.log_fd, "peer=%s\n", addr);
}

static void *connection_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;

	cfg.serve(fd); /* closes fd */
	return NULL;
}

/* For accept_loop(): log the peer, then serve it on a thread of its own. */
static void start_connection(int fd, const struct sockaddr_storage *peer)
{
	log_peer(peer);
	if (start_detached_thread(connection_thread, (void *)(intptr_t)fd,
				  THREAD_STACK_SIZE) < 0)
		close(fd);
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

static bool take_option(int opt, const char *arg)
{
	switch (opt) {
	case 'p':
		cfg.port = parse_port_option(arg);
		return true;
	case 'm':
		cfg.serve = parse_mode(arg);
		return true;
	case 's':
		cfg.source_bytes = parse_size(arg);
		return true;
	default:
		return false;
	}
}

_Static_assert(IO_BUF_SIZE % (sizeof SOURCE_LINE - 1) == 0,
	       "the source block must hold whole pattern lines");

int main(int argc, char **argv)
{
	servutil_init("target");
	setup_signals(); /* first: a test may stop us at any moment */
	cfg.serve = serve_echo;
	if (!parse_command_line(argc, argv, "p:b:P:l:m:s:", take_option, &cfg.common))
		usage();
	fill_source_block();
	int listener = open_common_listener(&cfg.common, (uint16_t)cfg.port, HOST_LOCALHOST,
					    LISTEN_BACKLOG);
	accept_loop(listener, start_connection);
}
