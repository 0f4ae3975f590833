/*
 * connect(): TCP connections to destinations that are not bypassed go through
 * the chain, on the program's own socket; everything else passes untouched.
 */
#define _GNU_SOURCE
#include "../chain/dial.h"
#include "config.h"
#include "export.h"
#include "log.h"
#include "peer_table.h"
#include "real.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

/* The errno for connections refused because there is no usable chain. */
#define ENOCHAIN EACCES

static bool is_stream_socket(int fd)
{
	int type = 0;
	socklen_t len = sizeof(type);

	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
}

/* Returns the socket to its unconnected state so nothing flows past a failed chain. */
static void disconnect(int fd)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	int saved = errno;

	real_connect(fd, &unspec, sizeof(unspec));
	errno = saved;
}

static void trace_success(const struct shim_config *cfg, const struct netaddr *dest,
			  const struct dial_report *rep)
{
	char line[1800], hop[HOP_TEXT_MAX], where[NETADDR_TEXT_MAX];
	size_t len = 0;
	unsigned i;

	if (cfg->verbosity < VERBOSITY_VERBOSE)
		return;
	netaddr_format(dest, where, sizeof(where));
	for (i = 0; i < cfg->chain.nhops && len < sizeof(line); i++) {
		hop_describe(&cfg->chain.hops[i], hop, sizeof(hop));
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s (%.1f ms) -> ", hop,
					(double)rep->hop_us[i] / 1000.0);
	}
	shim_log(cfg, VERBOSITY_VERBOSE, "%s: via %s%s: connected", where, line, where);
}

static void report_failure(const struct shim_config *cfg, const struct netaddr *dest,
			   const struct dial_report *rep, int err)
{
	char hop[HOP_TEXT_MAX], where[NETADDR_TEXT_MAX];

	netaddr_format(dest, where, sizeof(where));
	hop_describe(&cfg->chain.hops[rep->failed_hop], hop, sizeof(hop));
	shim_log(cfg, VERBOSITY_DEFAULT, "%s: hop %u of %u (%s) %s [%s]", where,
		 rep->failed_hop + 1, cfg->chain.nhops, hop, rep->reason, strerrorname_np(err));
}

static void trace_bypass(const struct shim_config *cfg, const struct netaddr *dest)
{
	char where[NETADDR_TEXT_MAX];

	if (cfg->verbosity < VERBOSITY_DEBUG)
		return;
	netaddr_format(dest, where, sizeof(where));
	shim_log(cfg, VERBOSITY_DEBUG, "%s: bypassed, connecting directly", where);
}

static int refuse(const struct shim_config *cfg, const struct netaddr *dest, const char *why)
{
	char where[NETADDR_TEXT_MAX];

	netaddr_format(dest, where, sizeof(where));
	/* Even -q reports this: the chain itself is broken, not one connection. */
	shim_log(cfg, VERBOSITY_QUIET, "%s: refused, not connecting directly: %s", where, why);
	errno = ENOCHAIN;
	return -1;
}

static int dial(const struct shim_config *cfg, int fd, int family, const struct netaddr *dest)
{
	struct endpoint target = { .name = NULL, .addr = *dest };
	struct dial_report rep;
	int saved = errno, flags, rc;

	flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return -1;
	/* Non-blocking for the handshake, so every wait has a deadline. */
	if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -1;
	rc = chain_dial(fd, family, &cfg->chain, &target, real_connect, &rep);
	if (!(flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, flags);
	if (rc < 0) {
		if (rc != -EISCONN && rc != -EALREADY)
			disconnect(fd);
		report_failure(cfg, dest, &rep, -rc);
		errno = -rc;
		return -1;
	}
	peer_table_remember(fd, &cfg->chain.hops[0].addr, dest);
	trace_success(cfg, dest, &rep);
	errno = saved;
	return 0;
}

SHIM_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	const struct shim_config *cfg;
	struct netaddr dest;

	if (!addr || len < sizeof(sa_family_t) ||
	    netaddr_from_sockaddr(addr, len, &dest) < 0 || !is_stream_socket(fd))
		return real_connect(fd, addr, len);
	if (shim_config_loading()) {
		/* Only a signal handler could get here: fail closed rather than guess. */
		errno = ENOCHAIN;
		return -1;
	}
	cfg = shim_config();
	/* A chain that could not be loaded leaves the default bypass in force. */
	if (chain_bypasses(&cfg->chain, &dest)) {
		trace_bypass(cfg, &dest);
		return real_connect(fd, addr, len);
	}
	if (!cfg->ok)
		return refuse(cfg, &dest, cfg->error);
	return dial(cfg, fd, addr->sa_family, &dest);
}
