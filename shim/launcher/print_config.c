#define _GNU_SOURCE
#include "print_config.h"

#include "../../chain/spec_print.h"

#include <stdio.h>
#include <stdlib.h>

static bool has_password(const struct chain_config *cfg)
{
	unsigned c, h;

	for (c = 0; c < cfg->nchains; c++)
		for (h = 0; h < cfg->chains[c].nhops; h++)
			if (cfg->chains[c].hops[h].has_pass)
				return true;
	return false;
}

/* What a proxychains file said that the spec cannot: its quiet_mode, and the notes. */
static void print_translation(const struct chain_source *src)
{
	unsigned i;

	if (src->pc.quiet)
		puts("# quiet_mode: messages as with -q (no spec option says this: use -q or "
		     "SOCKS_CHAIN_VERBOSE=0)");
	for (i = 0; i < src->pc.nnotes; i++) {
		if (src->pc.notes[i].line)
			printf("# note: line %u: %s\n", src->pc.notes[i].line, src->pc.notes[i].text);
		else
			printf("# note: %s\n", src->pc.notes[i].text);
	}
}

int print_config(const struct chain_config *cfg, const struct chain_source *src, const char *via)
{
	char *text;

	puts("# sockschain --print: the configuration in effect, as a chain spec");
	if (src->from_file)
		printf("# from %s (%s)%s\n", src->origin, via,
		       src->proxychains ? ", translated from proxychains format" : "");
	else
		printf("# from %s\n", via);
	if (has_password(cfg))
		puts("# passwords are shown as ***: write them back before using this as a chain file");
	if (src->proxychains)
		print_translation(src);
	if (spec_print(cfg, &text) < 0) {
		fputs("sockschain: out of memory\n", stderr);
		return 125;
	}
	printf("\n%s", text);
	free(text);
	return 0;
}
