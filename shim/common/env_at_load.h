/*
 * The environment the library was loaded with, for programs that empty
 * theirs before their first connect (nginx keeps only TZ unless told):
 * without it the library would find no chain and refuse every connection.
 */
#ifndef SOCKSCHAIN_ENV_AT_LOAD_H
#define SOCKSCHAIN_ENV_AT_LOAD_H

/* Keeps copies of our variables as they are now; the library's constructor calls it. */
void env_at_load_keep(void);

/*
 * getenv(name), for the constructors: libc's would touch a page of libc
 * that most programs never do, a page fault in each one started under the
 * library.
 */
const char *env_now(const char *name);

/*
 * getenv(name) for our variables (and HOME, XDG_CONFIG_HOME): while the
 * environment still holds any of ours it is the one read; once the program
 * has emptied it of all of them, the copies kept at load stand in. Where
 * nothing was kept (the launcher, the supervisor), this is getenv().
 */
const char *env_at_load_get(const char *name);

#endif
