/*
 * sysprobe - system calls made the ways a program may make them, for the
 * supervisor suite: what the kernel's filter must see whichever way is used.
 *
 * usage: sysprobe io_uring                 io_uring_setup: "io_uring errno=ENAME" or "io_uring ok"
 *        sysprobe syscall HOST PORT        connect() through syscall(SYS_connect)
 *        sysprobe inline HOST PORT         connect() by an inline `syscall` instruction
 *        sysprobe udp HOST PORT            sendto() of one datagram to an IPv4 address
 *        sysprobe fastopen HOST PORT       TCP Fast Open: sendto(MSG_FASTOPEN) of "hi", then
 *                                          the echo back
 *        sysprobe unix PATH                connect() to an AF_UNIX stream socket
 *        sysprobe nodump MODE HOST PORT    the same, after making itself non-dumpable
 *        sysprobe getfd PID                pidfd_getfd() of each of PID's descriptors 0-63:
 *                                          "getfd ok N" for the first taken, else the
 *                                          errno of the first that exists
 *
 * HOST is a numeric IPv4 address. The connects send "hi" and expect it back
 * (an echo target); each prints "ok" or "fail errno=ENAME". Exit status 0 on
 * "ok", 1 on "fail", 2 on usage errors.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static int report(const char *what, long rc)
{
	if (rc < 0) {
		printf("%s fail errno=%s\n", what, strerrorname_np(errno));
		return 1;
	}
	printf("%s ok\n", what);
	return 0;
}

static long inline_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
#if defined(__x86_64__)
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((long)SYS_connect), "D"((long)fd), "S"(sa), "d"((long)len)
			 : "rcx", "r11", "memory");
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
#else
	return syscall(SYS_connect, fd, sa, len);
#endif
}

static int echo_check(int fd)
{
	char buf[2];

	if (send(fd, "hi", 2, MSG_NOSIGNAL) != 2 || recv(fd, buf, 2, MSG_WAITALL) != 2 ||
	    memcmp(buf, "hi", 2) != 0) {
		errno = errno ? errno : EPROTO;
		return -1;
	}
	return 0;
}

static int inet(const char *mode, const char *host, const char *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	bool udp = strcmp(mode, "udp") == 0;
	int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	long rc;

	if (fd < 0 || inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return 2;
	if (strcmp(mode, "fastopen") == 0) {
		char buf[2];

		rc = sendto(fd, "hi", 2, MSG_FASTOPEN, (struct sockaddr *)&sin, sizeof(sin));
		if (rc == 2 && (recv(fd, buf, 2, MSG_WAITALL) != 2 || memcmp(buf, "hi", 2) != 0))
			rc = -1;
		close(fd);
		return report(mode, rc == 2 ? 0 : -1);
	}
	if (udp)
		rc = sendto(fd, "hi", 2, 0, (struct sockaddr *)&sin, sizeof(sin));
	else if (strcmp(mode, "inline") == 0)
		rc = inline_connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	else
		rc = syscall(SYS_connect, fd, (struct sockaddr *)&sin, sizeof(sin));
	if (rc >= 0 && !udp)
		rc = echo_check(fd);
	close(fd);
	return report(mode, rc);
}

/* Whether another process of the same user can take PID's descriptors. */
static int take_fds(pid_t pid)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), fd, err = EBADF;

	if (pidfd < 0)
		return report("getfd", -1);
	for (fd = 0; fd < 64; fd++) {
		int copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);

		if (copy >= 0) {
			printf("getfd ok %d\n", fd);
			return 0;
		}
		if (err == EBADF)
			err = errno;
	}
	errno = err;
	return report("getfd", -1);
}

int main(int argc, char **argv)
{
	struct io_uring_params params = { 0 };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd;

	if (argc == 2 && strcmp(argv[1], "io_uring") == 0)
		return report("io_uring", syscall(SYS_io_uring_setup, 4, &params));
	if (argc == 3 && strcmp(argv[1], "unix") == 0) {
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", argv[2]);
		return report("unix", connect(fd, (struct sockaddr *)&un, sizeof(un)));
	}
	if (argc == 3 && strcmp(argv[1], "getfd") == 0)
		return take_fds((pid_t)atoi(argv[2]));
	if (argc == 4)
		return inet(argv[1], argv[2], argv[3]);
	/* Nobody of the same user may then read its memory or take its descriptors. */
	if (argc == 5 && strcmp(argv[1], "nodump") == 0)
		return prctl(PR_SET_DUMPABLE, 0) < 0 ? 2 : inet(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: sysprobe io_uring | [nodump] syscall|inline|udp HOST PORT | unix PATH | "
			"getfd PID\n");
	return 2;
}
