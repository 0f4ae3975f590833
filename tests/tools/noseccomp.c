/*
 * noseccomp - runs a program where seccomp(2) fails, as on a kernel without
 * it or under a container policy that forbids it: a filter of its own
 * answers every seccomp() of the program (and of what it starts) with the
 * errno named. prctl(PR_SET_SECCOMP) is refused the same way.
 *
 * Usage: noseccomp ENOSYS|EINVAL|EPERM|EACCES PROGRAM [ARG...]
 *
 * Exits 2 on usage errors, 126 when the filter cannot be installed or the
 * program cannot be run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "noseccomp: add this architecture's AUDIT_ARCH"
#endif

static const struct {
	const char *name;
	int value;
} errnos[] = { { "ENOSYS", ENOSYS }, { "EINVAL", EINVAL }, { "EPERM", EPERM }, { "EACCES", EACCES } };

static int errno_named(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strcmp(name, errnos[i].name) == 0)
			return errnos[i].value;
	return -1;
}

static int install(int err)
{
	/* Calls of another architecture pass: this tool only stands for a missing seccomp. */
	struct sock_filter program[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 0, 6),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_SECCOMP, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(program) / sizeof(program[0]), .filter = program };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

int main(int argc, char **argv)
{
	int err = argc >= 3 ? errno_named(argv[1]) : -1;

	if (err < 0) {
		fprintf(stderr, "usage: noseccomp ENOSYS|EINVAL|EPERM|EACCES PROGRAM [ARG...]\n");
		return 2;
	}
	if (install(err) < 0) {
		fprintf(stderr, "noseccomp: cannot install the filter: %s\n", strerror(errno));
		return 126;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "noseccomp: %s: %s\n", argv[2], strerror(errno));
	return 126;
}
