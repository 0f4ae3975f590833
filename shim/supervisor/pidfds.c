#define _GNU_SOURCE
#include "pidfds.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL	/* 6.9: a pidfd for any thread, not only the leader */
#endif

/* Enough for a busy Go program's threads; past it the oldest entry makes room. */
#define CACHED 64

struct entry {
	pid_t tid;	/* 0: free */
	int pidfd;
};

/*
 * Shared by the supervisor's workers. The lock is held across pidfd_getfd:
 * an entry closed by one worker while another used its number could reach a
 * descriptor newly opened under that number (another process's pidfd).
 */
static struct entry cache[CACHED];
static unsigned next_victim;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The thread-group id of a thread, for kernels without PIDFD_THREAD. */
static pid_t thread_group_of(pid_t tid)
{
	char path[64], line[128];
	pid_t tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (tgid < 0 && fgets(line, sizeof(line), f))
		if (strncmp(line, "Tgid:", 5) == 0)
			tgid = (pid_t)atoi(line + 5);
	fclose(f);
	return tgid;
}

static int open_pidfd(pid_t tid)
{
	int pidfd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
	pid_t tgid;

	if (pidfd >= 0 || errno != EINVAL)
		return pidfd < 0 ? -errno : pidfd;
	tgid = thread_group_of(tid);
	if (tgid < 0)
		return -ESRCH;
	pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	return pidfd < 0 ? -errno : pidfd;
}

/* Under the lock: tid's entry, or NULL. */
static struct entry *find(pid_t tid)
{
	unsigned i;

	for (i = 0; i < CACHED; i++)
		if (cache[i].tid == tid)
			return &cache[i];
	return NULL;
}

/* Under the lock: a new entry for tid (the oldest gives way when full); NULL with *err. */
static struct entry *add(pid_t tid, int *err)
{
	struct entry *e = find(0);
	int pidfd = open_pidfd(tid);

	if (pidfd < 0) {
		*err = pidfd;
		return NULL;
	}
	if (!e) {
		e = &cache[next_victim++ % CACHED];
		close(e->pidfd);
	}
	*e = (struct entry){ .tid = tid, .pidfd = pidfd };
	return e;
}

static void drop(struct entry *e)
{
	close(e->pidfd);
	*e = (struct entry){ 0 };
}

static int take(const struct entry *e, int fd)
{
	int copy = (int)syscall(SYS_pidfd_getfd, e->pidfd, fd, 0);

	return copy < 0 ? -errno : copy;
}

int pidfds_getfd(pid_t tid, int fd)
{
	struct entry *e;
	int copy = -ESRCH;

	pthread_mutex_lock(&lock);
	e = find(tid);
	if (e) {
		copy = take(e, fd);
		if (copy != -ESRCH)
			goto out;
		drop(e);	/* the task it named is gone: tid is another's now */
	}
	e = add(tid, &copy);
	if (e) {
		copy = take(e, fd);
		if (copy == -ESRCH)
			drop(e);
	}
out:
	pthread_mutex_unlock(&lock);
	return copy;
}
