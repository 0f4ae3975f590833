/* The program's side of the start: the filter, the hand-over, the exec. */
#ifndef SOCKSCHAIN_SUPERVISOR_CHILD_H
#define SOCKSCHAIN_SUPERVISOR_CHILD_H

#include "supervise.h"

#include <signal.h>

/*
 * In the forked child: installs the filter, tells the supervisor over sock
 * which descriptor is the listener, waits until it has taken a copy, closes
 * it, restores the signal mask and execs. Never returns: _exit(125) after a
 * line saying why when any step fails (the filter is then never without a
 * supervisor).
 */
void child_run(int sock, const char *path, char **argv, exec_fn exec_program,
	       const sigset_t *mask) __attribute__((noreturn));

#endif
