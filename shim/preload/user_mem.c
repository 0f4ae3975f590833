/*
 * process_vm_readv() and process_vm_writev() on our own process: the kernel
 * checks the addresses and answers EFAULT (a process may always inspect
 * itself, whatever ptrace policy is set). Where a sandbox forbids them
 * (EPERM, ENOSYS), plain copies do what the library did before.
 *
 * Most programs build the address they connect to on their own stack: the
 * calling thread's stack above the current frame is mapped, so memory there
 * is copied at once, without the two system calls.
 */
#define _GNU_SOURCE
#include "user_mem.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Per thread: its stack's bounds, learnt on first use; top 1 when they cannot be. */
static __thread uintptr_t stack_bottom __attribute__((tls_model("initial-exec")));
static __thread uintptr_t stack_top __attribute__((tls_model("initial-exec")));

static void learn_stack(void)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;
	int saved = errno;

	stack_top = 1;
	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		goto out;
	if (pthread_attr_getstack(&attr, &addr, &size) == 0 && size > 0) {
		stack_bottom = (uintptr_t)addr;
		stack_top = stack_bottom + size;
	}
	pthread_attr_destroy(&attr);
out:
	errno = saved;
}

/*
 * Whether [p, p + n) lies between this frame and the top of the thread's
 * stack. A frame outside the stack (a signal's alternate stack, a
 * coroutine's) says no: what is above it is not known to be mapped.
 */
static bool on_own_stack(const void *p, size_t n)
{
	uintptr_t frame = (uintptr_t)__builtin_frame_address(0), a = (uintptr_t)p;

	if (stack_top == 0)
		learn_stack();
	return frame >= stack_bottom && frame < stack_top && a >= frame && a < stack_top &&
	       n <= stack_top - a;
}

static int forbidden(int err)
{
	return err == EPERM || err == ENOSYS;
}

int user_read(void *dst, const void *src, size_t n)
{
	struct iovec local = { dst, n }, remote = { (void *)src, n };
	int saved = errno;
	ssize_t got;

	if (n == 0)
		return 0;
	if (on_own_stack(src, n)) {
		memcpy(dst, src, n);
		return 0;
	}
	got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	if (got < 0 && forbidden(errno)) {
		memcpy(dst, src, n);
		got = (ssize_t)n;
	}
	errno = saved;
	return got == (ssize_t)n ? 0 : -EFAULT;
}

int user_write(void *dst, const void *src, size_t n)
{
	struct iovec local = { (void *)src, n }, remote = { dst, n };
	int saved = errno;
	ssize_t put;

	if (n == 0)
		return 0;
	if (on_own_stack(dst, n)) {
		memcpy(dst, src, n);
		return 0;
	}
	put = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	if (put < 0 && forbidden(errno)) {
		memcpy(dst, src, n);
		put = (ssize_t)n;
	}
	errno = saved;
	return put == (ssize_t)n ? 0 : -EFAULT;
}

int user_read_sockaddr(const struct sockaddr *addr, socklen_t len,
		       struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (len > sizeof(*out))
		return 1;
	return user_read(out, addr, len);
}

int user_read_on_stack(void *dst, const void *src, size_t n)
{
	if (!on_own_stack(src, n))
		return 1;
	memcpy(dst, src, n);
	return 0;
}

int user_read_sockaddr_on_stack(const struct sockaddr *addr, socklen_t len,
				struct sockaddr_storage *out)
{
	if (len > sizeof(*out) || !on_own_stack(addr, len))
		return 1;
	memset(out, 0, sizeof(*out));
	memcpy(out, addr, len);
	return 0;
}
