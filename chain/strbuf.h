/* A growing string for text built piece by piece: translations and --print. */
#ifndef SOCKSCHAIN_STRBUF_H
#define SOCKSCHAIN_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *text;	/* NUL-terminated; NULL until something is added */
	size_t len, cap;
	bool failed;	/* out of memory once: every later add does nothing */
};

/* Appends the formatted text. 0, or -ENOMEM (and sb->failed stays set). */
int strbuf_add(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_vadd(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/*
 * Copies src into dst[cap], cut short if need be, always NUL-terminated
 * (cap > 0); what snprintf(dst, cap, "%s", src) does. The library uses this
 * on its load path so that a program that never formats text does not get
 * libc's printf machinery paged in (tens of kB of resident memory) by us.
 */
void text_copy(char *dst, size_t cap, const char *src);

#endif
