/* Base64 (RFC 4648), for HTTP Basic credentials. */
#ifndef SOCKSCHAIN_BASE64_H
#define SOCKSCHAIN_BASE64_H

#include <stddef.h>

/* The encoded length of n bytes, without the NUL. */
#define BASE64_LEN(n) (((n) + 2) / 3 * 4)

/* Encodes n bytes into out, NUL-terminated; out holds BASE64_LEN(n) + 1. */
void base64_encode(const void *in, size_t n, char *out);

#endif
