/*
 * pidfds kept per thread of the tree, so that taking a caller's descriptor
 * costs one pidfd_getfd, not a pidfd_open (and, before 6.9, a read of
 * /proc/TID/status) as well.
 *
 * A cached pidfd names the very task it was opened for: while that task
 * lives no other can have its id, and once it is gone pidfd_getfd fails
 * (ESRCH), the entry is dropped and the id opened afresh. The caller
 * still checks the notification is valid after the copy.
 */
#ifndef SOCKSCHAIN_SUPERVISOR_PIDFDS_H
#define SOCKSCHAIN_SUPERVISOR_PIDFDS_H

#include <sys/types.h>

/* A copy of descriptor fd of thread tid, or a negative errno. */
int pidfds_getfd(pid_t tid, int fd);

#endif
