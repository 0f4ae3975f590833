/*
 * The caller's memory, read and written as the kernel does: a bad pointer
 * is EFAULT, not a crash inside the library. Hooks copy what they judge
 * once, then act on the copy, so another thread cannot change it between
 * the judgement and the system call.
 */
#ifndef SOCKSCHAIN_USER_MEM_H
#define SOCKSCHAIN_USER_MEM_H

#include <stddef.h>
#include <sys/socket.h>

/* 0, or -EFAULT when any of the n bytes at src cannot be read. */
int user_read(void *dst, const void *src, size_t n);

/* 0, or -EFAULT when any of the n bytes at dst cannot be written. */
int user_write(void *dst, const void *src, size_t n);

/*
 * Copies a socket address the caller passed with length len into out,
 * zeroing the rest: 0, -EFAULT, or 1 when len is more than any address
 * (the kernel refuses that with EINVAL before it reads a byte).
 */
int user_read_sockaddr(const struct sockaddr *addr, socklen_t len,
		       struct sockaddr_storage *out);

/*
 * The same, but only where that costs no system call: memory on the calling
 * thread's own stack (where most programs build what they pass), which
 * cannot be a bad pointer. 0 with dst or out set; 1, untouched, for
 * anything else.
 */
int user_read_on_stack(void *dst, const void *src, size_t n);
int user_read_sockaddr_on_stack(const struct sockaddr *addr, socklen_t len,
				struct sockaddr_storage *out);

#endif
