/*
 * gaiconnect - looks NAME up with getaddrinfo() and connects to its first
 * IPv4 address, as most programs do; plain C with no glibc extension, so
 * that it builds with musl too (musl's resolver is its own: UDP from an
 * unconnected socket, answers only from the nameserver asked).
 *
 * Usage: gaiconnect NAME PORT SEND EXPECT
 *
 * Sends SEND, reads back as many bytes as EXPECT has, and prints
 * "addr=ADDR received=BYTES", exiting 0 when they are EXPECT; else prints
 * "getaddrinfo: MESSAGE" or "CALL: MESSAGE" and exits 1. 2: usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { REPLY_MAX = 256 };

static int fail(const char *call)
{
	printf("%s: %s\n", call, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
	char addr[INET_ADDRSTRLEN], got[REPLY_MAX + 1] = "";
	size_t want, have = 0;
	ssize_t n;
	int rc, fd;

	if (argc != 5 || strlen(argv[4]) > REPLY_MAX) {
		fputs("usage: gaiconnect NAME PORT SEND EXPECT\n", stderr);
		return 2;
	}
	rc = getaddrinfo(argv[1], argv[2], &hints, &res);
	if (rc != 0) {
		printf("getaddrinfo: %s\n", gai_strerror(rc));
		return 1;
	}
	inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, addr, sizeof(addr));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return fail("socket");
	if (connect(fd, res->ai_addr, res->ai_addrlen) < 0)
		return fail("connect");
	freeaddrinfo(res);
	if (write(fd, argv[3], strlen(argv[3])) < 0)
		return fail("write");
	want = strlen(argv[4]);
	while (have < want && (n = read(fd, got + have, want - have)) > 0)
		have += (size_t)n;
	got[have] = '\0';
	printf("addr=%s received=%s\n", addr, got);
	close(fd);
	return strcmp(got, argv[4]) == 0 ? 0 : 1;
}
