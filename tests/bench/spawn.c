/*
 * bench spawn: the start-up cost of a program, as the mean wall time of N
 * runs of CMD, each posix_spawn()ed and waited for in turn. Run with
 * `sockschain true`, `proxychains4 -q true` and a bare `true`, the
 * differences are what each adds to a program that never connects.
 * --env NAME=VALUE (repeatable) adds to CMD's environment only, so that the
 * library can be timed preloaded alone, without the launcher.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

/* One run: its wall time in seconds, or a negative errno. */
static double spawn_once(char **argv, char **env)
{
	pid_t pid;
	int status;

	double t0 = bench_now();
	int err = posix_spawnp(&pid, argv[0], NULL, NULL, argv, env);
	if (err != 0)
		return -err;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -BENCH_COMMAND_FAILED;
	return bench_now() - t0;
}

int run_spawn(const struct bench_opts *o)
{
	struct bench_tally t = { 0 };
	double total = 0, best = 0;

	for (unsigned long i = 0; i < o->count; i++) {
		double s = spawn_once(o->command, o->env);
		if (s < 0) {
			tally_fail(&t, (int)-s);
			continue;
		}
		total += s;
		if (t.ok++ == 0 || s < best)
			best = s;
	}
	double mean_us = t.ok ? total / (double)t.ok * 1e6 : 0;
	printf("ok=%lu failed=%lu seconds=%.4f mean_us=%.1f min_us=%.1f rss_kb=%ld\n", t.ok,
	       t.failed, total, mean_us, best * 1e6, bench_rss_kb());
	tally_report(&t);
	return t.failed == 0 ? 0 : 1;
}
