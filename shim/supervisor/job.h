/*
 * A notification on its way through the supervisor: looked at first (cheap:
 * which family, is there an address at all), and, when the answer takes a
 * dial, finished by the same worker (see notify.c: another one waits for the
 * next call meanwhile).
 */
#ifndef SOCKSCHAIN_SUPERVISOR_JOB_H
#define SOCKSCHAIN_SUPERVISOR_JOB_H

#include "call.h"

#include <sys/socket.h>

struct job {
	struct call call;
	struct sockaddr_storage addr;	/* the destination, read from the caller */
	socklen_t addrlen;
	void (*work)(struct job *);	/* what answers it, after the peek */
};

/*
 * Each looks at one kind of call: returns true when job->work must run,
 * false when the call is already answered.
 */
bool connect_peek(struct job *job);
bool sendto_peek(struct job *job);
bool sendmsg_peek(struct job *job);
bool sendmmsg_peek(struct job *job);
bool getpeername_peek(struct job *job);

/*
 * Reads the caller's sockaddr of len bytes at addr into job: 1 when it is an
 * internet address, 0 when it is another family (or none), or a negative
 * errno for the caller.
 */
int job_read_address(struct job *job, uint64_t addr, uint64_t len);

#endif
