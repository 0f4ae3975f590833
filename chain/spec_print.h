/*
 * A configuration written back as spec text: what `sockschain --print` shows.
 * Parsing the text gives the same configuration again, except that passwords
 * are written as *** (they never appear in any output).
 */
#ifndef SOCKSCHAIN_SPEC_PRINT_H
#define SOCKSCHAIN_SPEC_PRINT_H

#include "spec.h"

/*
 * Every option explicit, defaults included, one chain after the other, routes
 * last, into a new string (free() it). 0 or -ENOMEM. No stdio: the library
 * links this too, and writes nothing to a program's streams.
 */
int spec_print(const struct chain_config *cfg, char **text);

#endif
