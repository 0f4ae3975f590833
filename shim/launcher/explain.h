/* sockschain --explain HOST[:PORT]: which rule and which chain, without connecting. */
#ifndef SOCKSCHAIN_EXPLAIN_H
#define SOCKSCHAIN_EXPLAIN_H

#include "../../chain/spec.h"

/* Prints the decision to stdout. Returns the launcher's exit status. */
int explain(const struct chain_config *cfg, const char *origin, const char *target);

#endif
