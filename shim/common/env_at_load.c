#define _GNU_SOURCE
#include "env_at_load.h"

#include "written_at_load.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static const char *const names[] = {
	"SOCKS_CHAIN", "SOCKS_CHAIN_FILE", "PROXYCHAINS_CONF_FILE", "SOCKS_CHAIN_VERBOSE",
	"SOCKS_CHAIN_LOG", "SOCKS_CHAIN_SEED", "SOCKS_CHAIN_SUPERVISED", "HOME", "XDG_CONFIG_HOME",
};
enum { NAMES = sizeof(names) / sizeof(names[0]) };

/*
 * Written once by the constructor, before the program runs; read only after.
 * One object, so that keeping touches as few pages as it can; the copies go
 * into room while they fit: the first malloc() would cost every program
 * started under the library a heap of its own, at load.
 */
static struct {
	bool any;
	const char *value[NAMES];
	char room[1024];
} kept WRITTEN_AT_LOAD;

static const char *copy(const char *value, size_t *used)
{
	size_t len = strlen(value) + 1;
	char *at = kept.room + *used;

	if (len > sizeof(kept.room) - *used)
		return strdup(value);	/* a chain of many hops, say */
	*used += len;
	return memcpy(at, value, len);
}

__attribute__((cold)) const char *env_now(const char *name)
{
	size_t len = strlen(name);
	char **e;

	for (e = environ; e && *e; e++)
		if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
			return *e + len + 1;
	return NULL;
}

/* Cold: it runs once, and so sits with the constructors, not among the hooks. */
__attribute__((cold)) void env_at_load_keep(void)
{
	size_t i, used = 0;
	const char *v;

	for (i = 0; i < NAMES; i++)
		if ((v = env_now(names[i])) && (kept.value[i] = copy(v, &used)))
			kept.any = true;
}

/* Whether the environment still names a chain or a setting of ours. */
static bool environment_has_ours(void)
{
	char **e;

	for (e = environ; e && *e; e++)
		if (strncmp(*e, "SOCKS_CHAIN", 11) == 0 || strncmp(*e, "PROXYCHAINS_CONF_FILE=", 22) == 0)
			return true;
	return false;
}

const char *env_at_load_get(const char *name)
{
	size_t i;

	if (!kept.any || environment_has_ours())
		return getenv(name);
	for (i = 0; i < NAMES; i++)
		if (strcmp(names[i], name) == 0)
			return kept.value[i];
	return getenv(name);
}
