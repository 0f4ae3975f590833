/* One-line messages from the library: "sockschain: ..." to stderr or SOCKS_CHAIN_LOG. */
#ifndef SOCKSCHAIN_LOG_H
#define SOCKSCHAIN_LOG_H

#include "config.h"

/*
 * Writes the line if cfg's verbosity reaches level, to SOCKS_CHAIN_LOG or to
 * the stderr the process started with, if fd 2 is still that; drops it rather
 * than block or raise SIGPIPE. Leaves errno as it was.
 */
void shim_log(const struct shim_config *cfg, enum verbosity level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
