#define _GNU_SOURCE
#include "carry.h"

#include "../../chain/dial.h"
#include "../../chain/route.h"
#include "../common/config.h"
#include "../common/dial_env.h"
#include "../common/fake_names.h"
#include "../common/leak_guard.h"
#include "../common/log.h"
#include "../common/trace.h"
#include "hop_resolver.h"
#include "peers.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#define DNS_PORT 53
/* The errno for connections refused because there is no usable chain, or a rule says so. */
#define ENOCHAIN EACCES

int carry_socket_type(int fd, int *domain)
{
	int type = -1;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -1;
	len = sizeof(*domain);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, domain, &len) < 0)
		return -1;
	return type;
}

/* Whether port 53 traffic goes to our stub: what the library's leak guard would refuse. */
static bool dns_to_stub(const struct shim_config *cfg, const struct netaddr *dest)
{
	return dest->port == DNS_PORT && cfg->chain.dns == DNS_REMOTE && !cfg->chain.udp_allowed;
}

/* The stub's address as a socket of this family reaches it. Its length, or 0. */
static socklen_t stub_address(const struct sockaddr_in *stub, int fd, struct sockaddr_storage *out)
{
	struct netaddr addr;
	int domain = AF_INET;

	carry_socket_type(fd, &domain);
	if (netaddr_from_sockaddr((const struct sockaddr *)stub, sizeof(*stub), &addr) < 0)
		return 0;
	return netaddr_to_sockaddr(&addr, domain, out);
}

static int connect_result(int fd, const struct sockaddr *sa, socklen_t len)
{
	return connect(fd, sa, len) == 0 ? 0 : -errno;
}

static int refuse(const struct shim_config *cfg, const struct endpoint *dest,
		  enum verbosity level, const char *why)
{
	char where[ENDPOINT_TEXT_MAX];

	endpoint_format(dest, where, sizeof(where));
	shim_log(cfg, level, "%s: refused, not connecting directly: %s", where, why);
	return -ENOCHAIN;
}

static int dial(const struct shim_config *cfg, const struct chain *chain, int fd, int family,
		const struct endpoint *target)
{
	struct dial_env env = shim_dial_env(cfg, chain, connect, getpeername, NULL,
					    supervisor_resolve_hop);
	struct dial_report rep;
	int flags = fcntl(fd, F_GETFL), rc;

	if (flags < 0)
		return -errno;
	/* The copy shares the program's flags: shim_dial_now() restores them. */
	rc = shim_dial_now(cfg, chain, fd, flags, family, target, &env, &rep);
	if (rc == 0)
		peers_remember(fd, &rep.first_hop, &target->addr);
	return rc;
}

/* A route sent a fake address's name straight out: resolve it here, as the user chose. */
static int connect_direct_by_name(int fd, int family, const struct endpoint *target)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM,
				  .ai_flags = family == AF_INET6 ? AI_V4MAPPED | AI_ALL : 0 };
	struct addrinfo *res;
	char port[8];
	int rc;

	snprintf(port, sizeof(port), "%u", target->addr.port);
	if (getaddrinfo(target->name, port, &hints, &res) != 0)
		return -EHOSTUNREACH;
	rc = connect_result(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return rc;
}

int carry_stream(const struct supervisor *sv, int fd, const struct sockaddr *sa, socklen_t len,
		 const struct netaddr *dest)
{
	const struct shim_config *cfg = shim_config();
	struct endpoint target = { .name = NULL, .addr = *dest };
	struct route_decision route;
	struct sockaddr_storage stub;
	char name[256], where[NETADDR_TEXT_MAX];
	socklen_t stub_len;

	if (dns_to_stub(cfg, dest)) {
		stub_len = stub_address(&sv->stub_tcp, fd, &stub);
		return stub_len ? connect_result(fd, (struct sockaddr *)&stub, stub_len) : -EPERM;
	}
	if (fake_names_lookup(cfg, dest, name)) {
		target.name = name;
	} else if (fake_names_in_range(cfg, dest)) {
		netaddr_format(dest, where, sizeof(where));
		shim_log(cfg, VERBOSITY_DEFAULT, "%s: a fake address the supervisor did not hand "
			 "out (fake_range is for names the last hop resolves)", where);
		return -EHOSTUNREACH;
	}
	route_decide(&cfg->chain, target.name, dest, &route);
	if (!cfg->ok && !route.bypassed)	/* even -q says this: the chain is broken */
		return refuse(cfg, &target, VERBOSITY_QUIET, cfg->error);
	switch (route.action) {
	case ROUTE_DIRECT:
		trace_direct(cfg, &target, route.bypassed ? "bypassed" : route.rule->text);
		return target.name ? connect_direct_by_name(fd, sa->sa_family, &target)
				   : connect_result(fd, sa, len);
	case ROUTE_REFUSE:
		return refuse(cfg, &target, VERBOSITY_DEFAULT, route.rule->text);
	case ROUTE_CHAIN:
		break;
	}
	return dial(cfg, route.chain, fd, sa->sa_family, &target);
}

int carry_datagram_target(const struct supervisor *sv, int fd, const struct netaddr *dest,
			  const struct sockaddr *sa, socklen_t len, const char *call,
			  struct sockaddr_storage *to)
{
	const struct shim_config *cfg = shim_config();
	int protocol = IPPROTO_UDP;
	socklen_t n = sizeof(protocol);

	/* The guard treats a ping socket (IPPROTO_ICMP) apart from UDP. */
	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &n);
	if (dns_to_stub(cfg, dest)) {
		n = stub_address(&sv->stub_udp, fd, to);
		return n ? (int)n : -EPERM;
	}
	if (leak_guard_check(cfg, SOCK_DGRAM, protocol, dest, call) < 0)
		return -EPERM;
	if (len > sizeof(*to))
		return -EINVAL;
	memcpy(to, sa, len);
	return (int)len;
}
