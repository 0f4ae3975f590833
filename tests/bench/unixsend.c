/*
 * bench unixsend: N sendmsg() of one byte on an AF_UNIX datagram socket
 * pair, each read back at once, as a program that talks to a local daemon
 * does. Under the supervisor every sendmsg() waits for it: the filter cannot
 * see where a msghdr points, so this times the supervisor's round trip.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int run_unixsend(const struct bench_opts *o)
{
	struct bench_tally t = { 0 };
	int pair[2];
	char byte = 'x', got;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) < 0) {
		perror("bench unixsend: socketpair");
		return 1;
	}
	double t0 = bench_now();
	for (unsigned long i = 0; i < o->count; i++) {
		if (sendmsg(pair[0], &msg, 0) != 1 || recv(pair[1], &got, 1, 0) != 1)
			tally_fail(&t, errno);
		else
			t.ok++;
	}
	double seconds = bench_now() - t0;
	printf("ok=%lu failed=%lu seconds=%.4f rate=%.1f rss_kb=%ld\n", t.ok, t.failed, seconds,
	       seconds > 0 ? (double)t.ok / seconds : 0, bench_rss_kb());
	tally_report(&t);
	close(pair[0]);
	close(pair[1]);
	return t.failed == 0 ? 0 : 1;
}
