#define _GNU_SOURCE
#include "blame.h"

#include "deadline.h"
#include "strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void blame_init(struct blame *b, const struct chain *chain, const struct dial_env *env)
{
	unsigned h;

	/* Only the chain's hops: every connection starts one, and a chain has 1 to 64. */
	b->nhops = chain->nhops < CHAIN_MAX_HOPS ? chain->nhops : CHAIN_MAX_HOPS;
	memset(&b->st, 0, sizeof(b->st));
	for (h = 0; h < b->nhops; h++) {
		b->refusals[h] = 0;
		b->suspect_by[h] = NOT_SUSPECT;
	}
	if (chain->mode == MODE_ROUND_ROBIN)
		b->st.start = health_next_start(env->health, env->chain_index, chain->nhops);
	if (chain->mode == MODE_RANDOM)
		b->st.draw = env->seed + health_next_draw(env->health);
}

static bool is_refusal(int rc)
{
	return rc == -ECONNREFUSED || rc == -EHOSTUNREACH || rc == -ENETUNREACH;
}

/* A reason that no longer fits in skip_text is cut short, or left empty. */
static void skip(struct dial_report *rep, unsigned hop, const char *reason)
{
	size_t left = sizeof(rep->skip_text) - rep->skip_text_len;
	char *text = rep->skip_text + rep->skip_text_len;

	if (rep->nskips == sizeof(rep->skips) / sizeof(rep->skips[0]))
		return;
	if (left > 0) {
		text_copy(text, left, reason);
		rep->skip_text_len += strlen(text) + 1;
	}
	rep->skips[rep->nskips].hop = hop;
	rep->skips[rep->nskips].reason = left > 0 ? text : "";
	rep->nskips++;
}

static void convict(struct blame *b, const struct dial_env *env, unsigned hop,
		    struct dial_report *rep)
{
	unsigned h;

	for (h = 0; h < b->nhops; h++)
		if (b->suspect_by[h] == (int)hop) {	/* it refused them: they were fine */
			b->st.excluded[h] = false;
			b->suspect_by[h] = NOT_SUSPECT;
		}
	b->st.excluded[hop] = true;
	health_mark_down(env->health, env->chain_index, hop,
			 clock_now_ms() + env->retry_after_ms);
	skip(rep, hop, rep->reason);
}

/*
 * A hop that could not be reached, timed out or broke its protocol is down.
 * A refusal is ambiguous: the hop asked may be down, or the hop asking may
 * refuse everything. So the hop asked is left out on suspicion, and the
 * asking hop is found guilty when it refuses a second time; suspects are
 * found guilty when a try without them succeeds.
 */
void blame_assign(struct blame *b, const struct dial_env *env, int rc, struct dial_report *rep)
{
	unsigned pos = rep->failed_pos, hop = rep->path[pos], next;

	if (rep->connect_failed || !is_refusal(rc) || ++b->refusals[hop] >= 2) {
		convict(b, env, hop, rep);
		return;
	}
	/* the hop asked: the next one, or the destination (then the asker is suspect) */
	next = pos + 1 < rep->path_len ? rep->path[pos + 1] : hop;
	b->st.excluded[next] = true;
	b->suspect_by[next] = (int)hop;
}

void blame_convict_suspects(struct blame *b, const struct dial_env *env,
			    struct dial_report *rep)
{
	unsigned h;

	for (h = 0; h < b->nhops; h++)
		if (b->suspect_by[h] != NOT_SUSPECT) {
			health_mark_down(env->health, env->chain_index, h,
					 clock_now_ms() + env->retry_after_ms);
			skip(rep, h, "refused by the hop before it; the path without it worked");
		}
}
