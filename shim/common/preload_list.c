#define _GNU_SOURCE
#include "preload_list.h"

#include <errno.h>
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
