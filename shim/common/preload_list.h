/*
 * The LD_PRELOAD value that loads the library, shared by the launcher (for
 * the program it starts) and the library's exec hook (for a program whose
 * environment lost it): the sanitizer runtime first in sanitizer builds,
 * then the library, then the entries already there, in their order.
 */
#ifndef SOCKSCHAIN_PRELOAD_LIST_H
#define SOCKSCHAIN_PRELOAD_LIST_H

#include <stddef.h>

/* Whether the list (entries split by spaces or colons, as the loader does) names lib. */
int preload_has(const char *list, const char *lib);

/*
 * 0 with *entry a new environment entry "LD_PRELOAD=... lib old" (free() it),
 * or NULL when old (the value there now, or NULL) already names lib; -ENOMEM.
 */
int preload_entry(const char *lib, const char *old, char **entry);

/* What preload_entry puts before the library: the sanitizer runtime, or "". */
const char *preload_first(void);

/* Whether a path names the library, any version of it (libsockschain.so[.VERSION]). */
int preload_names_library(const char *path, size_t len);

/*
 * A copy of list without the entries naming the library, nor what was put
 * before it (a sanitizer build's runtime): free() it; NULL when out of memory.
 */
char *preload_without_library(const char *list);

#endif
