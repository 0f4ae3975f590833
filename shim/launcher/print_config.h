/* sockschain --print: the configuration in effect, as spec text a user can save. */
#ifndef SOCKSCHAIN_PRINT_CONFIG_H
#define SOCKSCHAIN_PRINT_CONFIG_H

#include "../../chain/spec.h"
#include "../common/chainsource.h"

/* Prints to stdout, what is not spec as # comments; via names the source. Returns 0, or 125. */
int print_config(const struct chain_config *cfg, const struct chain_source *src, const char *via);

#endif
