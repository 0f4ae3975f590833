/*
 * The seccomp filter the supervised tree runs under: which system calls wait
 * for the supervisor, which are refused outright, and which pass.
 */
#ifndef SOCKSCHAIN_SUPERVISOR_FILTER_H
#define SOCKSCHAIN_SUPERVISOR_FILTER_H

/*
 * Installs the filter on the calling thread (after PR_SET_NO_NEW_PRIVS) and
 * returns the listener descriptor, or a negative errno: -ENOSYS or -EINVAL
 * where the kernel has no user notification, -EBUSY when an ancestor filter
 * already has a listener (the process is under a supervisor already).
 */
int filter_install(void);

#endif
