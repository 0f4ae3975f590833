#define _GNU_SOURCE
#include "exec_guard.h"

#include "../common/config.h"
#include "../common/exec_check.h"
#include "../common/log.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#ifndef PRELOAD_FIRST
#define PRELOAD_FIRST ""	/* sanitizer builds: their runtime, which must come first */
#endif

static bool check_disabled(void)
{
	const char *off = getauxval(AT_SECURE) ? NULL : getenv("SOCKS_CHAIN_NO_CHECK");

	return off && strcmp(off, "1") == 0;
}

static int refuse(const char *call, const char *why)
{
	/* The chain's verbosity, without loading the chain just for this. */
	struct shim_config quiet = { .verbosity = VERBOSITY_DEFAULT };
	const char *log = getenv("SOCKS_CHAIN_LOG");

	if (log && !getauxval(AT_SECURE))
		snprintf(quiet.log_path, sizeof(quiet.log_path), "%s", log);
	shim_log(&quiet, VERBOSITY_DEFAULT, "%s refused: %s, and its connections would go "
		 "out directly (sockschain --no-check allows it, unsafely)", call, why);
	errno = EPERM;
	return -1;
}

int exec_guard(const char *path, const char *call)
{
	char why[PATH_MAX + 100];
	int saved = errno;

	if (!path || check_disabled() || exec_check(path, why, sizeof(why)) == 0) {
		errno = saved;
		return 0;
	}
	return refuse(call, why);
}

int exec_guard_search(const char *file, const char *call)
{
	char path[PATH_MAX];
	int saved = errno;

	/* Not found or not executable: the real call reports that. */
	if (!file || exec_find(file, path, sizeof(path)) < 0) {
		errno = saved;
		return 0;
	}
	return exec_guard(path, call);
}

/* The library's own path, as the loader knows it. */
static const char *library_path(void)
{
	Dl_info info;

	return dladdr((void *)library_path, &info) && info.dli_fname ? info.dli_fname : NULL;
}

int exec_env_make(struct exec_env *e, char *const envp[])
{
	const char *lib = library_path(), *old = "";
	size_t n = 0, i, preload = (size_t)-1;
	int saved = errno;

	*e = (struct exec_env){ .env = (char **)envp };
	if (!envp || !lib)
		return 0;
	for (; envp[n]; n++)
		if (strncmp(envp[n], "LD_PRELOAD=", 11) == 0) {
			preload = n;
			old = envp[n] + 11;
		}
	if (strstr(old, lib))
		return 0;
	e->copy = calloc(n + 2, sizeof(*e->copy));
	if (!e->copy || asprintf(&e->preload, "LD_PRELOAD=%s %s %s", PRELOAD_FIRST, lib, old) < 0) {
		free(e->copy);
		*e = (struct exec_env){ .env = (char **)envp };
		errno = saved;
		return -1;
	}
	for (i = 0; i < n; i++)
		e->copy[i] = envp[i];
	e->copy[preload == (size_t)-1 ? n : preload] = e->preload;
	e->env = e->copy;
	return 0;
}

void exec_env_free(struct exec_env *e)
{
	int saved = errno;

	free(e->copy);
	free(e->preload);
	errno = saved;
}
