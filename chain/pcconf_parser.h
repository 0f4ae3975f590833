/*
 * The proxychains.conf translator's insides, shared by pcconf.c (lines and
 * directives) and pcconf_list.c ([ProxyList] entries and localnet ranges).
 */
#ifndef SOCKSCHAIN_PCCONF_PARSER_H
#define SOCKSCHAIN_PCCONF_PARSER_H

#include "pcconf.h"
#include "strbuf.h"

#include <stddef.h>
#include <stdint.h>

#define PC_FIELDS_MAX 6	/* TYPE HOST PORT USER PASS, and one to say "too many" */

/* One line of the file, split into fields at white space. */
struct pc_line {
	char text[PCCONF_LINE_MAX + 1];	/* the fields point into it */
	char *field[PC_FIELDS_MAX];
	unsigned nfields;
	unsigned number;
	char shown[128];		/* for messages: passwords as *** */
};

/* The translation in progress. */
struct pc_state {
	const char *origin;
	struct pcconf *pc;
	struct spec_error *err;
	struct strbuf out;		/* the spec so far */
	const struct pc_line *line;	/* the line being translated */
	bool in_list;			/* after [ProxyList] */
	bool random_like;		/* random_chain or round_robin_chain is in force */
	bool chain_len_set;
	int64_t read_ms, connect_ms;	/* tcp_read_time_out, tcp_connect_time_out */
	unsigned nproxies, nbypass, nroutes;
};

/* Fills the error: "ORIGIN:LINE: "SHOWN": what". Returns -EINVAL. */
int pc_fail(struct pc_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends to the spec. 0 or -ENOMEM. */
int pc_emit(struct pc_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records a note about the line being translated (the first PCCONF_NOTES_MAX are kept). */
void pc_note(struct pc_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A [ProxyList] line: TYPE HOST PORT [USER [PASS]] or TYPE://[USER:PASS@]HOST:PORT. */
int pc_proxy(struct pc_state *st);

/* "localnet A.B.C.D[:PORT]/MASK", "localnet [V6]:PORT/PREFIX" or "localnet V6/PREFIX". */
int pc_localnet(struct pc_state *st, const char *value);

#endif
