#define _GNU_SOURCE
#include "config.h"

#include "../../chain/deadline.h"
#include "../../chain/strbuf.h"
#include "chainsource.h"
#include "env_at_load.h"
#include "fork_guard.h"
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/seccomp.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <unistd.h>

static struct shim_config storage;
static struct shim_config *published;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread bool loading __attribute__((tls_model("initial-exec")));

/* A fork while another thread loads would leave the child's copy of the lock held forever. */
static struct fork_guard load_guard = FORK_GUARD(&load_lock, NULL);

bool shim_supervised_tree(void)
{
	const char *mark = getauxval(AT_SECURE) ? NULL : env_at_load_get("SOCKS_CHAIN_SUPERVISED");

	/* The variable alone could be left over from a tree now gone, or set by hand. */
	return mark && strcmp(mark, "1") == 0 && prctl(PR_GET_SECCOMP) == SECCOMP_MODE_FILTER;
}

/* Returns whether SOCKS_CHAIN_VERBOSE chose the verbosity. */
static bool read_environment(struct shim_config *cfg, bool use_env)
{
	const char *verbose = use_env ? env_at_load_get("SOCKS_CHAIN_VERBOSE") : NULL;
	const char *log = use_env ? env_at_load_get("SOCKS_CHAIN_LOG") : NULL;
	const char *seed = use_env ? env_at_load_get("SOCKS_CHAIN_SEED") : NULL;
	bool chosen = verbose && verbose[0] >= '0' && verbose[0] <= '3' && verbose[1] == '\0';

	cfg->supervised = use_env && shim_supervised_tree();

	cfg->verbosity = chosen ? (enum verbosity)(verbose[0] - '0') : VERBOSITY_DEFAULT;
	if (log && *log)
		text_copy(cfg->log_path, sizeof(cfg->log_path), log);
	/* A fixed seed makes random paths reproducible, for tests. */
	if (seed && *seed)
		cfg->seed = strtoull(seed, NULL, 0);
	else if (getrandom(&cfg->seed, sizeof(cfg->seed), GRND_NONBLOCK) != sizeof(cfg->seed))
		cfg->seed = (uint64_t)clock_now_us() ^ (uint64_t)getpid() << 32;
	return chosen;
}

/* verbosity_chosen: SOCKS_CHAIN_VERBOSE (which -q and -v set) wins over quiet_mode. */
static void load_chain(struct shim_config *cfg, bool use_env, bool verbosity_chosen)
{
	struct chain_source src;
	struct spec_error err;

	chain_config_init(&cfg->chain);
	if (chain_source_load(&src, use_env, cfg->error, sizeof(cfg->error)) < 0)
		return;
	text_copy(cfg->origin, sizeof(cfg->origin), src.origin);
	cfg->via = src.via;
	cfg->proxychains = src.proxychains;
	if (src.pc.quiet && !verbosity_chosen)
		cfg->verbosity = VERBOSITY_QUIET;
	/* Hop names are resolved when a connection needs them, within its deadline. */
	if (spec_parse(src.text, src.origin, &cfg->chain, &err) == 0)
		cfg->ok = true;
	free(src.text);
	if (cfg->ok)
		return;
	snprintf(cfg->error, sizeof(cfg->error), "%s", err.text);
	chain_config_free(&cfg->chain);	/* what a broken spec said is not trusted */
}

/*
 * cfg: the static storage, still all zero (built once). Not cleared again:
 * clearing would write, and so make resident, every page of its buffers,
 * where only what is set here is written (a few kB at the start, usually).
 */
static void build(struct shim_config *cfg)
{
	/* A set-user-ID program must not take its chain from whoever ran it. */
	bool use_env = getauxval(AT_SECURE) == 0;
	bool verbosity_chosen;

	verbosity_chosen = read_environment(cfg, use_env);
	load_chain(cfg, use_env, verbosity_chosen);
	if (cfg->ok)
		shim_log(cfg, VERBOSITY_DEBUG, "chain from %s (%s%s): %u chains (the default of %u "
			 "hops), %u routes, %u bypass ranges", cfg->origin, cfg->via,
			 cfg->proxychains ? ", proxychains format" : "", cfg->chain.nchains,
			 cfg->chain.chains[0].nhops, cfg->chain.nroutes, cfg->chain.nbypass);
}

const struct shim_config *shim_config(void)
{
	struct shim_config *cfg = __atomic_load_n(&published, __ATOMIC_ACQUIRE);

	if (cfg)
		return cfg;
	fork_guard_lock(&load_guard);
	cfg = published;
	if (!cfg) {
		loading = true;
		build(&storage);
		loading = false;
		cfg = &storage;
		__atomic_store_n(&published, cfg, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&load_lock);
	return cfg;
}

bool shim_config_loading(void)
{
	return loading;
}
