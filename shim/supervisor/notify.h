/* The supervisor's loop: notifications in, a thread per call that needs a dial. */
#ifndef SOCKSCHAIN_SUPERVISOR_NOTIFY_H
#define SOCKSCHAIN_SUPERVISOR_NOTIFY_H

#include "call.h"

#include <signal.h>

/* Reads the kernel's structure sizes and asks for same-CPU wake-ups. 0 or a negative errno. */
int notify_setup(struct supervisor *sv);

/*
 * Serves until the last task of the tree is gone and reaped (POLLHUP on the
 * listener; at once when listener is -1). sigfd: a signalfd for SIGCHLD;
 * on_exit is told the wait status of every child reaped, and of every stop
 * and continue of a child (WIFSTOPPED, WIFCONTINUED).
 */
void notify_serve(const struct supervisor *sv, int sigfd,
		  void (*on_exit)(pid_t pid, int status, void *arg), void *arg);

#endif
