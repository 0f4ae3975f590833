/*
 * The launcher's side: it forks the supervisor, forwards the signals sent to
 * it to the program, and ends as the program ended. Signals a terminal sends
 * (Ctrl-C, Ctrl-\) reach the whole foreground process group, the program
 * included, and are not sent twice. All three stay in the shell's process
 * group and the supervisor blocks every signal, so the terminal's stops reach
 * the program alone: the launcher ignores them itself and stops only when,
 * and as, the program stopped (the supervisor, its parent, tells), so the
 * shell sees one job; the shell's SIGCONT reaches the program directly.
 */
#define _GNU_SOURCE
#include "supervise.h"

#include "report.h"
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

enum { EXIT_LAUNCHER = 125 };

static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
				 SIGWINCH, SIGALRM, SIGCONT };

/* SI_KERNEL: from the terminal, to the whole group; from the supervisor: its SIGCONT, mirrored. */
static void forward(int sigfd, pid_t program, pid_t supervisor)
{
	struct signalfd_siginfo si;

	while (read(sigfd, &si, sizeof(si)) == sizeof(si))
		if (program > 0 && si.ssi_code != SI_KERNEL && (pid_t)si.ssi_pid != supervisor)
			kill(program, (int)si.ssi_signo);
}

/* Dies of the program's signal, without a core of our own. */
static int mirror(int status)
{
	struct rlimit none = { 0, 0 };
	sigset_t one;
	int sig;

	if (!WIFSIGNALED(status))
		return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_LAUNCHER;
	sig = WTERMSIG(status);
	setrlimit(RLIMIT_CORE, &none);
	signal(sig, SIG_DFL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	return 128 + sig;
}

/*
 * A stop report can be stale: if we were stopped ourselves (a SIGSTOP sent to
 * us) while the program stopped, the shell's SIGCONT continues both before we
 * read it, and mirroring it then would show the shell a stop nobody made.
 * Where /proc cannot tell, the report is believed.
 */
static bool still_stopped(pid_t program)
{
	char path[64], line[512], *state;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)program);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return true;
	line[n] = '\0';
	/* "pid (comm) S ...": comm may hold anything, so the state follows the last ')'. */
	state = strrchr(line, ')');
	return !state || state[1] != ' ' || state[2] == 'T' || state[2] == 't';
}

/* Stops with the signal that stopped the program, so the shell sees its job stop; returns once continued. */
static void stop_like(int sig, pid_t program)
{
	sigset_t one;

	if (!still_stopped(program))
		return;
	if (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
		sig = SIGSTOP;
	signal(sig, SIG_DFL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	signal(sig, SIG_IGN);
}

enum { STOP_SIGNALS = 3 };
static const int stop_signals[STOP_SIGNALS] = { SIGTSTP, SIGTTIN, SIGTTOU };

/* The terminal's stops: ignored by the launcher, which stops only as the program did. */
static void ignore_terminal_stops(struct sigaction saved[STOP_SIGNALS])
{
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	int i;

	for (i = 0; i < STOP_SIGNALS; i++)
		sigaction(stop_signals[i], &ignore, &saved[i]);
}

static void restore_terminal_stops(const struct sigaction saved[STOP_SIGNALS])
{
	int i;

	for (i = 0; i < STOP_SIGNALS; i++)
		sigaction(stop_signals[i], &saved[i], NULL);
}

/*
 * Reads what the supervisor reported since last time: its pid, its stops and
 * continues (only the last counts: a stop already undone is not mirrored).
 * 1 while the program runs, 0 with *status at its end, -1 when the
 * supervisor went away first.
 */
static int read_reports(int report_fd, pid_t *program, int *status)
{
	struct report r[16];
	int stop = 0;
	ssize_t n, i;

	do
		n = read(report_fd, r, sizeof(r));
	while (n < 0 && errno == EINTR);
	if (n <= 0 || n % (ssize_t)sizeof(r[0]))
		return -1;
	for (i = 0; i < n / (ssize_t)sizeof(r[0]); i++) {
		if (r[i].kind == REPORT_PID)
			*program = r[i].value;
		else if (r[i].kind == REPORT_STOP)
			stop = r[i].value;
		else if (r[i].kind == REPORT_CONT)
			stop = 0;
		else {
			*status = r[i].value;
			return 0;
		}
	}
	if (stop)
		stop_like(stop, *program);
	return 1;
}

/* Waits for the program's end, forwarding signals and mirroring stops meanwhile. */
static int wait_program(int report_fd, int sigfd, pid_t supervisor)
{
	struct pollfd fds[2] = { { .fd = report_fd, .events = POLLIN },
				 { .fd = sigfd, .events = POLLIN } };
	pid_t program = 0;
	int status, rc;

	for (;;) {
		/* Until the program's pid is known, signals wait (blocked), not dropped. */
		fds[1].fd = program > 0 ? sigfd : -1;
		if (poll(fds, 2, -1) < 0) {
			if (errno != EINTR)
				return EXIT_LAUNCHER;
			continue;
		}
		if (fds[0].revents & (POLLIN | POLLHUP)) {
			rc = read_reports(report_fd, &program, &status);
			if (rc == 0)
				return mirror(status);
			if (rc < 0) {
				fprintf(stderr, "sockschain: the supervisor ended before the program did\n");
				return EXIT_LAUNCHER;
			}
		}
		if (fds[1].revents & POLLIN)
			forward(sigfd, program, supervisor);
	}
}

int supervise(const char *path, char **argv, exec_fn exec_program)
{
	struct sigaction terminal_stops[STOP_SIGNALS];
	sigset_t set, orig;
	int pipefd[2], sigfd, status;
	pid_t supervisor;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	/* Blocked before the fork: a signal before the program's pid is known waits. */
	if (sigprocmask(SIG_BLOCK, &set, &orig) < 0 || pipe2(pipefd, O_CLOEXEC) < 0)
		return EXIT_LAUNCHER;
	/* Ignored before the fork: a Ctrl-Z, or the program's SIGTTIN, just after it stops us alone. */
	ignore_terminal_stops(terminal_stops);
	fflush(NULL);
	supervisor = fork();
	if (supervisor < 0) {
		fprintf(stderr, "sockschain: cannot start the supervisor: fork: %s\n", strerror(errno));
		return EXIT_LAUNCHER;
	}
	if (supervisor == 0) {
		restore_terminal_stops(terminal_stops);	/* the program's are as they were */
		close(pipefd[0]);
		serve_tree(pipefd[1], path, argv, exec_program, &orig);
	}
	close(pipefd[1]);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		return EXIT_LAUNCHER;
	status = wait_program(pipefd[0], sigfd, supervisor);
	close(sigfd);
	close(pipefd[0]);
	/* The supervisor goes on for the background; reaped by whoever inherits it. */
	return status;
}
