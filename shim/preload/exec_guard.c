#define _GNU_SOURCE
#include "exec_guard.h"

#include "../common/config.h"
#include "../common/exec_check.h"
#include "../common/log.h"
#include "../common/preload_list.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

static bool check_disabled(void)
{
	const char *off = getauxval(AT_SECURE) ? NULL : getenv("SOCKS_CHAIN_NO_CHECK");

	return off && strcmp(off, "1") == 0;
}

static void refuse(const char *call, const char *why)
{
	/* The chain's verbosity, without loading the chain just for this. */
	struct shim_config quiet = { .verbosity = VERBOSITY_DEFAULT };
	const char *log = getenv("SOCKS_CHAIN_LOG");

	if (log && !getauxval(AT_SECURE))
		snprintf(quiet.log_path, sizeof(quiet.log_path), "%s", log);
	shim_log(&quiet, VERBOSITY_DEFAULT, "%s refused: %s, and its connections would go "
		 "out directly (sockschain --no-check allows it, unsafely)", call, why);
}

const char *exec_launcher(void)
{
	const char *launcher = getauxval(AT_SECURE) ? NULL : getenv("SOCKS_CHAIN_LAUNCHER");

	return launcher && launcher[0] == '/' ? launcher : NULL;
}

/* The verdict on a program judged c; refusing says why and sets EPERM. */
static enum exec_verdict verdict_on(const struct exec_class *c, const char *call,
				    bool may_hand_over)
{
	if (exec_kind_reached(c->kind))
		return EXEC_RUN;
	/* The supervisor's filter covers its tree; the library only hurts (musl cannot load it). */
	if (shim_supervised_tree())
		return EXEC_RUN_BARE;
	if (may_hand_over && exec_kind_supervised(c->kind) && exec_launcher())
		return EXEC_HAND_OVER;
	refuse(call, c->why);
	errno = EPERM;
	return EXEC_REFUSE;
}

enum exec_verdict exec_guard(const char *path, const char *call, bool may_hand_over)
{
	struct exec_class c;
	enum exec_verdict v;
	int saved = errno;

	if (!path || (check_disabled() && !shim_supervised_tree()))
		return EXEC_RUN;
	exec_classify(path, &c);
	v = verdict_on(&c, call, may_hand_over);
	if (v != EXEC_REFUSE)
		errno = saved;
	return v;
}

const char *exec_guard_search(const char *file, char *buf, size_t cap, const char *call,
			      enum exec_verdict *verdict)
{
	struct exec_class c;
	int saved = errno;

	*verdict = EXEC_RUN;
	if (!file || (check_disabled() && !shim_supervised_tree()) ||
	    exec_search(file, buf, cap, &c) < 0) {
		errno = saved;
		return file;	/* the real call fails as it would have */
	}
	*verdict = verdict_on(&c, call, true);
	if (*verdict == EXEC_REFUSE)
		return NULL;
	errno = saved;
	return buf;
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
	if (preload_entry(lib, old, &e->preload) < 0)
		goto fail;
	if (!e->preload)
		return 0;	/* already there */
	e->copy = calloc(n + 2, sizeof(*e->copy));
	if (!e->copy)
		goto fail;
	for (i = 0; i < n; i++)
		e->copy[i] = envp[i];
	e->copy[preload == (size_t)-1 ? n : preload] = e->preload;
	e->env = e->copy;
	return 0;
fail:
	exec_env_free(e);
	*e = (struct exec_env){ .env = (char **)envp };
	errno = saved;
	return -1;
}

int exec_env_bare(struct exec_env *e, char *const envp[])
{
	size_t n = 0, i;
	char *list;

	*e = (struct exec_env){ .env = (char **)envp };
	if (!envp)
		return 0;
	while (envp[n])
		n++;
	e->copy = calloc(n + 1, sizeof(*e->copy));
	if (!e->copy)
		return -1;
	for (i = 0; i < n; i++) {
		e->copy[i] = envp[i];
		if (strncmp(envp[i], "LD_PRELOAD=", 11) != 0 || e->preload)
			continue;
		list = preload_without_library(envp[i] + 11);
		if (!list || asprintf(&e->preload, "LD_PRELOAD=%s", list) < 0) {
			free(list);
			free(e->copy);
			*e = (struct exec_env){ .env = (char **)envp };
			return -1;
		}
		free(list);
		e->copy[i] = e->preload;
	}
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
