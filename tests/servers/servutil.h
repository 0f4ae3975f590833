/*
 * What sockschain's test servers (testproxy, target, dnsrecorder) share: the
 * program's name in messages, waits that poll() against an absolute
 * deadline, full-transfer I/O, loopback-only addresses, listening and
 * accepting, the -P port file, the -l log, and the signal setup.
 *
 * Deadlines are absolute, in milliseconds on now_ms()'s clock. Functions
 * that return int give 0 (or a result) on success and a negative errno on
 * failure. Those meant for startup die instead: "NAME: message" on stderr,
 * exit status 1, NAME being what servutil_init() was given.
 */
#ifndef SOCKSCHAIN_SERVUTIL_H
#define SOCKSCHAIN_SERVUTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* A deadline that never comes. */
#define NO_DEADLINE INT64_MAX

/* Room for format_sockaddr()'s longest text, "[IPV6]:65535", and its NUL. */
#define SOCKADDR_TEXT_MAX (INET6_ADDRSTRLEN + sizeof "[]:65535")

/* log_line() drops a line that would not fit in this many bytes. */
enum { LOG_LINE_MAX = 4096 };

/* ---------------------------------------------------------------------- */
/* The process                                                             */

/* Names the program in die()'s messages. Call once, first thing in main(). */
void servutil_init(const char *program_name);

/* Prints "NAME: " fmt "\n" on stderr and exits with status 1. */
__attribute__((format(printf, 1, 2)))
_Noreturn void die(const char *fmt, ...);

/* SIGPIPE ignored (a vanished peer is EPIPE); SIGTERM and SIGINT exit 0 at once. */
void setup_signals(void);

/* ---------------------------------------------------------------------- */
/* Time and I/O                                                            */

/* Milliseconds on the monotonic clock: never goes backwards. */
int64_t now_ms(void);

/* Sleeps the whole ms, even when signals interrupt it. */
void sleep_ms(long ms);

/* Waits until fd reports one of events, an error or a hang-up: 0, -ETIMEDOUT, -errno. */
int wait_fd(int fd, short events, int64_t deadline);

/*
 * Reads exactly len bytes from a socket by the deadline, polling only when
 * nothing has arrived yet. Returns 0, -ECONNRESET for an EOF
 * before len, -ETIMEDOUT, or another -errno. When got is not NULL it says
 * how many bytes came, so that a caller can tell an EOF before the first.
 */
int read_exact(int fd, void *buf, size_t len, int64_t deadline, size_t *got);

/* Writes all of buf to a file or a blocking or non-blocking socket. 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);

/* Reads and throws away until EOF, an error or the deadline. */
void drain(int fd, int64_t deadline);

/* Closes after our last byte without a RST that could destroy it; see the .c. */
void linger_close(int fd, int linger_ms);

/* ---------------------------------------------------------------------- */
/* Addresses: literals only, never DNS                                     */

/* 127.0.0.0/8, ::1, or ::ffff:127.x.x.x. */
bool sockaddr_is_loopback(const struct sockaddr_storage *ss);

unsigned sockaddr_port(const struct sockaddr_storage *ss);

/* "127.0.0.1:5353", "[::1]:5353", or "?" for a family other than these. */
void format_sockaddr(const struct sockaddr_storage *ss, char *out, size_t cap);

/*
 * How host_sockaddr() reads a host beyond an IPv4 or IPv6 literal. Each
 * server keeps the spellings it has always taken.
 */
enum host_forms {
	HOST_IP_LITERAL = 0,		/* a literal, nothing else */
	HOST_LOCALHOST = 1 << 0,	/* "localhost", any case, is 127.0.0.1 */
	HOST_LOCALHOST_DOT = 1 << 1,	/* so is "localhost.", any case */
	HOST_UNMAP_V4 = 1 << 2,		/* ::ffff:a.b.c.d is plain IPv4 a.b.c.d */
};

/* Each builds ss from a raw address (4 or 16 bytes) and returns its length. */
socklen_t sockaddr_ipv4(struct sockaddr_storage *ss, const void *addr, uint16_t port);
socklen_t sockaddr_ipv6(struct sockaddr_storage *ss, const void *addr, uint16_t port,
			unsigned forms);

/* The address host names as forms allow, or 0 for anything else. */
socklen_t host_sockaddr(const char *host, uint16_t port, unsigned forms,
			struct sockaddr_storage *ss);

/* Like host_sockaddr(), and 0 unless the address is a loopback one too. */
socklen_t loopback_sockaddr(const char *host, uint16_t port, unsigned forms,
			    struct sockaddr_storage *ss);

/* ---------------------------------------------------------------------- */
/* The command line and the -l log                                         */

/* What -b, -P and -l say: every server takes them, and means the same. */
struct common_options {
	const char *listen_host;	/* -b ADDR, checked when listening */
	const char *port_file;		/* -P FILE, or NULL */
	int log_fd;			/* -l FILE, open for appending, or -1 */
};

#define COMMON_OPTIONS_INIT { .listen_host = "127.0.0.1", .log_fd = -1 }

/* Takes one of a server's own options: true, or false for one it does not know. */
typedef bool (*option_handler)(int opt, const char *arg);

/*
 * getopt() over argv with optstring: -b, -P and -l into common, the others
 * to take, in order. False at the first option neither knows (after
 * getopt's message), or when an operand is left: the caller prints usage.
 */
bool parse_command_line(int argc, char **argv, const char *optstring, option_handler take,
			struct common_options *common);

/* Formats one line and writes it with one write(); nothing when fd < 0. */
__attribute__((format(printf, 2, 3)))
void log_line(int fd, const char *fmt, ...);

/* A whole-string strtol() in min..max: true and *value, or false. */
bool parse_long(const char *text, int base, long min, long max, long *value);

/* -p PORT: 0..65535, or die. */
unsigned parse_port_option(const char *text);

/* ---------------------------------------------------------------------- */
/* Listening and accepting                                                 */

/* A close-on-exec socket; SO_REUSEADDR if TCP, IPV6_V6ONLY if IPv6. fd or -errno. */
int server_socket(int family, int type);

/* A TCP socket bound to addr and listening, or die. */
int open_listener(const struct sockaddr_storage *addr, socklen_t len, int backlog);

/* listen(), or die. */
void listen_or_die(int fd, int backlog);

/* The port fd is bound to, or die. */
unsigned bound_port(int fd);

/* Writes port and "\n" to path, whole or not at all (see the .c), or die. */
void write_port_file(const char *path, unsigned port);

/*
 * The TCP listener of target and testproxy: on -b's address (read as forms
 * allow) and port, its port then written to the -P file if there is one.
 * Dies if -b is not a loopback address, or if listening fails.
 */
int open_common_listener(const struct common_options *o, uint16_t port, unsigned forms,
			 int backlog);

/* Called by accept_loop() for each client; owns fd from then on. */
typedef void (*client_handler)(int fd, const struct sockaddr_storage *peer);

/* Accepts loopback clients forever and hands each to serve; dies on a real error. */
_Noreturn void accept_loop(int listener, client_handler serve);

/* Runs fn(arg) on a detached thread; stack_size 0 keeps the default. 0 or -errno. */
int start_detached_thread(void *(*fn)(void *), void *arg, size_t stack_size);

#endif
