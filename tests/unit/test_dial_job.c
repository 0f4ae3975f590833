/*
 * dial_job step by step over a socketpair: the test plays the proxies on the
 * other end between steps, so it sees what the job waits for at each point,
 * that it reads each reply exactly, and that its deadline ends it.
 */
#define _GNU_SOURCE
#include "../../chain/deadline.h"
#include "../../chain/dial_job.h"
#include "check.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static struct chain_config cfg;
static struct spec_error err;
static struct hop_health health;
static struct dial_job job;
static struct dial_report rep;
static int proxy;	/* the test's end */

static unsigned connects;		/* calls of fake_connect */
static peername_fn ask_peer;		/* the job's do_getpeername */
static const struct sock_calls *io;	/* the job's other calls; NULL: libc's */

/*
 * The first hop at 127.0.0.1:1 refuses; at 127.0.0.1:2 it is in progress,
 * then refused when asked again; every other connect succeeds at once.
 */
static int fake_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;

	(void)fd, (void)len;
	connects++;
	if (addr->sa_family == AF_INET && sin->sin_port == htons(2)) {
		errno = connects == 1 ? EINPROGRESS : ECONNREFUSED;
		return -1;
	}
	if (addr->sa_family == AF_INET && sin->sin_port == htons(1)) {
		errno = ECONNREFUSED;
		return -1;
	}
	return 0;
}

/* A connect deferred until data goes (TCP Fast Open): no peer yet. */
static int no_peer_yet(int fd, struct sockaddr *addr, socklen_t *len)
{
	(void)fd, (void)addr, (void)len;
	errno = ENOTCONN;
	return -1;
}

static int start(const char *spec, const char *name)
{
	struct endpoint dest = { .name = name,
				 .addr = { .family = AF_INET, .addr = { 198, 18, 0, 7 }, .port = 80 } };
	struct dial_env env = { .health = &health, .seed = 1, .retry_after_ms = 30000,
				.do_connect = fake_connect, .do_getpeername = ask_peer, .io = io };
	int pair[2];

	memset(&health, 0, sizeof(health));
	connects = 0;
	if (spec_parse(spec, "test", &cfg, &err) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) < 0)
		return -1000;
	proxy = pair[1];
	return dial_job_start(&job, pair[0], AF_INET, &cfg.chains[0], &env, &dest, &rep);
}

static void finish(void)
{
	dial_job_end(&job);
	close(job.fd);
	close(proxy);
}

/* What the job sent since last time, as the proxy reads it. */
static ssize_t heard(uint8_t *buf, size_t cap)
{
	return read(proxy, buf, cap);
}

static void say(const void *bytes, size_t len)
{
	CHECK(write(proxy, bytes, len) == (ssize_t)len);
}

static void socks5_one_step_at_a_time(void)
{
	uint8_t buf[64];

	CHECK(start("socks5://127.0.0.2:1080 socks5://127.0.0.3:1081", NULL) == DIAL_PENDING);
	CHECK(job.events == POLLIN);	/* the greeting went; the choice is awaited */
	CHECK(heard(buf, sizeof(buf)) == 3 && memcmp(buf, "\x05\x01\x00", 3) == 0);
	CHECK(dial_job_step(&job, POLLIN) == DIAL_PENDING);	/* woken with nothing there */
	say("\x05\x00", 2);
	CHECK(dial_job_step(&job, POLLIN) == DIAL_PENDING);
	/* hop 1 is asked for hop 2 */
	CHECK(heard(buf, sizeof(buf)) == 10 &&
	      memcmp(buf, "\x05\x01\x00\x01\x7f\x00\x00\x03\x04\x39", 10) == 0);
	say("\x05\x00\x00", 3);	/* half a reply: the job reads on later */
	CHECK(dial_job_step(&job, POLLIN) == DIAL_PENDING && job.events == POLLIN);
	CHECK(heard(buf, sizeof(buf)) < 0 && errno == EAGAIN);	/* nothing sent meanwhile */
	say("\x01\x7f\x00\x00\x01\x00\x50", 7);
	CHECK(dial_job_step(&job, POLLIN) == DIAL_PENDING);
	CHECK(heard(buf, sizeof(buf)) == 3);	/* hop 2's greeting, through hop 1 */
	say("\x05\x00", 2);
	CHECK(dial_job_step(&job, POLLIN) == DIAL_PENDING);
	CHECK(heard(buf, sizeof(buf)) == 10 && memcmp(buf + 4, "\xc6\x12\x00\x07\x00\x50", 6) == 0);
	/* the last reply, and the destination's first bytes with it */
	say("\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x50SSH-2.0-x\r\n", 21);
	CHECK(dial_job_step(&job, POLLIN) == 0);
	CHECK(dial_job_step(&job, 0) == 0);	/* done stays done */
	CHECK(read(job.fd, buf, sizeof(buf)) == 11 && memcmp(buf, "SSH-2.0-x\r\n", 11) == 0);
	CHECK(rep.path_len == 2);
	finish();
}

/* The bytes the calls of counting_io carried, and how many bytes of reply they took. */
static size_t io_sent, io_taken;

static ssize_t counting_send(int fd, const void *buf, size_t n, int flags)
{
	ssize_t rc = send(fd, buf, n, flags);

	if (rc > 0)
		io_sent += (size_t)rc;
	return rc;
}

static ssize_t counting_recv(int fd, void *buf, size_t n, int flags)
{
	ssize_t rc = recv(fd, buf, n, flags);

	if (rc > 0 && !(flags & MSG_PEEK))
		io_taken += (size_t)rc;
	return rc;
}

static const struct sock_calls counting_io = { counting_send, counting_recv, poll };

/*
 * The library hands the engine the calls behind its own hooks: the engine
 * must make no other, pipelined or not, or the library's own handshakes go
 * through its interposition again.
 */
static void every_byte_goes_through_the_env_calls(void)
{
	uint8_t buf[64];
	int rc = DIAL_PENDING, steps;

	io = &counting_io;
	io_sent = io_taken = 0;
	CHECK(start("socks5://127.0.0.2:1080", NULL) == DIAL_PENDING);
	CHECK(heard(buf, sizeof(buf)) == 3);
	say("\x05\x00", 2);
	CHECK(dial_job_step(&job, POLLIN) == DIAL_PENDING);
	CHECK(heard(buf, sizeof(buf)) == 10);
	say("\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x50", 10);
	CHECK(dial_job_step(&job, POLLIN) == 0);
	CHECK(io_sent == 13 && io_taken == 12);
	finish();

	io_sent = io_taken = 0;	/* a pipelined chain sends its batch first */
	CHECK(start("pipeline=yes socks5://127.0.0.2:1080", NULL) == DIAL_PENDING);
	CHECK(heard(buf, sizeof(buf)) == 13);
	say("\x05\x00\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x50", 12);
	for (steps = 0; steps < 4 && rc == DIAL_PENDING; steps++)
		rc = dial_job_step(&job, POLLIN);	/* a reply at a time */
	CHECK(rc == 0);
	CHECK(io_sent == 13 && io_taken == 12);
	finish();
	io = NULL;
}

static void http_headers_and_not_one_byte_more(void)
{
	uint8_t buf[256];

	CHECK(start("http://127.0.0.2:3128", "example.org") == DIAL_PENDING);
	CHECK(heard(buf, sizeof(buf)) > 0 && memcmp(buf, "CONNECT example.org:80 ", 23) == 0);
	say("HTTP/1.1 200 OK\r\nVia: x\r\n\r", 26);	/* the end straddles two reads */
	CHECK(dial_job_step(&job, POLLIN) == DIAL_PENDING);
	say("\nHELLO", 6);
	CHECK(dial_job_step(&job, POLLIN) == 0);
	CHECK(read(job.fd, buf, sizeof(buf)) == 5 && memcmp(buf, "HELLO", 5) == 0);
	finish();
}

/* The status judged is the final response's, past an interim one, in pieces. */
static void http_final_status_after_interim(void)
{
	uint8_t buf[256];

	CHECK(start("http://127.0.0.2:3128", "example.org") == DIAL_PENDING);
	CHECK(heard(buf, sizeof(buf)) > 0);
	say("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 4", 35);
	CHECK(dial_job_step(&job, POLLIN) == DIAL_PENDING);
	say("07 Who\r\n\r\n", 10);
	CHECK(dial_job_step(&job, POLLIN) == -EACCES);
	CHECK(strstr(rep.reason, "\"HTTP/1.1 407 Who\"") != NULL);
	finish();
}

static void the_deadline_ends_it(void)
{
	int64_t begun = clock_now_ms();
	struct pollfd pfd;
	int rc;

	CHECK(start("socks4://127.0.0.2:1080 timeout=0.2", NULL) == DIAL_PENDING);
	CHECK(job.deadline >= begun + 150 && job.deadline <= begun + 250);
	do {	/* as the helper does: poll until the job's deadline, then step */
		pfd = (struct pollfd){ .fd = job.fd, .events = job.events };
		rc = dial_job_step(&job, poll(&pfd, 1, deadline_left_ms(job.deadline)) > 0
						 ? pfd.revents : 0);
	} while (rc == DIAL_PENDING);
	CHECK(rc == -ETIMEDOUT);
	CHECK(clock_now_ms() - begun >= 190);
	CHECK(strstr(rep.reason, "in time") != NULL);
	finish();
}

static void dynamic_skips_a_dead_hop(void)
{
	uint8_t buf[64];

	/* hop 1 refuses its TCP connect: the job goes on with hop 2 alone */
	CHECK(start("mode=dynamic socks4://127.0.0.1:1 socks4://127.0.0.2:1080", NULL) ==
	      DIAL_PENDING);
	CHECK(heard(buf, sizeof(buf)) == 9 && memcmp(buf, "\x04\x01\x00\x50\xc6\x12\x00\x07", 8) == 0);
	say("\x00\x5a\x00\x00\x00\x00\x00\x00", 8);
	CHECK(dial_job_step(&job, POLLIN) == 0);
	CHECK(rep.path_len == 1 && rep.path[0] == 1);
	CHECK(rep.nskips == 1 && rep.skips[0].hop == 0);
	CHECK(health_is_down(&health, 0, 0, clock_now_ms()));
	finish();
}

static void strict_fails_at_the_dead_hop(void)
{
	CHECK(start("socks4://127.0.0.1:1 socks4://127.0.0.2:1080", NULL) == -ECONNREFUSED);
	CHECK(rep.connect_failed && rep.failed_pos == 0);
	CHECK(strstr(rep.reason, "connect") != NULL);
	finish();
}

/* Writable with no error is connected: nothing asks connect() again, the request goes. */
static void writable_means_connected(void)
{
	uint8_t buf[64];

	CHECK(start("socks4://127.0.0.1:2", NULL) == DIAL_PENDING);
	CHECK(job.events == POLLOUT && connects == 1);
	CHECK(dial_job_step(&job, POLLOUT) == DIAL_PENDING);
	CHECK(connects == 1);
	CHECK(heard(buf, sizeof(buf)) == 9 && buf[0] == 4);
	finish();
}

/* An error with it: asking again gives the connect's outcome. */
static void an_error_asks_the_outcome(void)
{
	CHECK(start("socks4://127.0.0.1:2", NULL) == DIAL_PENDING);
	CHECK(dial_job_step(&job, POLLOUT | POLLERR | POLLHUP) == -ECONNREFUSED);
	CHECK(connects == 2 && rep.connect_failed);
	finish();
}

/* A socket with a peer already (this pair's, as a finished tunnel's): no byte goes to it. */
static void a_connected_socket_gets_no_handshake(void)
{
	uint8_t buf[64];

	ask_peer = getpeername;
	CHECK(start("socks5://127.0.0.2:1080", NULL) == -EISCONN);
	CHECK(heard(buf, sizeof(buf)) == -1 && errno == EAGAIN);
	finish();
	ask_peer = no_peer_yet;	/* a Fast Open connect: the handshake goes */
	CHECK(start("socks5://127.0.0.2:1080", NULL) == DIAL_PENDING);
	CHECK(heard(buf, sizeof(buf)) == 3 && memcmp(buf, "\x05\x01\x00", 3) == 0);
	finish();
	ask_peer = NULL;
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(socks5_one_step_at_a_time);
	RUN(every_byte_goes_through_the_env_calls);
	RUN(http_headers_and_not_one_byte_more);
	RUN(http_final_status_after_interim);
	RUN(the_deadline_ends_it);
	RUN(dynamic_skips_a_dead_hop);
	RUN(strict_fails_at_the_dead_hop);
	RUN(writable_means_connected);
	RUN(an_error_asks_the_outcome);
	RUN(a_connected_socket_gets_no_handshake);
	return check_done();
}
