#include "base64.h"

#include <stdint.h>

void base64_encode(const void *in, size_t n, char *out)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const uint8_t *p = in;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*out++ = alphabet[p[i] >> 2];
		*out++ = alphabet[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*out++ = alphabet[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*out++ = alphabet[p[i + 2] & 63];
	}
	if (i < n) {
		*out++ = alphabet[p[i] >> 2];
		if (i + 1 < n) {
			*out++ = alphabet[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			*out++ = alphabet[(p[i + 1] & 15) << 2];
		} else {
			*out++ = alphabet[(p[i] & 3) << 4];
			*out++ = '=';
		}
		*out++ = '=';
	}
	*out = '\0';
}
