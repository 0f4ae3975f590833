/*
 * The LD_PRELOAD value that loads the library, shared by the launcher (for
 * the program it starts) and the library's exec hook (for a program whose
 * environment lost it): the sanitizer runtime first in sanitizer builds,
 * then the library, then the entries already there, in their order.
 */
#ifndef SOCKSCHAIN_PRELOAD_LIST_H
#define SOCKSCHAIN_PRELOAD_LIST_H

/* Whether the list (entries split by spaces or colons, as the loader does) names lib. */
int preload_has(const char *list, const char *lib);

/*
 * 0 with *entry a new environment entry "LD_PRELOAD=... lib old" (free() it),
 * or NULL when old (the value there now, or NULL) already names lib; -ENOMEM.
 */
int preload_entry(const char *lib, const char *old, char **entry);

/* What preload_entry puts before the library: the sanitizer runtime, or "". */
const char *preload_first(void);

#endif
