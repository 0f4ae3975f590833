#define _GNU_SOURCE
#include "dial.h"

#include "dial_job.h"
#include "sockio.h"

#include <errno.h>

int64_t chain_connect_timeout_ms(const struct chain *chain)
{
	if (chain->connect_timeout_ms)
		return chain->connect_timeout_ms;
	return chain->timeout_ms * CHAIN_DEFAULT_CONNECT_TIMEOUTS;
}

/* The job's steps on the spot: each wait a poll() on the caller's socket. */
int chain_dial(int fd, int sock_family, const struct chain *chain, const struct dial_env *env,
	       const struct endpoint *dest, struct dial_report *rep)
{
	struct dial_job job;
	int rc, revents;

	rc = dial_job_start(&job, fd, sock_family, chain, env, dest, rep);
	while (rc == DIAL_PENDING) {
		revents = sockio_wait(job.env.io, fd, job.events, job.deadline);
		rc = dial_job_step(&job, revents == -ETIMEDOUT ? 0 : revents);
	}
	dial_job_end(&job);
	return rc;
}
