/*
 * connect(): TCP connections to destinations that are not bypassed go through
 * the chain, on the program's own socket; everything else passes untouched.
 */
#define _GNU_SOURCE
#include "../chain/dial.h"
#include "config.h"
#include "export.h"
#include "fake_names.h"
#include "hook_connect.h"
#include "leak_guard.h"
#include "log.h"
#include "peer_table.h"
#include "real.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

/* The errno for connections refused because there is no usable chain. */
#define ENOCHAIN EACCES

static int socket_type(int fd)
{
	int type = -1;
	socklen_t len = sizeof(type);

	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 ? type : -1;
}

/* Returns the socket to its unconnected state so nothing flows past a failed chain. */
static void disconnect(int fd)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	int saved = errno;

	real_connect(fd, &unspec, sizeof(unspec));
	errno = saved;
}

static void trace_success(const struct shim_config *cfg, const struct endpoint *dest,
			  const struct dial_report *rep)
{
	char line[1800], hop[HOP_TEXT_MAX], where[ENDPOINT_TEXT_MAX];
	size_t len = 0;
	unsigned i;

	if (cfg->verbosity < VERBOSITY_VERBOSE)
		return;
	endpoint_format(dest, where, sizeof(where));
	for (i = 0; i < cfg->chain.nhops && len < sizeof(line); i++) {
		hop_describe(&cfg->chain.hops[i], hop, sizeof(hop));
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s (%.1f ms) -> ", hop,
					(double)rep->hop_us[i] / 1000.0);
	}
	shim_log(cfg, VERBOSITY_VERBOSE, "%s: via %s%s: connected", where, line, where);
}

static void report_failure(const struct shim_config *cfg, const struct endpoint *dest,
			   const struct dial_report *rep, int err)
{
	char hop[HOP_TEXT_MAX], where[ENDPOINT_TEXT_MAX];

	endpoint_format(dest, where, sizeof(where));
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

/* A fake address nobody handed out here: another process's, or a stale one. */
static int unknown_fake(const struct shim_config *cfg, const struct netaddr *dest)
{
	char where[NETADDR_TEXT_MAX];

	netaddr_format(dest, where, sizeof(where));
	shim_log(cfg, VERBOSITY_DEFAULT, "%s: a fake address this process did not hand out "
		 "(fake_range is for names the last hop resolves)", where);
	errno = EHOSTUNREACH;
	return -1;
}

static int dial(const struct shim_config *cfg, int fd, int family, const struct netaddr *dest,
		const char *name)
{
	struct endpoint target = { .name = name, .addr = *dest };
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
		report_failure(cfg, &target, &rep, -rc);
		errno = -rc;
		return -1;
	}
	peer_table_remember(fd, &cfg->chain.hops[0].addr, dest);
	trace_success(cfg, &target, &rep);
	errno = saved;
	return 0;
}

/* An internet stream socket: through the chain, unless bypassed or refused. */
static int connect_stream(int fd, const struct sockaddr *addr, socklen_t len,
			  const struct netaddr *dest)
{
	const struct shim_config *cfg;
	char name[256];
	bool named;

	if (shim_config_loading()) {
		/* Only a signal handler could get here: fail closed rather than guess. */
		errno = ENOCHAIN;
		return -1;
	}
	cfg = shim_config();
	if (leak_guard_check(cfg, SOCK_STREAM, dest, "connect") < 0)
		return -1;
	named = fake_names_lookup(cfg, dest, name);
	if (!named && fake_names_in_range(cfg, dest))
		return unknown_fake(cfg, dest);
	/* A chain that could not be loaded leaves the default bypass in force. */
	if (!named && chain_bypasses(&cfg->chain, dest)) {
		trace_bypass(cfg, dest);
		return real_connect(fd, addr, len);
	}
	if (!cfg->ok)
		return refuse(cfg, dest, cfg->error);
	return dial(cfg, fd, addr->sa_family, dest, named ? name : NULL);
}

int shim_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct netaddr dest;
	int type;

	if (!addr || len < sizeof(sa_family_t) || netaddr_from_sockaddr(addr, len, &dest) < 0)
		return real_connect(fd, addr, len);
	type = socket_type(fd);
	if (type == SOCK_STREAM)
		return connect_stream(fd, addr, len, &dest);
	if (type == SOCK_DGRAM && !shim_config_loading() &&
	    leak_guard_check(shim_config(), type, &dest, "connect") < 0)
		return -1;
	return real_connect(fd, addr, len);
}

SHIM_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return shim_connect(fd, addr, len);
}
