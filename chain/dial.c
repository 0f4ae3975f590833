#define _GNU_SOURCE
#include "dial.h"

#include "dial_job.h"
#include "sockio.h"

#include <errno.h>

/* The job's steps on the spot: each wait a poll() on the caller's socket. */
int chain_dial(int fd, int sock_family, const struct chain *chain, const struct dial_env *env,
	       const struct endpoint *dest, struct dial_report *rep)
{
	struct dial_job job;
	int rc, revents;

	rc = dial_job_start(&job, fd, sock_family, chain, env, dest, rep);
	while (rc == DIAL_PENDING) {
		revents = sockio_wait(fd, job.events, job.deadline);
		rc = dial_job_step(&job, revents == -ETIMEDOUT ? 0 : revents);
	}
	dial_job_end(&job);
	return rc;
}
