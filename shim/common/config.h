/*
 * The library's configuration: built once, on first use, and immutable after.
 * One of the library's few pieces of global state, with the peer table
 * (shim/preload/peer_table.h) and the memory shared with forked children:
 * the fake address map (fake_names.h) and the hop memory (hop_memory.h).
 */
#ifndef SOCKSCHAIN_CONFIG_H
#define SOCKSCHAIN_CONFIG_H

#include "../../chain/spec.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

enum verbosity {
	VERBOSITY_QUIET = 0,	/* -q: only a chain that cannot be loaded */
	VERBOSITY_DEFAULT = 1,	/* one line per failed connection */
	VERBOSITY_VERBOSE = 2,	/* -v: one line per connection, every hop timed */
	VERBOSITY_DEBUG = 3,	/* -vv */
};

/*
 * What every connection reads comes first and the large buffers, mostly
 * unused, last: the library never writes their untouched pages, so they
 * never become resident (see build() in config.c).
 */
struct shim_config {
	bool ok;			/* false: the chain could not be loaded */
	const char *via;		/* which source: "SOCKS_CHAIN", "PROXYCHAINS_CONF_FILE", ... */
	bool proxychains;		/* translated from proxychains.conf format */
	enum verbosity verbosity;	/* SOCKS_CHAIN_VERBOSE, else the file's quiet_mode */
	uint64_t seed;			/* SOCKS_CHAIN_SEED, else random: random paths */
	struct chain_config chain;	/* when ok */
	char origin[PATH_MAX];		/* where the chain came from */
	char error[2100];		/* why, when !ok */
	char log_path[PATH_MAX];	/* SOCKS_CHAIN_LOG; empty: stderr */
	/*
	 * Under the seccomp supervisor (SOCKS_CHAIN_SUPERVISED=1, set by it, and a
	 * filter on this process): the supervisor answers DNS and guards UDP, so
	 * the library's leak guard hands those calls to it instead of refusing.
	 */
	bool supervised;
};

/* Loads the configuration on first call; never NULL. */
const struct shim_config *shim_config(void);

/*
 * Whether this process is in a tree the supervisor serves: its marker
 * (SOCKS_CHAIN_SUPERVISED=1) and a seccomp filter on this process.
 */
bool shim_supervised_tree(void);

/* Whether this thread is loading it right now (a nested connect must not pass). */
bool shim_config_loading(void);

#endif
