/*
 * What a program does on a socket whose chain is still being dialed in the
 * background (async_conn.h): each call waits for that chain, bounded by its
 * deadlines, then goes on, or reports the chain's errno once, like a direct
 * connect that failed. close() and dup() keep the count of the program's
 * descriptors of the socket. Every other descriptor costs one load.
 */
#define _GNU_SOURCE
#include "async_conn.h"
#include "export.h"
#include "real.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* In a hook: the chain first, if fd has one under way. */
#define SETTLE(fd) \
	do { \
		if (async_marked(fd) && async_settle(fd) < 0) \
			return -1; \
	} while (0)

/* In a hook: fn, or ENOSYS when there is no next definition. */
#define NEED_FN() \
	do { \
		if (!fn) { \
			errno = ENOSYS; \
			return -1; \
		} \
	} while (0)

typedef ssize_t (*read_t)(int, void *, size_t);
typedef ssize_t (*write_t)(int, const void *, size_t);
typedef ssize_t (*readv_t)(int, const struct iovec *, int);
typedef ssize_t (*recv_t)(int, void *, size_t, int);
typedef ssize_t (*send_t)(int, const void *, size_t, int);
typedef ssize_t (*recvfrom_t)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
typedef ssize_t (*recvmsg_t)(int, struct msghdr *, int);
typedef int (*shutdown_t)(int, int);
typedef int (*getsockopt_t)(int, int, int, void *, socklen_t *);
typedef int (*ioctl_t)(int, unsigned long, void *);
typedef int (*close_t)(int);
typedef int (*dup_t)(int);
typedef int (*dup2_t)(int, int);
typedef int (*dup3_t)(int, int, int);
typedef ssize_t (*sendfile_t)(int, int, off_t *, size_t);
typedef ssize_t (*splice_t)(int, loff_t *, int, loff_t *, size_t, unsigned int);

SHIM_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	REAL(read_t, read);

	NEED_FN();
	SETTLE(fd);
	return fn(fd, buf, n);
}

SHIM_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	REAL(write_t, write);

	NEED_FN();
	SETTLE(fd);
	return fn(fd, buf, n);
}

SHIM_EXPORT ssize_t readv(int fd, const struct iovec *iov, int n)
{
	REAL(readv_t, readv);

	NEED_FN();
	SETTLE(fd);
	return fn(fd, iov, n);
}

SHIM_EXPORT ssize_t writev(int fd, const struct iovec *iov, int n)
{
	REAL(readv_t, writev);

	NEED_FN();
	SETTLE(fd);
	return fn(fd, iov, n);
}

SHIM_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	REAL(recv_t, recv);

	NEED_FN();
	SETTLE(fd);
	return fn(fd, buf, n, flags);
}

SHIM_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	REAL(send_t, send);

	NEED_FN();
	SETTLE(fd);
	return fn(fd, buf, n, flags);
}

SHIM_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr,
			     socklen_t *len)
{
	REAL(recvfrom_t, recvfrom);

	NEED_FN();
	SETTLE(fd);
	return fn(fd, buf, n, flags, addr, len);
}

SHIM_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	REAL(recvmsg_t, recvmsg);

	NEED_FN();
	SETTLE(fd);
	return fn(fd, msg, flags);
}

SHIM_EXPORT int shutdown(int fd, int how)
{
	REAL(shutdown_t, shutdown);

	NEED_FN();
	SETTLE(fd);
	return fn(fd, how);
}

SHIM_EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
{
	REAL(sendfile_t, sendfile);

	NEED_FN();
	SETTLE(out_fd);
	return fn(out_fd, in_fd, offset, count);
}

SHIM_EXPORT ssize_t splice(int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t len,
			   unsigned int flags)
{
	REAL(splice_t, splice);

	NEED_FN();
	SETTLE(fd_in);
	SETTLE(fd_out);
	return fn(fd_in, off_in, fd_out, off_out, len, flags);
}

/* SO_ERROR of a pending chain is 0, as for a connect in progress; of a failed one, its errno. */
SHIM_EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	REAL(getsockopt_t, getsockopt);
	int err;

	NEED_FN();
	if (level == SOL_SOCKET && name == SO_ERROR && val && len && *len >= sizeof(int) &&
	    async_marked(fd) && async_so_error(fd, &err)) {
		*(int *)val = err;
		*len = sizeof(int);
		return 0;
	}
	return fn(fd, level, name, val, len);
}

SHIM_EXPORT int ioctl(int fd, unsigned long request, ...)
{
	REAL(ioctl_t, ioctl);
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	NEED_FN();
	if (request == FIONREAD || request == TIOCOUTQ)
		SETTLE(fd);
	return fn(fd, request, arg);
}

SHIM_EXPORT int close(int fd)
{
	REAL(close_t, close);

	NEED_FN();
	if (async_before_close(fd))
		return 0;
	return fn(fd);
}

SHIM_EXPORT int dup(int fd)
{
	REAL(dup_t, dup);
	int rc;

	NEED_FN();
	rc = fn(fd);
	async_after_dup(fd, rc);
	return rc;
}

SHIM_EXPORT int dup2(int oldfd, int newfd)
{
	REAL(dup2_t, dup2);
	int rc;

	NEED_FN();
	if (oldfd != newfd)
		async_before_close(newfd);
	rc = fn(oldfd, newfd);
	if (oldfd != newfd)
		async_after_dup(oldfd, rc);
	return rc;
}

SHIM_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	REAL(dup3_t, dup3);
	int rc;

	NEED_FN();
	if (oldfd != newfd)
		async_before_close(newfd);
	rc = fn(oldfd, newfd, flags);
	async_after_dup(oldfd, rc);
	return rc;
}
