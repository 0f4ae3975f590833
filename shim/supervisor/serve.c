#define _GNU_SOURCE
#include "serve.h"

#include "../common/config.h"
#include "../common/log.h"
#include "child.h"
#include "dns_stub.h"
#include "notify.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct tree {
	int report_fd;		/* -1 once the program's end is told */
	pid_t program;
	pid_t launcher;		/* our parent, while getppid() still says so */
};

static void send_report(int fd, int kind, int value)
{
	struct report r = { kind, value };

	if (write(fd, &r, sizeof(r)) != sizeof(r))
		return;	/* the launcher is gone: nobody waits for the news */
}

/*
 * The supervisor holds none of the terminal or pipes the program was given
 * (a shell's $(...) would wait for it): stdin and stdout at once, stderr past
 * the program's end, when only the background is served (its messages then
 * go to SOCKS_CHAIN_LOG only).
 */
static void detach_stdio(int upto)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), fd;

	if (null < 0)
		return;
	for (fd = 0; fd <= upto; fd++)
		dup2(null, fd);
	close(null);
}

static void on_exit_of(pid_t pid, int status, void *arg)
{
	struct tree *tree = arg;

	if (pid != tree->program || tree->report_fd < 0)
		return;
	if (WIFSTOPPED(status)) {
		send_report(tree->report_fd, REPORT_STOP, WSTOPSIG(status));
		return;
	}
	if (WIFCONTINUED(status)) {
		send_report(tree->report_fd, REPORT_CONT, 0);
		/* A stopped launcher reads no pipe; continued by someone else than the shell? */
		if (getppid() == tree->launcher)
			kill(tree->launcher, SIGCONT);
		return;
	}
	send_report(tree->report_fd, REPORT_STATUS, status);
	close(tree->report_fd);
	tree->report_fd = -1;
	detach_stdio(STDERR_FILENO);
}

/* Takes the listener from the program (our child, still dumpable) by number. */
static int take_listener(int sock, pid_t program)
{
	int number, pidfd, fd;

	if (read(sock, &number, sizeof(number)) != sizeof(number))
		return -EPIPE;	/* it failed, and said why */
	pidfd = (int)syscall(SYS_pidfd_open, program, 0);
	if (pidfd < 0)
		return -errno;
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, number, 0);
	fd = fd < 0 ? -errno : fd;
	close(pidfd);
	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* Everything blocked but the faults: the supervisor stops for no terminal and dies of nothing sent. */
static int block_signals(void)
{
	sigset_t all, chld;

	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	sigprocmask(SIG_BLOCK, &all, NULL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	return signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void start_failed(int report_fd, const char *what, int err)
{
	dprintf(STDERR_FILENO, "sockschain: cannot start the supervisor: %s: %s\n", what,
		strerror(err));
	send_report(report_fd, REPORT_STATUS, 125 << 8);
	_exit(125);
}

void serve_tree(int report_fd, const char *path, char **argv, exec_fn exec_program,
		const sigset_t *program_mask)
{
	static struct supervisor sv = { .listener = -1 };
	struct tree tree = { .report_fd = report_fd, .launcher = getppid() };
	int sock[2], sigfd = block_signals(), rc;

	/* Orphans of the tree come to us, so they stay our descendants (Yama) and get reaped. */
	if (sigfd < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		start_failed(report_fd, "subreaper", errno);
	shim_config();	/* the chain, loaded once here before the tree can ask */
	rc = dns_stub_start(&sv);
	if (rc < 0)
		start_failed(report_fd, "DNS stub", -rc);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) < 0)
		start_failed(report_fd, "socketpair", errno);
	tree.program = fork();
	if (tree.program < 0)
		start_failed(report_fd, "fork", errno);
	if (tree.program == 0) {
		close(sock[0]);
		close(report_fd);
		child_run(sock[1], path, argv, exec_program, program_mask);
	}
	close(sock[1]);
	detach_stdio(STDOUT_FILENO);
	send_report(report_fd, REPORT_PID, tree.program);
	sv.listener = take_listener(sock[0], tree.program);
	if (sv.listener >= 0) {
		/* The tree (same uid) must not take the listener from us, nor read our memory. */
		prctl(PR_SET_DUMPABLE, 0);
		rc = notify_setup(&sv);
		if (rc == 0 && write(sock[0], "k", 1) != 1)
			rc = -EPIPE;
		if (rc < 0) {
			close(sv.listener);
			sv.listener = -1;
		}
	}
	close(sock[0]);	/* without the "k", the program ends before its exec */
	notify_serve(&sv, sigfd, on_exit_of, &tree);
	_exit(0);
}
