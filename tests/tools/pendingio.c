/*
 * pendingio - one call on a socket right after its non-blocking connect(),
 * through an entry point other than the plain read()/recv(): built with
 * _FORTIFY_SOURCE, as distributions build programs, so that read(), recv()
 * and recvfrom() are the checking __read_chk, __recv_chk, __recvfrom_chk.
 *
 * usage: pendingio read|recv|recvfrom|recvmmsg|dupfd|dupfd-cloexec|dup-closerange|sendmmsg|
 *                  sendfile64|ppoll HOST PORT [BYTES]
 *
 * The socket is made blocking after connect() (so that the call waits for
 * data, not EAGAIN), then: read, recv, recvfrom, recvmmsg: reads BYTES
 * (default 25) at once. dupfd, dupfd-cloexec: copies the socket with
 * fcntl(F_DUPFD[_CLOEXEC]), closes the original, reads the copy with
 * recvmsg. dup-closerange: the same with dup(), the original closed by
 * close_range(), which the library does not see. sendmmsg, sendfile64:
 * sends "hello" so, then reads 5 bytes back. ppoll: waits (fortified:
 * __ppoll_chk) until writable, then reads BYTES. Prints "got=TEXT" (what
 * it read, up to a line end), or "error=NAME"; ppoll adds " waited_ms=N",
 * how long ppoll took.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *what)
{
	const char *name = strerrorname_np(errno);

	printf("error=%s (%s)\n", name ? name : "?", what);
	return 1;
}

static ssize_t recvmsg_one(int fd, char *buf, size_t n)
{
	struct iovec iov = { buf, n };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	return recvmsg(fd, &m, MSG_WAITALL);
}

static ssize_t recvmmsg_one(int fd, char *buf, size_t n)
{
	struct iovec iov = { buf, n };
	struct mmsghdr m = { .msg_hdr = { .msg_iov = &iov, .msg_iovlen = 1 } };
	int rc = recvmmsg(fd, &m, 1, MSG_WAITALL, NULL);

	return rc == 1 ? (ssize_t)m.msg_len : -1;
}

static ssize_t sendmmsg_hello(int fd)
{
	struct iovec iov = { "hello", 5 };
	struct mmsghdr m = { .msg_hdr = { .msg_iov = &iov, .msg_iovlen = 1 } };

	return sendmmsg(fd, &m, 1, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static ssize_t sendfile64_hello(int fd)
{
	FILE *f = tmpfile();
	ssize_t n = -1;

	if (f && fputs("hello", f) >= 0 && fflush(f) == 0)
		n = sendfile64(fd, fileno(f), &(off64_t){ 0 }, 5);
	if (f)
		fclose(f);
	return n == 5 ? 0 : -1;
}

static long waited_ms = -1;

/* nfds is not known when compiled, so that ppoll() is __ppoll_chk. */
static ssize_t ppoll_then_recv(int fd, char *buf, size_t n, nfds_t nfds)
{
	struct pollfd fds[4] = { { .fd = fd, .events = POLLOUT }, { -1, 0, 0 }, { -1, 0, 0 },
				 { -1, 0, 0 } };
	struct timespec t0, t1, limit = { 5, 0 };

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (ppoll(fds, nfds, &limit, NULL) != 1)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waited_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	return recv(fd, buf, n, MSG_WAITALL);
}

/* The call under test, on fd; how many bytes it read into buf (of n), or -1. */
static ssize_t call(const char *op, int fd, char *buf, size_t n, nfds_t nfds)
{
	int copy;

	if (strcmp(op, "read") == 0)
		return read(fd, buf, n);
	if (strcmp(op, "recv") == 0)
		return recv(fd, buf, n, MSG_WAITALL);
	if (strcmp(op, "recvfrom") == 0)
		return recvfrom(fd, buf, n, MSG_WAITALL, NULL, NULL);
	if (strcmp(op, "recvmmsg") == 0)
		return recvmmsg_one(fd, buf, n);
	if (strcmp(op, "dupfd") == 0 || strcmp(op, "dupfd-cloexec") == 0) {
		copy = fcntl(fd, op[5] ? F_DUPFD_CLOEXEC : F_DUPFD, 10);
		if (copy < 0)
			return -1;
		close(fd);
		return recvmsg_one(copy, buf, n);
	}
	if (strcmp(op, "dup-closerange") == 0) {
		copy = dup(fd);
		if (copy < 0 || close_range((unsigned)fd, (unsigned)fd, 0) < 0)
			return -1;
		return recvmsg_one(copy, buf, n);
	}
	if (strcmp(op, "sendmmsg") == 0)
		return sendmmsg_hello(fd) < 0 ? -1 : recvmsg_one(fd, buf, n < 5 ? n : 5);
	if (strcmp(op, "sendfile64") == 0)
		return sendfile64_hello(fd) < 0 ? -1 : recvmsg_one(fd, buf, n < 5 ? n : 5);
	if (strcmp(op, "ppoll") == 0)
		return ppoll_then_recv(fd, buf, n, nfds);
	errno = EINVAL;
	return -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char buf[256];
	/* unchecked here, so that the compiler cannot prove it fits: __read_chk checks it */
	size_t want = argc > 4 ? (size_t)atol(argv[4]) : 25;
	ssize_t got;
	int fd, flags;

	if (argc < 4 || inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: pendingio read|recv|recvfrom|recvmmsg|dupfd|dupfd-cloexec|"
			"dup-closerange|sendmmsg|sendfile64|ppoll HOST PORT [BYTES]\n");
		return 2;
	}
	sa.sin_port = htons((uint16_t)atoi(argv[3]));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail("socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		return fail("connect");
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		return fail("fcntl");
	got = call(argv[1], fd, buf, want, (nfds_t)argc - 3);	/* 1, or 2 with BYTES */
	if (got < 0)
		return fail(argv[1]);
	buf[got < (ssize_t)sizeof(buf) ? got : (ssize_t)sizeof(buf) - 1] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (waited_ms >= 0)
		printf("got=%s waited_ms=%ld\n", buf, waited_ms);
	else
		printf("got=%s\n", buf);
	return 0;
}
