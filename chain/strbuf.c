#define _GNU_SOURCE
#include "strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for need more bytes and the NUL, doubling so that appends stay cheap. */
static int reserve(struct strbuf *sb, size_t need)
{
	size_t cap = sb->cap ? sb->cap : 256;
	char *grown;

	if (sb->len + need + 1 <= sb->cap)
		return 0;
	while (cap < sb->len + need + 1)
		cap *= 2;
	grown = realloc(sb->text, cap);
	if (!grown) {
		sb->failed = true;
		return -ENOMEM;
	}
	sb->text = grown;
	sb->cap = cap;
	return 0;
}

int strbuf_vadd(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	if (sb->failed)
		return -ENOMEM;
	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0 || reserve(sb, (size_t)n) < 0) {
		va_end(again);
		sb->failed = true;
		return -ENOMEM;
	}
	vsnprintf(sb->text + sb->len, sb->cap - sb->len, fmt, again);
	va_end(again);
	sb->len += (size_t)n;
	return 0;
}

int strbuf_add(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = strbuf_vadd(sb, fmt, ap);
	va_end(ap);
	return rc;
}

void text_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}
