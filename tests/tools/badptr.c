/*
 * badptr - calls a socket function with a pointer to memory that cannot be
 * read or written, as a buggy program might: the kernel answers EFAULT, and
 * so must a library that stands in front of it.
 *
 * Usage: badptr CALL HOST PORT
 *
 * HOST is a numeric IPv4 address. getpeername first connects a TCP socket
 * to HOST PORT. Prints "CALL errno=ENAME" or "CALL ok" and exits 0 when the
 * call returned at all, 2 on usage errors.
 *
 * Two sendmmsg() calls send datagrams to HOST PORT and print "CALL sent=N
 * lens=M" (M entries have msg_len set): sendmmsg-second, whose second entry
 * has a bad name (the first is sent, and counted); sendmmsg-many, 40 good
 * entries (more than a library copies at once).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const calls[] = {
	"connect", "syscall-connect", "sendto", "sendto-fastopen", "sendmsg", "sendmsg-name",
	"sendmmsg", "sendmmsg-name", "getpeername", "getpeername-len", "sendmmsg-second",
	"sendmmsg-many",
};

enum { MANY = 40 };

/* sendmmsg() of count datagrams to to, entry bad_at (if < count) with a bad name. */
static int send_vector(const char *name, void *bad, const struct sockaddr_in *to, int count,
		       int bad_at)
{
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct mmsghdr vec[MANY];
	int fd = socket(AF_INET, SOCK_DGRAM, 0), sent, i, lens = 0;

	memset(vec, 0, sizeof(vec));
	for (i = 0; i < count; i++) {
		vec[i].msg_hdr.msg_name = i == bad_at ? bad : (void *)to;
		vec[i].msg_hdr.msg_namelen = sizeof(*to);
		vec[i].msg_hdr.msg_iov = &iov;
		vec[i].msg_hdr.msg_iovlen = 1;
	}
	sent = sendmmsg(fd, vec, (unsigned int)count, 0);
	if (sent < 0) {
		printf("%s errno=%s\n", name, strerrorname_np(errno));
		return 0;
	}
	for (i = 0; i < count; i++)
		lens += vec[i].msg_len == 1;
	printf("%s sent=%d lens=%d\n", name, sent, lens);
	return 0;
}

static long call(const char *name, void *bad, const struct sockaddr_in *to)
{
	bool udp = strncmp(name, "send", 4) == 0 && strcmp(name, "sendto-fastopen") != 0;
	int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct mmsghdr mm = { .msg_hdr = { .msg_name = bad, .msg_namelen = sizeof(*to),
					   .msg_iov = &iov, .msg_iovlen = 1 } };
	socklen_t len = sizeof(*to);
	struct sockaddr_in peer;

	if (fd < 0)
		return -1;
	if (strcmp(name, "connect") == 0)
		return connect(fd, bad, sizeof(*to));
	if (strcmp(name, "syscall-connect") == 0)
		return syscall(SYS_connect, fd, bad, sizeof(*to));
	if (strcmp(name, "sendto") == 0)
		return sendto(fd, "x", 1, 0, bad, sizeof(*to));
	if (strcmp(name, "sendto-fastopen") == 0)
		return sendto(fd, "x", 1, MSG_FASTOPEN, bad, sizeof(*to));
	if (strcmp(name, "sendmsg") == 0)
		return sendmsg(fd, bad, 0);
	if (strcmp(name, "sendmsg-name") == 0)
		return sendmsg(fd, &mm.msg_hdr, 0);
	if (strcmp(name, "sendmmsg") == 0)
		return sendmmsg(fd, bad, 1, 0);
	if (strcmp(name, "sendmmsg-name") == 0)
		return sendmmsg(fd, &mm, 1, 0);
	if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) < 0)
		return -1;
	if (strcmp(name, "getpeername") == 0)
		return getpeername(fd, bad, &len);
	return getpeername(fd, (struct sockaddr *)&peer, bad);
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	void *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool known = false;
	size_t i;

	for (i = 0; argc == 4 && i < sizeof(calls) / sizeof(calls[0]); i++)
		known |= strcmp(argv[1], calls[i]) == 0;
	if (!known || inet_pton(AF_INET, argv[2], &to.sin_addr) != 1 || bad == MAP_FAILED) {
		fputs("usage: badptr CALL HOST PORT\n", stderr);
		return 2;
	}
	to.sin_port = htons((uint16_t)atoi(argv[3]));
	if (strcmp(argv[1], "sendmmsg-second") == 0)
		return send_vector(argv[1], bad, &to, 2, 1);
	if (strcmp(argv[1], "sendmmsg-many") == 0)
		return send_vector(argv[1], bad, &to, MANY, MANY);
	if (call(argv[1], bad, &to) < 0)
		printf("%s errno=%s\n", argv[1], strerrorname_np(errno));
	else
		printf("%s ok\n", argv[1]);
	return 0;
}
