#define _GNU_SOURCE
#include "env_at_load.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static const char *const names[] = {
	"SOCKS_CHAIN", "SOCKS_CHAIN_FILE", "PROXYCHAINS_CONF_FILE", "SOCKS_CHAIN_VERBOSE",
	"SOCKS_CHAIN_LOG", "SOCKS_CHAIN_SEED", "SOCKS_CHAIN_SUPERVISED", "HOME", "XDG_CONFIG_HOME",
};
enum { NAMES = sizeof(names) / sizeof(names[0]) };

/* Written once by the constructor, before the program runs; read only after. */
static char *kept[NAMES];
static bool any_kept;

void env_at_load_keep(void)
{
	const char *v;
	size_t i;

	for (i = 0; i < NAMES; i++)
		if ((v = getenv(names[i])) && (kept[i] = strdup(v)))
			any_kept = true;
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

	if (!any_kept || environment_has_ours())
		return getenv(name);
	for (i = 0; i < NAMES; i++)
		if (strcmp(names[i], name) == 0)
			return kept[i];
	return getenv(name);
}
