/*
 * What a program does on a socket whose chain is still being dialed in the
 * background (async_conn.h): each call waits for that chain, bounded by its
 * deadlines, then goes on, or reports the chain's errno once, like a direct
 * connect that failed. close(), dup() and fcntl(F_DUPFD) keep the count of
 * the program's descriptors of the socket. Every other descriptor costs one
 * load. The fortified entry points (_FORTIFY_SOURCE: __read_chk and the
 * like) call libc's own read inside, past the hook: they wait here too.
 */
#define _GNU_SOURCE
#include "async_conn.h"
#include "epoll_note.h"
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
typedef int (*recvmmsg_t)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
typedef ssize_t (*read_chk_t)(int, void *, size_t, size_t);
typedef ssize_t (*recv_chk_t)(int, void *, size_t, size_t, int);
typedef ssize_t (*recvfrom_chk_t)(int, void *, size_t, size_t, int, struct sockaddr *,
				  socklen_t *);
typedef int (*fcntl_t)(int, int, ...);
typedef int (*shutdown_t)(int, int);
typedef int (*getsockopt_t)(int, int, int, void *, socklen_t *);
typedef int (*ioctl_t)(int, unsigned long, void *);
typedef int (*close_t)(int);
typedef int (*dup_t)(int);
typedef int (*dup2_t)(int, int);
typedef int (*dup3_t)(int, int, int);
typedef ssize_t (*sendfile_t)(int, int, off_t *, size_t);
typedef ssize_t (*sendfile64_t)(int, int, off64_t *, size_t);
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

SHIM_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
			 struct timespec *timeout)
{
	REAL(recvmmsg_t, recvmmsg);

	NEED_FN();
	SETTLE(fd);
	return fn(fd, vec, vlen, flags, timeout);
}

SHIM_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	REAL(read_chk_t, __read_chk);

	NEED_FN();
	SETTLE(fd);
	return fn(fd, buf, n, buflen);
}

SHIM_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	REAL(recv_chk_t, __recv_chk);

	NEED_FN();
	SETTLE(fd);
	return fn(fd, buf, n, buflen, flags);
}

SHIM_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
				   struct sockaddr *addr, socklen_t *len)
{
	REAL(recvfrom_chk_t, __recvfrom_chk);

	NEED_FN();
	SETTLE(fd);
	return fn(fd, buf, n, buflen, flags, addr, len);
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

/* What programs built with _FILE_OFFSET_BITS=64 call (nginx does). */
SHIM_EXPORT ssize_t sendfile64(int out_fd, int in_fd, off64_t *offset, size_t count)
{
	REAL(sendfile64_t, sendfile64);

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

/* newfd (a result: -1 for none) is a new name of oldfd's socket: no epoll note of its own. */
static void copied(int oldfd, int newfd)
{
	epoll_note_forget(newfd);
	async_after_dup(oldfd, newfd);
}

SHIM_EXPORT int close(int fd)
{
	REAL(close_t, close);

	NEED_FN();
	if (async_before_close(fd))
		return 0;
	epoll_note_forget(fd);
	return fn(fd);
}

SHIM_EXPORT int dup(int fd)
{
	REAL(dup_t, dup);
	int rc;

	NEED_FN();
	rc = fn(fd);
	copied(fd, rc);
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
		copied(oldfd, rc);
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
	copied(oldfd, rc);
	return rc;
}

/* fcntl's third argument: none, an int, or (every other command) a pointer. */
enum fcntl_arg { ARG_NONE, ARG_INT, ARG_PTR };

static enum fcntl_arg fcntl_arg_of(int cmd)
{
	switch (cmd) {
	case F_GETFD: case F_GETFL: case F_GETOWN: case F_GETSIG: case F_GETLEASE:
	case F_GETPIPE_SZ: case F_GET_SEALS:
		return ARG_NONE;
	case F_DUPFD: case F_DUPFD_CLOEXEC: case F_SETFD: case F_SETFL: case F_SETOWN:
	case F_SETSIG: case F_SETLEASE: case F_NOTIFY: case F_SETPIPE_SZ: case F_ADD_SEALS:
		return ARG_INT;
	default:
		return ARG_PTR;	/* locks, owners, hints, and what comes: passed on whole */
	}
}

/* F_DUPFD and F_DUPFD_CLOEXEC are dup()s: the copy is followed like dup()'s. */
static int hook_fcntl(fcntl_t fn, int fd, int cmd, va_list ap)
{
	enum fcntl_arg kind = fcntl_arg_of(cmd);
	void *ptr = NULL;
	int arg = 0, rc, saved;

	if (kind == ARG_PTR)
		ptr = va_arg(ap, void *);
	else if (kind == ARG_INT)
		arg = va_arg(ap, int);
	rc = kind == ARG_PTR ? fn(fd, cmd, ptr) : fn(fd, cmd, arg);
	if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && rc >= 0) {
		saved = errno;
		copied(fd, rc);
		errno = saved;
	}
	return rc;
}

SHIM_EXPORT int fcntl(int fd, int cmd, ...)
{
	REAL(fcntl_t, fcntl);
	va_list ap;
	int rc;

	NEED_FN();
	va_start(ap, cmd);
	rc = hook_fcntl(fn, fd, cmd, ap);
	va_end(ap);
	return rc;
}

/* What programs built with _FILE_OFFSET_BITS=64 call (nginx does). */
SHIM_EXPORT int fcntl64(int fd, int cmd, ...)
{
	REAL(fcntl_t, fcntl64);
	va_list ap;
	int rc;

	NEED_FN();
	va_start(ap, cmd);
	rc = hook_fcntl(fn, fd, cmd, ap);
	va_end(ap);
	return rc;
}
