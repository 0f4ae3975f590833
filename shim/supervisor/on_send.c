/*
 * sendto() and sendmsg() with a destination, sendmmsg(): datagrams to port 53
 * go to the DNS stub, other UDP only where the leak guard allows it, and a
 * TCP Fast Open send is a connect; the supervisor sends the bytes itself from
 * its copy of the socket and answers with the count. Calls without an
 * internet destination continue.
 */
#define _GNU_SOURCE
#include "../common/config.h"
#include "../common/log.h"
#include "carry.h"
#include "dns_reply.h"
#include "job.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

enum {
	DATAGRAM_MAX = 65535,		/* more cannot be one UDP datagram */
	FASTOPEN_MAX = 256 * 1024,	/* a Fast Open send may be partial: the rest follows */
	CONTROL_MAX = 4096,
};

/* The bytes of a send, gathered from the caller's memory. */
struct payload {
	char *data;
	size_t len;
	char control[CONTROL_MAX];	/* sendmsg's ancillary data (IP level: no descriptors) */
	size_t control_len;
};

static int read_buffer(const struct job *job, uint64_t addr, uint64_t len, size_t cap,
		       struct payload *out)
{
	if (len > cap)
		return cap == DATAGRAM_MAX ? -EMSGSIZE : read_buffer(job, addr, cap, cap, out);
	out->data = malloc(len ? len : 1);
	if (!out->data)
		return -ENOMEM;
	out->len = (size_t)len;
	return call_read(&job->call, addr, out->data, out->len);
}

/* sendmsg's iovecs, gathered into one buffer. */
static int read_iovecs(const struct job *job, const struct msghdr *msg, size_t cap,
		       struct payload *out)
{
	struct iovec *iov;
	size_t i, total = 0;
	int rc = 0;

	if (msg->msg_iovlen > IOV_MAX)
		return -EMSGSIZE;
	iov = calloc(msg->msg_iovlen ? msg->msg_iovlen : 1, sizeof(*iov));
	out->data = malloc(cap);
	if (!iov || !out->data) {
		free(iov);
		return -ENOMEM;
	}
	rc = call_read(&job->call, (uintptr_t)msg->msg_iov, iov, msg->msg_iovlen * sizeof(*iov));
	for (i = 0; rc == 0 && i < msg->msg_iovlen && total < cap; i++) {
		size_t n = iov[i].iov_len < cap - total ? iov[i].iov_len : cap - total;

		if (iov[i].iov_len > cap - total && cap == DATAGRAM_MAX)
			rc = -EMSGSIZE;
		else
			rc = call_read(&job->call, (uintptr_t)iov[i].iov_base, out->data + total, n);
		total += n;
	}
	free(iov);
	out->len = total;
	if (rc == 0 && msg->msg_control && msg->msg_controllen) {
		if (msg->msg_controllen > sizeof(out->control))
			return -ENOBUFS;
		out->control_len = msg->msg_controllen;
		rc = call_read(&job->call, (uintptr_t)msg->msg_control, out->control,
			       out->control_len);
	}
	return rc;
}

static int send_payload(int fd, const struct payload *p, int flags, const struct sockaddr *to,
			socklen_t tolen)
{
	struct iovec iov = { p->data, p->len };
	struct msghdr msg = {
		.msg_name = (void *)to, .msg_namelen = tolen, .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = p->control_len ? (void *)p->control : NULL,
		.msg_controllen = p->control_len,
	};
	ssize_t n = sendmsg(fd, &msg, (flags & ~MSG_FASTOPEN) | MSG_NOSIGNAL);

	return n < 0 ? -errno : (int)n;
}

/* Whether a datagram goes to the DNS stub: its answer must then look as if it came from dest. */
static bool to_stub(const struct supervisor *sv, const struct sockaddr_storage *to)
{
	/* sin_port and sin6_port lie at the same offset; the stub listens on no other port. */
	return ((const struct sockaddr_in *)to)->sin_port == sv->stub_udp.sin_port;
}

/* What the send does, on the supervisor's copy of the socket; the count or a negative errno. */
static int send_copy(struct job *job, int fd, int flags, bool is_sendmsg)
{
	const struct sockaddr *sa = (const struct sockaddr *)&job->addr;
	const struct seccomp_data *d = &job->call.req->data;
	struct payload p = { 0 };
	struct sockaddr_storage to;
	struct netaddr dest;
	int domain = AF_UNSPEC, type = carry_socket_type(fd, &domain), rc;
	struct msghdr msg;

	if (type < 0)
		return -ENOTSOCK;
	if (netaddr_from_sockaddr(sa, job->addrlen, &dest) < 0 ||
	    (domain != AF_INET && domain != AF_INET6))
		return -EINVAL;
	if (type == SOCK_STREAM) {
		rc = carry_stream(job->call.sv, fd, sa, job->addrlen, &dest);	/* Fast Open */
		memset(&to, 0, sizeof(to));
	} else if (type == SOCK_DGRAM) {
		rc = carry_datagram_target(job->call.sv, fd, &dest, sa, job->addrlen,
					   is_sendmsg ? "sendmsg" : "sendto", &to);
		if (rc > 0 && to_stub(job->call.sv, &to))
			dns_reply_expect(fd, sa, job->addrlen);
	} else {
		return -EACCES;
	}
	if (rc < 0)
		return rc;
	if (is_sendmsg) {
		rc = call_read(&job->call, d->args[1], &msg, sizeof(msg));
		if (rc == 0)
			rc = read_iovecs(job, &msg, type == SOCK_DGRAM ? DATAGRAM_MAX : FASTOPEN_MAX,
					 &p);
	} else
		rc = read_buffer(job, d->args[1], d->args[2],
				 type == SOCK_DGRAM ? DATAGRAM_MAX : FASTOPEN_MAX, &p);
	if (rc == 0)
		rc = type == SOCK_STREAM ? send_payload(fd, &p, flags, NULL, 0)
					 : send_payload(fd, &p, flags, (struct sockaddr *)&to,
							(socklen_t)(to.ss_family == AF_INET6
								    ? sizeof(struct sockaddr_in6)
								    : sizeof(struct sockaddr_in)));
	free(p.data);
	return rc;
}

static void send_work(struct job *job, int flags, bool is_sendmsg)
{
	int fd = (int)job->call.req->data.args[0];
	int copy = call_take_fd(&job->call, fd), rc;

	if (copy == -ENOENT)
		return;
	if (copy < 0) {
		call_answer(&job->call, 0, copy == -EBADF ? -EBADF : -EACCES);
		return;
	}
	rc = send_copy(job, copy, flags, is_sendmsg);
	close(copy);
	call_answer(&job->call, rc < 0 ? 0 : rc, rc < 0 ? rc : 0);
}

static void sendto_work(struct job *job)
{
	send_work(job, (int)job->call.req->data.args[3], false);
}

static void sendmsg_work(struct job *job)
{
	send_work(job, (int)job->call.req->data.args[2], true);
}

/*
 * A stream socket's send ignores the address unless it is a Fast Open, and
 * the flags are in a register no other thread can change: those continue.
 * Anything else with an internet address is the supervisor's.
 */
static bool take_if_internet(struct job *job, int rc, int flags, void (*work)(struct job *))
{
	int fd = (int)job->call.req->data.args[0], copy, domain, type;

	if (rc <= 0) {
		if (rc < 0)
			call_answer(&job->call, 0, rc);
		else
			call_continue(&job->call);
		return false;
	}
	if (!(flags & MSG_FASTOPEN)) {
		copy = call_take_fd(&job->call, fd);
		type = copy < 0 ? -1 : carry_socket_type(copy, &domain);
		if (copy >= 0)
			close(copy);
		if (type == SOCK_STREAM) {
			call_continue(&job->call);
			return false;
		}
	}
	job->work = work;
	return true;
}

bool sendto_peek(struct job *job)
{
	const struct seccomp_data *d = &job->call.req->data;

	return take_if_internet(job, job_read_address(job, d->args[4], d->args[5]),
				(int)d->args[3], sendto_work);
}

bool sendmsg_peek(struct job *job)
{
	const struct seccomp_data *d = &job->call.req->data;
	struct msghdr msg;
	int rc = call_read(&job->call, d->args[1], &msg, sizeof(msg));

	if (rc == 0 && msg.msg_name == NULL)
		rc = 0;	/* a connected socket's send: judged at its connect */
	else if (rc == 0)
		rc = job_read_address(job, (uintptr_t)msg.msg_name, msg.msg_namelen);
	return take_if_internet(job, rc, (int)d->args[2], sendmsg_work);
}

/*
 * sendmmsg with internet destinations is refused: glibc and Go send
 * several datagrams at once on connected sockets only.
 */
bool sendmmsg_peek(struct job *job)
{
	const struct seccomp_data *d = &job->call.req->data;
	unsigned vlen = (unsigned)d->args[2], i;
	struct mmsghdr m;
	int rc = 0;

	for (i = 0; i < vlen && i < IOV_MAX && rc == 0; i++) {
		rc = call_read(&job->call, d->args[1] + i * sizeof(m), &m, sizeof(m));
		if (rc == 0 && m.msg_hdr.msg_name)
			rc = job_read_address(job, (uintptr_t)m.msg_hdr.msg_name,
					      m.msg_hdr.msg_namelen);
	}
	if (rc > 0) {
		shim_log(shim_config(), VERBOSITY_DEFAULT, "process %u: sendmmsg to internet "
			 "addresses refused: the supervisor carries sendto and sendmsg",
			 job->call.req->pid);
		rc = -EPERM;
	}
	if (rc < 0)
		call_answer(&job->call, 0, rc);
	else
		call_continue(&job->call);
	return false;
}
