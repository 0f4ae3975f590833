/*
 * A chain's dial as a state machine that never blocks: the same tries,
 * deadlines, pipelining and blame as chain_dial(), driven by "the socket is
 * readable/writable" and "the deadline passed". chain_dial() drives one with
 * poll() on the spot; the preloaded library drives many from a helper thread,
 * so that a non-blocking connect() returns at once.
 */
#ifndef SOCKSCHAIN_DIAL_JOB_H
#define SOCKSCHAIN_DIAL_JOB_H

#include "blame.h"
#include "dial.h"
#include "handshake.h"

/* dial_job_start() and dial_job_step(): not done yet, wait for events until deadline. */
#define DIAL_PENDING 1
/* Room for the messages of one pipelined batch: a few hops with the longest credentials. */
#define PIPELINE_BATCH_MAX 4096

struct dial_job {
	int fd, family;
	const struct chain *chain;
	struct dial_env env;
	struct endpoint dest;
	char dest_name[256];		/* dest.name points here */
	struct dial_report *rep;
	struct blame blame;
	unsigned path[CHAIN_MAX_HOPS], n, pos, sent;
	int64_t overall;		/* ms: the whole connection (chain_connect_timeout_ms) */
	int64_t hop_deadline;		/* ms: the hop being talked to */
	int64_t hop_start_us;
	struct sockaddr_storage hop1;	/* hop 1's address, asked again when its connect fails */
	socklen_t hop1_len;
	int phase;			/* dial_job.c's enum */
	int rc;				/* the last try's failure */
	uint8_t batch[PIPELINE_BATCH_MAX];
	size_t batch_len, batch_done;
	struct hop_talk talk;
	short events;			/* DIAL_PENDING: what to poll fd for... */
	int64_t deadline;		/* ...and until when (ms, CLOCK_MONOTONIC) */
};

/*
 * Starts dialing dest through chain on fd (a non-blocking stream socket of
 * family, not connected), with the real connect in env. dest, chain and rep
 * must outlive the job (dest is copied). Returns DIAL_PENDING, 0 with the
 * tunnel open, or a negative errno with rep saying why.
 */
int dial_job_start(struct dial_job *j, int fd, int family, const struct chain *chain,
		   const struct dial_env *env, const struct endpoint *dest,
		   struct dial_report *rep);

/*
 * Goes on after poll() returned revents for fd (0: nothing, the deadline may
 * have passed; negative: the wait itself failed with that errno). Returns
 * like dial_job_start(); once it returned 0 or an errno, it returns that again.
 */
int dial_job_step(struct dial_job *j, int revents);

/* The job goes on with the same socket under another descriptor number. */
void dial_job_move(struct dial_job *j, int fd);

/* Wipes what the job held of credentials. */
void dial_job_end(struct dial_job *j);

#endif
