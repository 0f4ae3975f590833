#define _GNU_SOURCE
#include "printable.h"

#define ELLIPSIS "..."

size_t printable_copy(char *out, size_t cap, const char *in, size_t len)
{
	size_t i, n = len < cap ? len : cap - sizeof(ELLIPSIS);

	for (i = 0; i < n; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	if (n < len) {
		for (i = 0; i < sizeof(ELLIPSIS); i++)
			out[n + i] = ELLIPSIS[i];
		return n + sizeof(ELLIPSIS) - 1;
	}
	out[n] = '\0';
	return n;
}
