/*
 * The parser's insides, shared by spec.c (items), spec_proxy.c (proxy URLs)
 * and spec_option.c (key=value options). Not for use outside the parser.
 */
#ifndef SOCKSCHAIN_SPEC_PARSER_H
#define SOCKSCHAIN_SPEC_PARSER_H

#include "spec.h"

#define ITEM_MAX 4096

/* One item of the spec, and where it was written. */
struct item {
	char text[ITEM_MAX];
	unsigned line, column;
};

struct spec_position {
	unsigned line, column;
};

/* The parse in progress: where the text came from and where the error goes. */
struct parser {
	const char *origin;
	struct chain_config *cfg;
	struct chain *chain;		/* the chain being written */
	struct spec_error *err;
	struct spec_position fake_range_at;		/* line 0: the default */
	struct spec_position bypass_at[CHAIN_MAX_BYPASS];	/* where each range was written */
};

/* Fills the error: "ORIGIN:LINE:COL: "ITEM": what", passwords masked. Returns -EINVAL. */
int spec_fail(struct parser *ps, const struct item *it, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * array (malloc'd, or NULL) with room for one more element after its n, each
 * size bytes: the new array, or NULL with the error filled in (array kept).
 */
void *spec_grow(struct parser *ps, void *array, unsigned n, size_t size);

/* scheme://[userinfo@]host[:port][/], with sep pointing at its "://". */
int spec_parse_proxy(struct parser *ps, const struct item *it, const char *sep);

/* key=value, with eq pointing at its '='. */
int spec_parse_option(struct parser *ps, const struct item *it, const char *eq);

/* Seconds with an optional fraction ("10", "2.5"), to milliseconds. 0 or -EINVAL. */
int spec_parse_seconds(const char *text, int64_t *ms);

/*
 * After the last item: fake_range shares no address with loopback, the
 * bypass ranges or the proxies written as addresses. 0, or -EINVAL with the
 * error at fake_range's item (or, for the default range, at the other one).
 */
int spec_check_fake_range(struct parser *ps);

#endif
