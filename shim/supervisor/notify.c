#define _GNU_SOURCE
#include "notify.h"

#include "job.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Linux 6.6; the system's headers may be older than the kernel. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

enum { WORKER_STACK = 1024 * 1024 };

int notify_setup(struct supervisor *sv)
{
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sv->sizes) < 0)
		return -errno;
	/* Wakes the supervisor on the caller's CPU: a round trip of 3 µs, not 12 (6.6). */
	ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, 0);
	return 0;
}

/*
 * Workers: every idle one waits in RECV on the listener (each RECV gets a
 * notification of its own), answers what it got, and goes back. The one
 * that takes the last idle place starts another first, so a slow dial never
 * holds the next call up; past IDLE_MAX idle ones, a worker ends. No thread
 * is created per call when calls come one at a time.
 */
enum { IDLE_MAX = 4, WORKERS_AT_START = 2 };

static const struct supervisor *served;	/* set once before the first worker starts */
static int idle_workers;		/* atomic */

static void *worker(void *arg);

static int start_worker(void)
{
	pthread_attr_t attr;
	pthread_t thread;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	__atomic_add_fetch(&idle_workers, 1, __ATOMIC_SEQ_CST);
	rc = pthread_create(&thread, &attr, worker, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		__atomic_sub_fetch(&idle_workers, 1, __ATOMIC_SEQ_CST);
	return -rc;
}

static bool peek(struct job *job)
{
	switch (job->call.req->data.nr) {
	case SYS_connect:
		return connect_peek(job);
	case SYS_sendto:
		return sendto_peek(job);
	case SYS_sendmsg:
		return sendmsg_peek(job);
	case SYS_sendmmsg:
		return sendmmsg_peek(job);
	case SYS_getpeername:
		return getpeername_peek(job);
	default:	/* the filter sends nothing else */
		call_answer(&job->call, 0, -ENOSYS);
		return false;
	}
}

/* One notification, received and answered. false: the listener failed. */
static bool serve_one(void)
{
	struct job job = { .call.sv = served };
	struct seccomp_notif *req = call_alloc(served);

	if (!req)
		return false;
	job.call.req = req;
	if (ioctl(served->listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
		free(req);
		/* ENOENT: the caller was interrupted before we got it. */
		return errno == ENOENT || errno == EINTR;
	}
	if (__atomic_sub_fetch(&idle_workers, 1, __ATOMIC_SEQ_CST) == 0)
		start_worker();	/* without a thread, the call waits for this one's dial */
	if (peek(&job))
		job.work(&job);
	free(req);
	__atomic_add_fetch(&idle_workers, 1, __ATOMIC_SEQ_CST);
	return true;
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		if (!serve_one())
			usleep(10000);	/* out of memory, or the tree is gone: the main loop ends it */
		if (__atomic_load_n(&idle_workers, __ATOMIC_SEQ_CST) > IDLE_MAX)
			break;
	}
	__atomic_sub_fetch(&idle_workers, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void reap(int sigfd, void (*on_exit)(pid_t, int, void *), void *arg)
{
	struct signalfd_siginfo si;
	int status;
	pid_t pid;

	while (read(sigfd, &si, sizeof(si)) == sizeof(si))
		;
	while ((pid = waitpid(-1, &status, WNOHANG | WUNTRACED | WCONTINUED | __WALL)) > 0)
		on_exit(pid, status, arg);
}

static bool no_children(void)
{
	siginfo_t info;

	return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT | __WALL) < 0 && errno == ECHILD;
}

void notify_serve(const struct supervisor *sv, int sigfd,
		  void (*on_exit)(pid_t pid, int status, void *arg), void *arg)
{
	/* The listener is polled for its hang-up only: the workers receive. */
	struct pollfd fds[2] = { { .fd = sigfd, .events = POLLIN }, { .fd = sv->listener } };
	nfds_t n = sv->listener >= 0 ? 2 : 1;
	int i, status;
	pid_t pid;

	served = sv;
	for (i = 0; n == 2 && i < WORKERS_AT_START; i++)
		start_worker();

	for (;;) {
		if (poll(fds, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (fds[0].revents & POLLIN)
			reap(sigfd, on_exit, arg);
		if (n == 1 && no_children())
			return;	/* no filter was installed: done when the children are */
		if (n == 2 && (fds[1].revents & (POLLHUP | POLLERR | POLLNVAL)))
			break;	/* every task of the tree has exited */
	}
	/* The hang-up may come before the last SIGCHLD: reap what is left, blocking. */
	while ((pid = waitpid(-1, &status, __WALL)) > 0 || (pid < 0 && errno == EINTR))
		if (pid > 0)
			on_exit(pid, status, arg);
}
