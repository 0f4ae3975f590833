#define _GNU_SOURCE
#include "preload_list.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* Sanitizer builds name their runtime, which must be loaded before anything else. */
#ifndef PRELOAD_FIRST
#define PRELOAD_FIRST ""
#endif

#define SEPARATORS " :"

int preload_has(const char *list, const char *lib)
{
	size_t len = strlen(lib), n;

	for (const char *p = list; *p; p += n) {
		p += strspn(p, SEPARATORS);
		n = strcspn(p, SEPARATORS);
		if (n == len && strncmp(p, lib, len) == 0)
			return 1;
	}
	return 0;
}

int preload_entry(const char *lib, const char *old, char **entry)
{
	*entry = NULL;
	if (!old)
		old = "";
	if (preload_has(old, lib))
		return 0;
	/* The loader skips extra spaces and loads a library named twice once. */
	if (asprintf(entry, "LD_PRELOAD=%s %s %s", PRELOAD_FIRST, lib, old) < 0) {
		*entry = NULL;
		return -ENOMEM;
	}
	return 0;
}

const char *preload_first(void)
{
	return PRELOAD_FIRST;
}

int preload_names_library(const char *path, size_t len)
{
	const char *base = memrchr(path, '/', len);
	static const char name[] = "libsockschain.so";

	base = base ? base + 1 : path;
	len -= (size_t)(base - path);
	return len >= sizeof(name) - 1 && strncmp(base, name, sizeof(name) - 1) == 0 &&
	       (len == sizeof(name) - 1 || base[sizeof(name) - 1] == '.');
}

/* What was put before the library goes too: musl, say, cannot load a sanitizer runtime. */
char *preload_without_library(const char *list)
{
	char *out = calloc(1, strlen(list) + 1), *o = out;
	const char *first = PRELOAD_FIRST;
	size_t n;

	for (const char *p = list; out && *p; p += n) {
		p += strspn(p, SEPARATORS);
		n = strcspn(p, SEPARATORS);
		if (n && !preload_names_library(p, n) &&
		    !(first[0] && strlen(first) == n && strncmp(p, first, n) == 0)) {
			if (o != out)
				*o++ = ' ';
			memcpy(o, p, n);
			o += n;
		}
	}
	return out;
}
