#define _GNU_SOURCE
#include "trace.h"

#include "log.h"

#include <stdio.h>
#include <string.h>

/* " (chain tor)" for a named chain; nothing for the default one. */
static void chain_label(const struct chain *chain, char *buf, size_t cap)
{
	if (strcmp(chain->name, "default") == 0)
		buf[0] = '\0';
	else
		snprintf(buf, cap, " (chain %s)", chain->name);
}

/* "; skipped hop 2 (socks5://...): why" for each hop left out. */
static size_t append_skips(const struct chain *chain, const struct dial_report *rep, char *buf,
			   size_t len, size_t cap)
{
	char hop[HOP_TEXT_MAX];
	unsigned i;

	for (i = 0; i < rep->nskips && len < cap; i++) {
		hop_describe(&chain->hops[rep->skips[i].hop], hop, sizeof(hop));
		len += (size_t)snprintf(buf + len, cap - len, "; skipped hop %u (%s): %s",
					rep->skips[i].hop + 1, hop, rep->skips[i].reason);
	}
	return len;
}

void trace_connected(const struct shim_config *cfg, const struct chain *chain,
		     const struct endpoint *dest, const struct dial_report *rep)
{
	char line[3000], hop[HOP_TEXT_MAX], where[ENDPOINT_TEXT_MAX], label[48];
	size_t len = 0;
	unsigned i;

	if (cfg->verbosity < VERBOSITY_VERBOSE)
		return;
	endpoint_format(dest, where, sizeof(where));
	chain_label(chain, label, sizeof(label));
	for (i = 0; i < rep->path_len && len < sizeof(line); i++) {
		hop_describe(&chain->hops[rep->path[i]], hop, sizeof(hop));
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s (%.1f ms) -> ", hop,
					(double)rep->hop_us[i] / 1000.0);
	}
	if (len < sizeof(line))
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s: connected", where);
	append_skips(chain, rep, line, len, sizeof(line));
	shim_log(cfg, VERBOSITY_VERBOSE, "%s:%s via %s", where, label, line);
}

void trace_failed(const struct shim_config *cfg, const struct chain *chain,
		  const struct endpoint *dest, const struct dial_report *rep, int err)
{
	char hop[HOP_TEXT_MAX], where[ENDPOINT_TEXT_MAX], label[48], skips[1500] = "";
	unsigned failed;

	endpoint_format(dest, where, sizeof(where));
	chain_label(chain, label, sizeof(label));
	if (rep->path_len == 0) {	/* nothing was dialed: a chain without hops */
		shim_log(cfg, VERBOSITY_DEFAULT, "%s:%s the chain has no hop to try [%s]", where,
			 label, strerrorname_np(err));
		return;
	}
	if (cfg->verbosity >= VERBOSITY_VERBOSE)
		append_skips(chain, rep, skips, 0, sizeof(skips));
	failed = rep->path[rep->failed_pos];
	hop_describe(&chain->hops[failed], hop, sizeof(hop));
	shim_log(cfg, VERBOSITY_DEFAULT, "%s:%s hop %u of %u (%s) %s [%s]%s", where, label,
		 failed + 1, chain->nhops, hop, rep->reason, strerrorname_np(err), skips);
}

void trace_direct(const struct shim_config *cfg, const struct endpoint *dest, const char *why)
{
	char where[ENDPOINT_TEXT_MAX];

	if (cfg->verbosity < VERBOSITY_DEBUG)
		return;
	endpoint_format(dest, where, sizeof(where));
	shim_log(cfg, VERBOSITY_DEBUG, "%s: %s, connecting directly", where, why);
}
