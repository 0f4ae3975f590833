/*
 * The BSD r-commands in libc resolve and connect by themselves, with libc's
 * internal calls, which no hook of ours sees: rcmd() and rexec() would
 * connect around the chain whatever dns= says, so they are always refused
 * (-1, errno EPERM). ruserok() and iruserok() look names up themselves: with
 * dns=remote they deny (-1, errno EPERM) rather than send a DNS query.
 */
#define _GNU_SOURCE
#include "../common/config.h"
#include "../common/log.h"
#include "../common/name_policy.h"
#include "export.h"
#include "real.h"

#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <sys/types.h>

static int refuse_connect(const char *fn_name, char **ahost, int rport)
{
	const struct shim_config *cfg = shim_config();

	shim_log(cfg, VERBOSITY_DEFAULT, "%s(%.255s:%d) refused: it connects by itself, around "
		 "the chain", fn_name, ahost && *ahost ? *ahost : "", (int)ntohs((uint16_t)rport));
	errno = EPERM;
	return -1;
}

SHIM_EXPORT int rcmd(char **ahost, unsigned short rport, const char *locuser, const char *remuser,
		     const char *cmd, int *fd2p)
{
	(void)locuser, (void)remuser, (void)cmd, (void)fd2p;
	return refuse_connect("rcmd", ahost, rport);
}

SHIM_EXPORT int rcmd_af(char **ahost, unsigned short rport, const char *locuser,
			const char *remuser, const char *cmd, int *fd2p, sa_family_t af)
{
	(void)locuser, (void)remuser, (void)cmd, (void)fd2p, (void)af;
	return refuse_connect("rcmd_af", ahost, rport);
}

SHIM_EXPORT int rexec(char **ahost, int rport, const char *name, const char *pass,
		      const char *cmd, int *fd2p)
{
	(void)name, (void)pass, (void)cmd, (void)fd2p;
	return refuse_connect("rexec", ahost, rport);
}

SHIM_EXPORT int rexec_af(char **ahost, int rport, const char *name, const char *pass,
			 const char *cmd, int *fd2p, sa_family_t af)
{
	(void)name, (void)pass, (void)cmd, (void)fd2p, (void)af;
	return refuse_connect("rexec_af", ahost, rport);
}

typedef int (*ruserok_af_t)(const char *, int, const char *, const char *, sa_family_t);
typedef int (*iruserok_af_t)(const void *, int, const char *, const char *, sa_family_t);

SHIM_EXPORT int ruserok_af(const char *rhost, int superuser, const char *ruser, const char *luser,
			   sa_family_t af)
{
	REAL(ruserok_af_t, ruserok_af);

	if (name_policy_refuse_query("ruserok", rhost ? rhost : "") || !fn)
		return -1;
	return fn(rhost, superuser, ruser, luser, af);
}

SHIM_EXPORT int ruserok(const char *rhost, int superuser, const char *ruser, const char *luser)
{
	return ruserok_af(rhost, superuser, ruser, luser, AF_INET);
}

SHIM_EXPORT int iruserok_af(const void *raddr, int superuser, const char *ruser,
			    const char *luser, sa_family_t af)
{
	REAL(iruserok_af_t, iruserok_af);

	/* It resolves the host names listed in hosts.equiv and .rhosts. */
	if (name_policy_refuse_query("iruserok", "") || !fn)
		return -1;
	return fn(raddr, superuser, ruser, luser, af);
}

SHIM_EXPORT int iruserok(uint32_t raddr, int superuser, const char *ruser, const char *luser)
{
	return iruserok_af(&raddr, superuser, ruser, luser, AF_INET);
}
