/*
 * Where the chain spec comes from, first found wins: SOCKS_CHAIN,
 * SOCKS_CHAIN_FILE, PROXYCHAINS_CONF_FILE, $XDG_CONFIG_HOME/sockschain/chain
 * (else ~/.config/sockschain/chain), /etc/sockschain/chain. Shared by the
 * launcher (after it has put -c/-f into the environment) and the library.
 *
 * A file in proxychains.conf format is translated here (chain/pcconf.h), so
 * the launcher and the library always see the same spec. PROXYCHAINS_CONF_FILE
 * is a choice made for this run, so it comes before the default files; the
 * files proxychains itself reads by default are never read.
 */
#ifndef SOCKSCHAIN_CHAINSOURCE_H
#define SOCKSCHAIN_CHAINSOURCE_H

#include "../../chain/pcconf.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define SYSTEM_CHAIN_FILE "/etc/sockschain/chain"

struct chain_source {
	char origin[PATH_MAX];	/* "SOCKS_CHAIN" or the file's path, for messages */
	char *text;		/* the spec; free() it */
	bool from_file;		/* origin is a file's path */
	const char *via;	/* which source: "SOCKS_CHAIN", "PROXYCHAINS_CONF_FILE", ... */
	bool proxychains;	/* text was translated from proxychains.conf format */
	struct pcconf pc;	/* and what the translation says besides the spec */
};

/*
 * use_env false ignores the environment (set-user-ID programs): only the
 * system file counts. Returns 0, or a negative errno with why filled in:
 * -ENOENT when no source exists anywhere.
 */
int chain_source_load(struct chain_source *src, bool use_env, char *why, size_t cap);

/*
 * Reads a whole chain file (at most SPEC_TEXT_MAX bytes) into a new string.
 * 0, or a negative errno: -EISDIR, -ENODEV when it is not a regular file (a
 * FIFO or a device, which could block), -EFBIG, -EINVAL when it holds a NUL.
 */
int chain_file_read(const char *path, char **text);

#endif
