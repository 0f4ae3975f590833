/*
 * connect(): an internet destination is carried on the supervisor's copy of
 * the program's socket, and the call answered with the result; the kernel
 * never runs a connect whose address was judged. Other families continue.
 */
#define _GNU_SOURCE
#include "../common/config.h"
#include "../common/log.h"
#include "carry.h"
#include "job.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * Local daemons that resolve names for their callers: refused, so that libc
 * falls back to port 53, which the stub answers.
 */
static const char *const resolver_sockets[] = {
	"/run/nscd/socket",
	"/var/run/nscd/socket",
	"/run/systemd/resolve/io.systemd.Resolve",
	"/var/run/systemd/resolve/io.systemd.Resolve",
};

static bool is_resolver_socket(const struct job *job)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)&job->addr;
	size_t i, len;

	if (job->addrlen <= offsetof(struct sockaddr_un, sun_path))
		return false;
	len = strnlen(un->sun_path, job->addrlen - offsetof(struct sockaddr_un, sun_path));
	for (i = 0; i < sizeof(resolver_sockets) / sizeof(resolver_sockets[0]); i++)
		if (strlen(resolver_sockets[i]) == len && memcmp(un->sun_path, resolver_sockets[i], len) == 0)
			return true;
	return false;
}

int job_read_address(struct job *job, uint64_t addr, uint64_t len)
{
	int rc;

	/* As the kernel's own checks: a family at least, at most a sockaddr_storage. */
	if (len < sizeof(sa_family_t) || len > sizeof(job->addr))
		return addr == 0 && len == 0 ? 0 : -EINVAL;
	rc = call_read(&job->call, addr, &job->addr, (size_t)len);
	if (rc < 0)
		return rc;
	job->addrlen = (socklen_t)len;
	return job->addr.ss_family == AF_INET || job->addr.ss_family == AF_INET6;
}

/* The program's socket under a new destination: where the rules send it. */
static int connect_copy(struct job *job, int fd, const struct netaddr *dest)
{
	const struct sockaddr *sa = (const struct sockaddr *)&job->addr;
	struct sockaddr_storage to;
	int domain = AF_UNSPEC, type = carry_socket_type(fd, &domain), len;

	if (type < 0)
		return -ENOTSOCK;
	if (domain != AF_INET && domain != AF_INET6)	/* the kernel's own error, on our copy */
		return connect(fd, sa, job->addrlen) == 0 ? 0 : -errno;
	if (type == SOCK_STREAM)
		return carry_stream(job->call.sv, fd, sa, job->addrlen, dest);
	if (type != SOCK_DGRAM)
		return -EACCES;	/* raw and SCTP sockets: nothing the chain can carry */
	len = carry_datagram_target(job->call.sv, fd, dest, sa, job->addrlen, "connect", &to);
	if (len < 0)
		return len;
	return connect(fd, (struct sockaddr *)&to, (socklen_t)len) == 0 ? 0 : -errno;
}

/* Fail closed, and say why, when the socket cannot be taken (a non-dumpable program...). */
static int take_socket(struct job *job, int fd)
{
	int copy = call_take_fd(&job->call, fd);

	if (copy < 0 && copy != -EBADF && copy != -ENOENT)
		shim_log(shim_config(), VERBOSITY_DEFAULT, "process %u: cannot take its socket "
			 "(%s): refused, not connecting directly", job->call.req->pid,
			 strerrorname_np(-copy));
	return copy;
}

static void connect_work(struct job *job)
{
	struct netaddr dest;
	int fd = (int)job->call.req->data.args[0], copy, rc;

	if (netaddr_from_sockaddr((struct sockaddr *)&job->addr, job->addrlen, &dest) < 0) {
		call_answer(&job->call, 0, -EINVAL);
		return;
	}
	copy = take_socket(job, fd);
	if (copy == -ENOENT)
		return;	/* the caller is gone: no one to answer */
	if (copy < 0) {
		call_answer(&job->call, 0, copy == -EBADF ? -EBADF : -EACCES);
		return;
	}
	rc = connect_copy(job, copy, &dest);
	close(copy);
	call_answer(&job->call, 0, rc);
}

bool connect_peek(struct job *job)
{
	const struct seccomp_data *d = &job->call.req->data;
	int rc = job_read_address(job, d->args[1], d->args[2]);

	if (rc < 0) {
		call_answer(&job->call, 0, rc);
		return false;
	}
	if (rc == 0) {
		/* Not ours to make (paths, peer credentials): the residual race is documented. */
		if (job->addrlen && job->addr.ss_family == AF_UNIX && is_resolver_socket(job))
			call_answer(&job->call, 0, -ECONNREFUSED);
		else
			call_continue(&job->call);
		return false;
	}
	job->work = connect_work;	/* the copy of the socket is taken only once the call is valid */
	return true;
}
