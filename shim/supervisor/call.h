/*
 * One notification from the tree: reading the caller's memory, checking the
 * call is still waiting, taking a copy of its descriptor, and answering.
 */
#ifndef SOCKSCHAIN_SUPERVISOR_CALL_H
#define SOCKSCHAIN_SUPERVISOR_CALL_H

#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* What every handler needs; set up once, read-only while serving. */
struct supervisor {
	int listener;
	struct seccomp_notif_sizes sizes;
	struct sockaddr_in stub_udp;	/* the DNS stub, for the program's port 53 traffic */
	struct sockaddr_in stub_tcp;
};

struct call {
	const struct supervisor *sv;
	struct seccomp_notif *req;	/* sv->sizes.seccomp_notif bytes, owned */
};

/* A zeroed notification buffer of the kernel's size; NULL when out of memory. */
struct seccomp_notif *call_alloc(const struct supervisor *sv);

/* Reads len bytes at addr in the caller's memory: 0, or a negative errno. */
int call_read(const struct call *c, uint64_t addr, void *buf, size_t len);

/*
 * Writes len bytes at addr in the caller's memory: 0, or a negative errno.
 * Only for a call received (WAIT_KILLABLE_RECV, 5.19): its thread cannot
 * run, so nothing of the program sees a half-written result.
 */
int call_write(const struct call *c, uint64_t addr, const void *buf, size_t len);

/* Whether the caller still waits for this answer (it was not killed, its pid not reused). */
bool call_valid(const struct call *c);

/* A copy of the caller's descriptor fd (same socket, same flags), or a negative errno. */
int call_take_fd(const struct call *c, int fd);

/* Answers: val as the call's return value, or err (a negative errno) when not 0. */
void call_answer(const struct call *c, int64_t val, int err);

/* Lets the kernel run the call as it is: only for calls not judged by their memory. */
void call_continue(const struct call *c);

#endif
