/*
 * syscall(): programs that call syscall(SYS_connect, ...) directly get the
 * same treatment as connect(), and likewise for the sends the leak guard
 * watches, for getpeername, for execve, and for the calls that wait for a
 * chain dialed in the background.
 */
#define _GNU_SOURCE
#include "export.h"
#include "hook_connect.h"
#include "hook_exec.h"
#include "real.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef long (*syscall_t)(long, ...);

/*
 * The kernel takes at most six arguments, and a caller passes only those its
 * call has: the sixth comes from the caller's stack, past what it pushed
 * (libc's syscall() reads it the same way). Harmless, but AddressSanitizer
 * flags it, so this read is not instrumented.
 */
__attribute__((no_sanitize_address)) static void read_arguments(long a[6], va_list ap)
{
	int i;

	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
}

SHIM_EXPORT long syscall(long number, ...)
{
	REAL(syscall_t, syscall);
	long a[6];
	va_list ap;

	va_start(ap, number);
	read_arguments(a, ap);
	va_end(ap);
	switch (number) {
	case SYS_connect:
		return shim_connect((int)a[0], (const struct sockaddr *)a[1], (socklen_t)a[2]);
	case SYS_sendto:
		return sendto((int)a[0], (const void *)a[1], (size_t)a[2], (int)a[3],
			      (const struct sockaddr *)a[4], (socklen_t)a[5]);
	case SYS_sendmsg:
		return sendmsg((int)a[0], (const struct msghdr *)a[1], (int)a[2]);
	case SYS_sendmmsg:
		return sendmmsg((int)a[0], (struct mmsghdr *)a[1], (unsigned int)a[2], (int)a[3]);
	case SYS_getpeername:
		return getpeername((int)a[0], (struct sockaddr *)a[1], (socklen_t *)a[2]);
	/* what waits for a chain dialed in the background (async_conn.h) */
	case SYS_read:
		return read((int)a[0], (void *)a[1], (size_t)a[2]);
	case SYS_write:
		return write((int)a[0], (const void *)a[1], (size_t)a[2]);
	case SYS_recvfrom:
		return recvfrom((int)a[0], (void *)a[1], (size_t)a[2], (int)a[3],
				(struct sockaddr *)a[4], (socklen_t *)a[5]);
	case SYS_getsockopt:
		return getsockopt((int)a[0], (int)a[1], (int)a[2], (void *)a[3], (socklen_t *)a[4]);
	case SYS_shutdown:
		return shutdown((int)a[0], (int)a[1]);
	case SYS_close:
		return close((int)a[0]);
	case SYS_execve:
		return shim_execve((const char *)a[0], (char *const *)a[1], (char *const *)a[2]);
	case SYS_execveat:
		return shim_execveat((int)a[0], (const char *)a[1], (char *const *)a[2],
				     (char *const *)a[3], (int)a[4]);
	}
	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
