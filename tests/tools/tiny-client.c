/*
 * tiny-client ADDR PORT: connects to an IPv4 address and says how it went;
 * built with musl-gcc, a program glibc's library cannot be loaded into.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fputs("usage: tiny-client ADDR PORT\n", stderr);
		return 2;
	}
	sin.sin_port = htons((unsigned short)atoi(argv[2]));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		printf("tiny client: fail: %s\n", strerror(errno));
		return 1;
	}
	puts("tiny client: connected");
	close(fd);
	return 0;
}
