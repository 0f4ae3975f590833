/*
 * sockschain --check [HOST:PORT]: dials hop 1, then hop 1 -> hop 2, and so
 * on, and prints a row per hop: whether it answered, how long it took, the
 * error if not; with HOST:PORT, then the whole chain to that destination.
 */
#ifndef SOCKSCHAIN_CHECK_H
#define SOCKSCHAIN_CHECK_H

#include "../../chain/spec.h"

/* Checks every chain. Returns the exit status: 0 when every hop answered. */
int check_chains(const struct chain_config *cfg, const char *target);

#endif
