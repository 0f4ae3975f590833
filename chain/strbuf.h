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

#endif
