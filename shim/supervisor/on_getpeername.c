/*
 * getpeername(): a socket the supervisor carried answers its destination,
 * written into the caller's memory while its thread waits; any other
 * continues (its arguments are outputs: nothing is judged by them).
 */
#define _GNU_SOURCE
#include "job.h"
#include "peers.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* 0, or a negative errno for the caller; 1: not ours, let the kernel answer. */
static int answer_peer(struct job *job, int fd)
{
	const struct seccomp_data *d = &job->call.req->data;
	struct sockaddr_storage ss;
	struct netaddr dest;
	socklen_t cap, len;
	int domain = AF_UNSPEC, rc;
	socklen_t dlen = sizeof(domain);

	if (!peers_lookup(fd, &dest) || getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) < 0)
		return 1;
	len = netaddr_to_sockaddr(&dest, domain, &ss);
	if (len == 0)
		return 1;
	rc = call_read(&job->call, d->args[2], &cap, sizeof(cap));
	if (rc < 0)
		return rc;
	if ((int)cap < 0)
		return -EINVAL;
	/* As the kernel does: the address cut to the caller's room, the full length told. */
	rc = call_write(&job->call, d->args[1], &ss, cap < len ? cap : len);
	if (rc == 0)
		rc = call_write(&job->call, d->args[2], &len, sizeof(len));
	return rc;
}

static void getpeername_work(struct job *job)
{
	int copy = call_take_fd(&job->call, (int)job->call.req->data.args[0]), rc = 1;

	if (copy == -ENOENT)
		return;
	if (copy >= 0) {
		rc = answer_peer(job, copy);
		close(copy);
	}
	if (rc > 0)
		call_continue(&job->call);
	else
		call_answer(&job->call, 0, rc);
}

bool getpeername_peek(struct job *job)
{
	job->work = getpeername_work;
	return true;
}
