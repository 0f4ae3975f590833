/*
 * A configuration written back as spec text: what `sockschain --print` shows.
 * Parsing the text gives the same configuration again, except that passwords
 * are written as *** (they never appear in any output).
 */
#ifndef SOCKSCHAIN_SPEC_PRINT_H
#define SOCKSCHAIN_SPEC_PRINT_H

#include "spec.h"

#include <stdio.h>

/* Every option explicit, defaults included, one chain after the other, routes last. */
void spec_print(const struct chain_config *cfg, FILE *out);

#endif
