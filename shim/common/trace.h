/* The lines a connection leaves: a failure by default, the path with -v, decisions with -vv. */
#ifndef SOCKSCHAIN_TRACE_H
#define SOCKSCHAIN_TRACE_H

#include "../../chain/dial.h"
#include "config.h"

/* -v: the hops taken with their times, and any hop skipped on the way. */
void trace_connected(const struct shim_config *cfg, const struct chain *chain,
		     const struct endpoint *dest, const struct dial_report *rep);

/* Default: which hop failed, how, and the errno the program gets. */
void trace_failed(const struct shim_config *cfg, const struct chain *chain,
		  const struct endpoint *dest, const struct dial_report *rep, int err);

/* -vv: a connection that goes direct, and why. */
void trace_direct(const struct shim_config *cfg, const struct endpoint *dest, const char *why);

#endif
