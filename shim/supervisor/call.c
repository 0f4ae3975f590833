#define _GNU_SOURCE
#include "call.h"

#include "pidfds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

struct seccomp_notif *call_alloc(const struct supervisor *sv)
{
	size_t size = sv->sizes.seccomp_notif;

	if (size < sizeof(struct seccomp_notif))
		size = sizeof(struct seccomp_notif);
	return calloc(1, size);
}

int call_read(const struct call *c, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	if (len == 0)
		return 0;
	n = process_vm_readv((pid_t)c->req->pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

int call_write(const struct call *c, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { (void *)buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	if (len == 0)
		return 0;
	n = process_vm_writev((pid_t)c->req->pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

bool call_valid(const struct call *c)
{
	__u64 id = c->req->id;

	return ioctl(c->sv->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

int call_take_fd(const struct call *c, int fd)
{
	int copy = pidfds_getfd((pid_t)c->req->pid, fd);

	/* The pid may have been reused between the notification and the copy. */
	if (copy >= 0 && !call_valid(c)) {
		close(copy);
		return -ENOENT;
	}
	return copy;
}

static void send_response(const struct call *c, int64_t val, int err, __u32 flags)
{
	size_t size = c->sv->sizes.seccomp_notif_resp;
	struct seccomp_notif_resp *resp;

	if (size < sizeof(*resp))
		size = sizeof(*resp);
	resp = calloc(1, size);
	if (!resp)
		return;	/* the caller then waits until it is killed: closed, not open */
	resp->id = c->req->id;
	resp->val = val;
	resp->error = err;
	resp->flags = flags;
	/* ENOENT: the caller is gone, or was interrupted; nothing to answer. */
	ioctl(c->sv->listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
	free(resp);
}

void call_answer(const struct call *c, int64_t val, int err)
{
	send_response(c, err ? 0 : val, err, 0);
}

void call_continue(const struct call *c)
{
	send_response(c, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
}
