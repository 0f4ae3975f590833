/*
 * The library's lines live inside someone else's program, so writing one must
 * never block, raise a signal, or land on a descriptor that is not stderr.
 * A line that cannot be written at once is dropped.
 */
#define _GNU_SOURCE
#include "log.h"

#include "../../chain/printable.h"
#include "fd_stat.h"
#include "written_at_load.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PREFIX "sockschain: "

/*
 * The stderr the process started with, as seen at load, before any thread of
 * the program's runs; read-only after. A program that closes fd 2 may get one
 * of its own sockets there: a line must never go into it.
 */
static struct {
	bool open;
	dev_t dev;
	ino_t ino;
} initial_stderr WRITTEN_AT_LOAD;

__attribute__((constructor)) static void note_stderr(void)
{
	struct stat st;

	if (fd_stat(STDERR_FILENO, &st) < 0)
		return;	/* closed at load: the library stays silent */
	initial_stderr.open = true;
	initial_stderr.dev = st.st_dev;
	initial_stderr.ino = st.st_ino;
}

static bool is_initial_stderr(void)
{
	struct stat st;

	return initial_stderr.open && fd_stat(STDERR_FILENO, &st) == 0 &&
	       st.st_dev == initial_stderr.dev && st.st_ino == initial_stderr.ino;
}

/* Whether fd takes a write now. Others share stderr: its flags are not ours to change. */
static bool writable_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int n;

	while ((n = poll(&p, 1, 0)) < 0 && errno == EINTR)
		;
	return n == 1 && (p.revents & POLLOUT) && !(p.revents & (POLLERR | POLLNVAL));
}

/*
 * One write, with SIGPIPE blocked in this thread: a reader gone is EPIPE, and
 * the SIGPIPE it raised is taken back, unless the program had one pending
 * already (then it is the program's and stays).
 */
static void write_without_sigpipe(int fd, const char *line, size_t len)
{
	static const struct timespec no_wait = { 0, 0 };
	sigset_t pipe_only, old, pending;
	bool was_pending;
	ssize_t n;

	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	if (pthread_sigmask(SIG_BLOCK, &pipe_only, &old) != 0)
		return;
	was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
	while ((n = write(fd, line, len)) < 0 && errno == EINTR)
		;
	if (n < 0 && errno == EPIPE && !was_pending)
		sigtimedwait(&pipe_only, NULL, &no_wait);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* SOCKS_CHAIN_LOG, opened per line (the library keeps no descriptor of its own). */
static void write_to_file(const char *path, const char *line, size_t len)
{
	/* O_NONBLOCK on our own open: a FIFO nobody reads is ENXIO, a full one EAGAIN. */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		      0600);

	if (fd < 0)
		return;
	write_without_sigpipe(fd, line, len);
	close(fd);
}

void shim_log(const struct shim_config *cfg, enum verbosity level, const char *fmt, ...)
{
	char line[2048];
	int saved = errno;
	size_t len;
	va_list ap;

	_Static_assert(sizeof(line) <= PIPE_BUF, "a line is written whole or not at all");
	if (level > cfg->verbosity)
		return;
	memcpy(line, PREFIX, sizeof(PREFIX) - 1);
	va_start(ap, fmt);
	vsnprintf(line + sizeof(PREFIX) - 1, sizeof(line) - sizeof(PREFIX), fmt, ap);
	va_end(ap);
	/* What a line quotes (a path, a spec) may hold ESC: never raw to a terminal. */
	len = printable_copy(line, sizeof(line) - 1, line, strlen(line));
	line[len++] = '\n';
	if (cfg->log_path[0])
		write_to_file(cfg->log_path, line, len);
	else if (is_initial_stderr() && writable_now(STDERR_FILENO))
		write_without_sigpipe(STDERR_FILENO, line, len);
	errno = saved;
}
