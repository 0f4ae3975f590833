/*
 * The listener is handed over by number, and the supervisor takes it with
 * pidfd_getfd: the child could not send it with SCM_RIGHTS, since sendmsg
 * is one of the calls its new filter makes wait for the supervisor, which
 * would not have the listener to answer with.
 */
#define _GNU_SOURCE
#include "child.h"

#include "filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void fail(const char *path, const char *what, int err) __attribute__((noreturn));

static void fail(const char *path, const char *what, int err)
{
	dprintf(STDERR_FILENO, "sockschain: cannot run %s under the supervisor: %s: %s\n", path,
		what, strerror(err));
	_exit(125);
}

static const char *install_error(int err)
{
	switch (err) {
	case EBUSY:
		return "it is under a seccomp supervisor already (one listener per process tree)";
	case EINVAL:
	case ENOSYS:
		return "this kernel has no seccomp user notification (Linux 5.0)";
	case EACCES:
	case EPERM:
		return "seccomp is forbidden here (a container policy?)";
	default:
		return "seccomp";
	}
}

void child_run(int sock, const char *path, char **argv, exec_fn exec_program,
	       const sigset_t *mask)
{
	int listener = filter_install();
	ssize_t n;
	char ack;

	if (listener < 0)
		fail(path, install_error(-listener), -listener);
	if (write(sock, &listener, sizeof(listener)) != sizeof(listener))
		fail(path, "handing the listener over", errno);
	n = read(sock, &ack, 1);
	if (n != 1)
		fail(path, "the supervisor did not take the listener", n < 0 ? errno : EPIPE);
	close(listener);
	close(sock);
	/*
	 * The library in the tree: its leak guard hands DNS and UDP to us, and
	 * its exec guard lets through what it cannot reach, since we do.
	 */
	if (setenv("SOCKS_CHAIN_SUPERVISED", "1", 1) < 0 || setenv("SOCKS_CHAIN_NO_CHECK", "1", 1) < 0)
		fail(path, "setenv", errno);
	sigprocmask(SIG_SETMASK, mask, NULL);
	exec_program(path, argv);
	dprintf(STDERR_FILENO, "sockschain: %s: %s\n", path, strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}
