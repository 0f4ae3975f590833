/*
 * The BPF program. On this machine's own architecture:
 *
 *   connect with the library's own
 *     address length (OWN_CONNECT_ADDRLEN) -> allowed (its hop connects)
 *   connect, sendmsg, sendmmsg          -> the supervisor (USER_NOTIF)
 *   getpeername                         -> the supervisor (a carried socket's destination)
 *   sendto with a destination address   -> the supervisor
 *   io_uring_setup                      -> ENOSYS (programs fall back to epoll;
 *                                          io_uring's connects never pass here)
 *   x32 system calls                    -> EPERM (an ABI we do not read)
 *   anything else                       -> allowed
 *
 * A 32-bit x86 program reaches the network through other numbers (and
 * socketcall); the supervisor does not read its structures, so those calls
 * are refused with EPERM rather than let through.
 */
#define _GNU_SOURCE
#include "filter.h"

#include "../common/own_connect.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#define HAVE_COMPAT_I386 1
#define X32_SYSCALL_BIT 0x40000000u
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "the supervisor's filter knows x86-64 and aarch64 only"
#endif

/* i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl): its ways onto the network. */
enum {
	I386_SOCKETCALL = 102,
	I386_SENDMMSG = 345,
	I386_CONNECT = 362,
	I386_SENDTO = 369,
	I386_SENDMSG = 370,
	I386_IO_URING_SETUP = 425,
};

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define LOAD_AT(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define RET(verdict) BPF_STMT(BPF_RET | BPF_K, (verdict))
/* if A == k skip t instructions, else skip f */
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define JGE(k, t, f) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (k), (t), (f))

#define ARG_LO(n) (offsetof(struct seccomp_data, args) + (n) * sizeof(__u64))
#define ARG_HI(n) (ARG_LO(n) + sizeof(__u32))	/* little-endian */

static const struct sock_filter program[] = {
	LOAD(arch),
	JEQ(NATIVE_ARCH, 1, 0),
	BPF_JUMP(BPF_JMP | BPF_JA, 22, 0, 0),		/* -> foreign */
	LOAD(nr),
#ifdef X32_SYSCALL_BIT
	JGE(X32_SYSCALL_BIT, 0, 1),
	RET(SECCOMP_RET_ERRNO | EPERM),
#else
	JEQ(0xffffffffu, 0, 1),				/* keeps the jumps the same length */
	RET(SECCOMP_RET_ALLOW),
#endif
	JEQ(__NR_connect, 14, 0),			/* -> connect */
	JEQ(__NR_getpeername, 5, 0),
	JEQ(__NR_sendmsg, 4, 0),
	JEQ(__NR_sendmmsg, 3, 0),
	JEQ(__NR_io_uring_setup, 3, 0),
	JEQ(__NR_sendto, 3, 0),
	RET(SECCOMP_RET_ALLOW),
	RET(SECCOMP_RET_USER_NOTIF),			/* connect, getpeername, sendmsg, sendmmsg */
	RET(SECCOMP_RET_ERRNO | ENOSYS),		/* io_uring_setup */
	/* sendto: only with a destination, so send() on a connected socket costs nothing */
	LOAD_AT(ARG_LO(4)),
	JEQ(0, 0, 3),
	LOAD_AT(ARG_HI(4)),
	JEQ(0, 0, 1),
	RET(SECCOMP_RET_ALLOW),
	RET(SECCOMP_RET_USER_NOTIF),
	/* connect: the library's own connects pass (the kernel reads the length as an int) */
	LOAD_AT(ARG_LO(2)),
	JEQ(OWN_CONNECT_ADDRLEN, 0, 1),
	RET(SECCOMP_RET_ALLOW),
	RET(SECCOMP_RET_USER_NOTIF),
	/* foreign: */
#ifdef HAVE_COMPAT_I386
	JEQ(AUDIT_ARCH_I386, 0, 9),
	LOAD(nr),
	JEQ(I386_SOCKETCALL, 6, 0),
	JEQ(I386_SENDMMSG, 5, 0),
	JEQ(I386_CONNECT, 4, 0),
	JEQ(I386_SENDTO, 3, 0),
	JEQ(I386_SENDMSG, 2, 0),
	JEQ(I386_IO_URING_SETUP, 1, 0),
	RET(SECCOMP_RET_ALLOW),
	RET(SECCOMP_RET_ERRNO | EPERM),
#endif
	RET(SECCOMP_RET_KILL_PROCESS),			/* an architecture this build cannot judge */
};

int filter_install(void)
{
	struct sock_fprog prog = {
		.len = sizeof(program) / sizeof(program[0]),
		.filter = (struct sock_filter *)program,
	};
	int fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
			  &prog);
	if (fd < 0 && errno == EINVAL)	/* before 5.19: without the killable wait */
		fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				  SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	return fd < 0 ? -errno : fd;
}
