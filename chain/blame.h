/*
 * Whom a failed try of a chain blames, across the tries of one connection:
 * the modes other than strict leave the guilty hops out of the next try and
 * remember them in the shared hop health.
 */
#ifndef SOCKSCHAIN_BLAME_H
#define SOCKSCHAIN_BLAME_H

#include "dial.h"
#include "path.h"

#define NOT_SUSPECT (-1)

/* Per connection: who refused what, and who is left out on whose account. */
struct blame {
	struct path_state st;
	unsigned refusals[CHAIN_MAX_HOPS];
	int suspect_by[CHAIN_MAX_HOPS];	/* NOT_SUSPECT, or the hop whose refusal left it out */
	unsigned nhops;			/* the chain's: the arrays' entries in use */
};

/* A fresh record for one connection of chain, its start and draw taken from env. */
void blame_init(struct blame *b, const struct chain *chain, const struct dial_env *env);

/* After the try rep describes failed with rc: who is left out of the next. */
void blame_assign(struct blame *b, const struct dial_env *env, int rc, struct dial_report *rep);

/* After a try succeeded: the hops it left out on suspicion were down after all. */
void blame_convict_suspects(struct blame *b, const struct dial_env *env,
			    struct dial_report *rep);

#endif
