/*
 * evloop - N non-blocking connects driven by one event loop, the way event
 * loops make them, for testing connections dialed in the background.
 *
 * usage: evloop [--mode epoll-et|epoll-lt|poll|select] [-n N] [--send TEXT]
 *               [--expect BYTES] [--banner] [--dup] [--close-first K] [--fork]
 *               [--register-first] [--early-check] [--timeout-ms MS] HOST PORT
 *               [PORT_STEP]
 *
 * Connection i goes to HOST:PORT+i*PORT_STEP (PORT_STEP defaults to 0). Once
 * writable it checks SO_ERROR, sends TEXT, then reads BYTES bytes. --banner:
 * the server speaks first, so the loop waits for readability only, never
 * for writability, and sends nothing. --dup: each socket is used through a
 * dup() of it, the original closed at once. --close-first K: the first K
 * sockets are closed while their chain is pending and never used. --fork:
 * once all are connecting, a child asks socket 0 for SO_ERROR and exits.
 * --register-first: each socket goes into the epoll set before its connect(),
 * for reading and writing at once, as nginx does.
 * --early-check: SO_ERROR is asked right after each connect() too, as
 * Chromium does; an error there fails the connection.
 *
 * Prints a line per connection, "i ok got=TEXT" or "i fail errno=NAME",
 * then "elapsed_ms=N ok=N failed=N timer_late_ms=N fds=N": the loop also
 * keeps a 10 ms timer and reports how late it fired at worst; fds is how
 * many descriptors are open at the end, every socket closed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_CONNS = 512, GOT_MAX = 256, TIMER_MS = 10 };
enum mode { EPOLL_ET, EPOLL_LT, POLL, SELECT };
enum stage { CONNECTING, READING, FINISHED };

struct conn {
	int fd;
	enum stage stage;
	char got[GOT_MAX + 1];
	size_t have;
	int err;
};

static struct {
	enum mode mode;
	int n, close_first;
	const char *send;
	size_t expect;
	bool banner, dup, fork, register_first, early_check;
	long timeout_ms;
} opt = { .mode = EPOLL_ET, .n = 1, .send = "", .expect = 0, .timeout_ms = 10000 };

static struct conn conns[MAX_CONNS];
static int epfd = -1;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *ename(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "?";
}

static short wanted(const struct conn *c)
{
	if (c->stage == FINISHED)
		return 0;
	return c->stage == READING || opt.banner ? POLLIN : POLLOUT;
}

static void watch(struct conn *c, int op)
{
	struct epoll_event ev = { .data.ptr = c };
	short w = wanted(c);

	if (epfd < 0)
		return;
	ev.events = (w & POLLIN ? EPOLLIN : 0) | (w & POLLOUT ? EPOLLOUT : 0) |
		    (opt.mode == EPOLL_ET ? EPOLLET : 0);
	if (w == 0)
		op = EPOLL_CTL_DEL;
	if (epoll_ctl(epfd, op, c->fd, &ev) < 0 && op != EPOLL_CTL_DEL)
		perror("epoll_ctl");
}

static void finish(struct conn *c, int err)
{
	c->err = err;
	c->stage = FINISHED;
	watch(c, EPOLL_CTL_DEL);
	close(c->fd);
}

/* One readiness event: what an event loop does with it. */
static void handle(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);
	ssize_t n;

	if (c->stage == CONNECTING && !opt.banner) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			finish(c, err);
			return;
		}
		if (*opt.send && send(c->fd, opt.send, strlen(opt.send), MSG_NOSIGNAL) < 0) {
			finish(c, errno);
			return;
		}
		c->stage = READING;
		watch(c, EPOLL_CTL_MOD);
		if (opt.mode != EPOLL_ET)
			return;	/* an edge-triggered loop reads on until EAGAIN */
	}
	c->stage = READING;
	for (;;) {
		n = recv(c->fd, c->got + c->have, GOT_MAX - c->have, MSG_DONTWAIT);
		if (n > 0) {
			c->have += (size_t)n;
			if (c->have >= opt.expect || c->have == GOT_MAX) {
				finish(c, 0);
				return;
			}
			continue;
		}
		if (n == 0) {
			finish(c, c->have ? 0 : EPIPE);
			return;
		}
		if (errno != EAGAIN)
			finish(c, errno);
		return;
	}
}

static int wait_epoll(int timeout)
{
	struct epoll_event evs[64];
	int n = epoll_wait(epfd, evs, 64, timeout), i;

	for (i = 0; i < n; i++)
		handle(evs[i].data.ptr);
	return n;
}

static int wait_poll(int timeout)
{
	struct pollfd fds[MAX_CONNS];
	struct conn *who[MAX_CONNS];
	int n = 0, i, rc;

	for (i = 0; i < opt.n; i++)
		if (conns[i].stage != FINISHED) {
			fds[n] = (struct pollfd){ .fd = conns[i].fd, .events = wanted(&conns[i]) };
			who[n++] = &conns[i];
		}
	rc = poll(fds, (nfds_t)n, timeout);
	for (i = 0; rc > 0 && i < n; i++)
		if (fds[i].revents)
			handle(who[i]);
	return rc;
}

static int wait_select(int timeout)
{
	struct timeval tv = { timeout / 1000, (timeout % 1000) * 1000 };
	fd_set r, w;
	int i, max = -1, rc;

	FD_ZERO(&r);
	FD_ZERO(&w);
	for (i = 0; i < opt.n; i++) {
		short want = wanted(&conns[i]);

		if (want & POLLIN)
			FD_SET(conns[i].fd, &r);
		if (want & POLLOUT)
			FD_SET(conns[i].fd, &w);
		if (want && conns[i].fd > max)
			max = conns[i].fd;
	}
	rc = select(max + 1, &r, &w, NULL, &tv);
	for (i = 0; rc > 0 && i < opt.n; i++)
		if (conns[i].stage != FINISHED &&
		    (FD_ISSET(conns[i].fd, &r) || FD_ISSET(conns[i].fd, &w)))
			handle(&conns[i]);
	return rc;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n - 3;	/* ".", ".." and the DIR's own */
}

static bool all_finished(void)
{
	for (int i = 0; i < opt.n; i++)
		if (conns[i].stage != FINISHED)
			return false;
	return true;
}

static void fork_child_check(void)
{
	int err = 0, status;
	socklen_t len = sizeof(err);
	pid_t pid = fork();

	if (pid == 0) {
		if (getsockopt(conns[opt.close_first].fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		printf("child so_error=%s\n", err ? ename(err) : "0");
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &status, 0);
}

/* SO_ERROR while the connect is in progress: 0, or the connection has failed. */
static void check_early(struct conn *c)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err)
		finish(c, err);
}

static void connect_all(const char *host, int port, int step)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int i, fd;

	inet_pton(AF_INET, host, &sa.sin_addr);
	for (i = 0; i < opt.n; i++) {
		struct conn *c = &conns[i];

		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (opt.register_first && epfd >= 0) {
			struct epoll_event ev = { .data.ptr = c, .events = EPOLLIN | EPOLLOUT |
						  (opt.mode == EPOLL_ET ? EPOLLET : 0) };

			if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
				perror("epoll_ctl");
		}
		sa.sin_port = htons((uint16_t)(port + i * step));
		if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
			c->err = errno;
			c->stage = FINISHED;
			close(c->fd);
			continue;
		}
		if (i < opt.close_first) {
			close(c->fd);
			c->stage = FINISHED;
			c->err = -1;	/* not reported */
			continue;
		}
		if (opt.dup) {
			fd = dup(c->fd);
			close(c->fd);
			c->fd = fd;
		}
		if (!opt.register_first)
			watch(c, EPOLL_CTL_ADD);
		if (opt.early_check)
			check_early(c);
	}
}

static void report(long elapsed, long late)
{
	int i, ok = 0, failed = 0;

	for (i = 0; i < opt.n; i++) {
		struct conn *c = &conns[i];

		if (c->err == -1)
			continue;
		if (c->err) {
			printf("%d fail errno=%s\n", i, ename(c->err));
			failed++;
			continue;
		}
		c->got[c->have] = '\0';
		c->got[strcspn(c->got, "\r\n")] = '\0';
		printf("%d ok got=%s\n", i, c->got);
		ok++;
	}
	if (epfd >= 0)
		close(epfd);
	printf("elapsed_ms=%ld ok=%d failed=%d timer_late_ms=%ld fds=%d\n", elapsed, ok, failed,
	       late, open_fds());
}

static bool parse(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "mode", required_argument, NULL, 'm' }, { "send", required_argument, NULL, 's' },
		{ "expect", required_argument, NULL, 'e' }, { "banner", no_argument, NULL, 'b' },
		{ "dup", no_argument, NULL, 'd' }, { "close-first", required_argument, NULL, 'c' },
		{ "fork", no_argument, NULL, 'f' }, { "timeout-ms", required_argument, NULL, 't' },
		{ "register-first", no_argument, NULL, 'r' },
		{ "early-check", no_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const modes[] = { "epoll-et", "epoll-lt", "poll", "select" };
	int o, i;

	while ((o = getopt_long(argc, argv, "n:", longs, NULL)) != -1) {
		switch (o) {
		case 'm':
			for (i = 0; i < 4 && strcmp(optarg, modes[i]) != 0; i++)
				;
			if (i == 4)
				return false;
			opt.mode = (enum mode)i;
			break;
		case 'n': opt.n = atoi(optarg); break;
		case 's': opt.send = optarg; break;
		case 'e': opt.expect = (size_t)atol(optarg); break;
		case 'b': opt.banner = true; break;
		case 'd': opt.dup = true; break;
		case 'c': opt.close_first = atoi(optarg); break;
		case 'f': opt.fork = true; break;
		case 'E': opt.early_check = true; break;
		case 't': opt.timeout_ms = atol(optarg); break;
		case 'r': opt.register_first = true; break;
		default: return false;
		}
	}
	return argc - optind >= 2 && opt.n >= 1 && opt.n <= MAX_CONNS &&
	       opt.close_first < opt.n;
}

int main(int argc, char **argv)
{
	long start, tick, late = 0, now;

	if (!parse(argc, argv)) {
		fprintf(stderr, "usage: evloop [--mode epoll-et|epoll-lt|poll|select] [-n N] "
			"[--send TEXT] [--expect BYTES] [--banner] [--dup] [--close-first K] "
			"[--fork] [--register-first] [--early-check] [--timeout-ms MS] HOST PORT "
			"[PORT_STEP]\n");
		return 2;
	}
	if (opt.mode <= EPOLL_LT)
		epfd = epoll_create1(EPOLL_CLOEXEC);
	start = now_ms();
	tick = start + TIMER_MS;	/* a connect() that blocks makes it late */
	connect_all(argv[optind], atoi(argv[optind + 1]),
		    argc - optind > 2 ? atoi(argv[optind + 2]) : 0);
	if (opt.fork)
		fork_child_check();
	while (!all_finished() && now_ms() - start < opt.timeout_ms) {
		int timeout = (int)(tick - now_ms());

		timeout = timeout < 0 ? 0 : timeout;
		if (opt.mode <= EPOLL_LT)
			wait_epoll(timeout);
		else if (opt.mode == POLL)
			wait_poll(timeout);
		else
			wait_select(timeout);
		now = now_ms();
		if (now >= tick) {	/* the timer's turn */
			if (now - tick > late)
				late = now - tick;
			tick = now + TIMER_MS;
		}
	}
	for (int i = 0; i < opt.n; i++)
		if (conns[i].stage != FINISHED)
			finish(&conns[i], ETIMEDOUT);
	report(now_ms() - start, late);
	return 0;
}
