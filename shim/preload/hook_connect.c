/*
 * connect(): TCP connections go where the routes say (a chain, direct, or
 * refused), on the program's own socket; everything else passes untouched,
 * but for the leak guard.
 */
#define _GNU_SOURCE
#include "../../chain/deadline.h"
#include "../../chain/dial.h"
#include "async_conn.h"
#include "async_state.h"
#include "../../chain/route.h"
#include "../../chain/sockdest.h"
#include "../../chain/sockio.h"
#include "../common/config.h"
#include "../common/dial_env.h"
#include "dialing.h"
#include "export.h"
#include "../common/fake_names.h"
#include "hook_connect.h"
#include "../common/hop_names.h"
#include "../common/lookup.h"
#include "../common/leak_guard.h"
#include "../common/log.h"
#include "../common/own_connect.h"
#include "peer_table.h"
#include "real.h"
#include "socket_kind.h"
#include "../common/trace.h"
#include "user_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The errno for connections refused because there is no usable chain, or a rule says so. */
#define ENOCHAIN EACCES

/*
 * Connects to the first hop, which a supervisor's filter lets through
 * (own_connect.h). Direct connects keep the program's length: a supervisor
 * judges them again, and sends port 53 to its DNS stub.
 */
int shim_own_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return own_connect(real_connect, fd, addr, len);
}

static int refuse(const struct shim_config *cfg, const struct endpoint *dest,
		  enum verbosity level, const char *why)
{
	char where[ENDPOINT_TEXT_MAX];

	endpoint_format(dest, where, sizeof(where));
	shim_log(cfg, level, "%s: refused, not connecting directly: %s", where, why);
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

static const struct resolver real_resolver = { real_getaddrinfo, real_freeaddrinfo };

int shim_resolve_hop(const struct hop *hop, int64_t deadline, struct netaddr *addr,
		     char *reason, size_t cap)
{
	return hop_names_resolve(&real_resolver, hop, deadline, addr, reason, cap);
}

/* What connect_stream() learnt of the program's socket, so that nobody asks again. */
struct stream {
	int fd;
	int family;
	bool family_guessed;	/* family is the address's (socket_kind.h), until other_family() */
	int flags;		/* its file status flags */
	ino_t ino;		/* 0 when unknown */
};

/*
 * Asked before the library answers for a socket whose family was guessed:
 * a socket of another family gets the kernel's answer to the program's own
 * address, as if the library had never looked (a stream socket connects to
 * no address but its own family's, so that answer is a refusal).
 */
static bool other_family(struct stream *s, const struct sockaddr *addr, socklen_t len, int *rc)
{
	int family;

	if (!s->family_guessed)
		return false;
	s->family_guessed = false;
	if (socket_family(s->fd, &family) == 0 && family == s->family)
		return false;
	*rc = real_connect(s->fd, addr, len);
	return true;
}

/* A blocking dial's wait: the background chains begun here are handed over first, as in poll(). */
static int own_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	async_before_wait();
	return async_real_poll(fds, n, timeout);
}

/* The dial's own calls on the program's socket skip the library's hooks: none applies to them. */
static const struct sock_calls own_io = { real_send, real_recv, own_poll };

/* One dial of the chain: 0, or -1 with errno; *doubted when the socket may be of another family. */
static int dial_once(const struct shim_config *cfg, const struct chain *chain,
		     const struct stream *s, const struct endpoint *target, bool *doubted)
{
	struct dial_env env = shim_dial_env(cfg, chain, shim_own_connect, real_getpeername,
					    &own_io, shim_resolve_hop);
	struct dial_report rep;
	int saved = errno, rc;

	env.family_guessed = s->family_guessed;
	*doubted = false;
	/* A non-blocking socket's chain is dialed in the background: EINPROGRESS. */
	if ((s->flags & O_NONBLOCK) && !chain->no_async) {
		rc = async_connect(cfg, chain, &env, s->fd, s->ino, s->family, target);
		if (rc == ASYNC_FAMILY_DOUBTED) {
			*doubted = true;
			return -1;
		}
		if (rc <= 0)
			return rc;
	}
	rc = shim_dial_now(cfg, chain, s->fd, s->flags, s->family, target, &env, &rep);
	if (rc < 0) {
		*doubted = rep.family_doubted;
		errno = -rc;
		return -1;
	}
	if (s->ino)
		peer_table_remember_inode(s->fd, s->ino, &rep.first_hop, &target->addr);
	else
		peer_table_remember(s->fd, &rep.first_hop, &target->addr);
	errno = saved;
	return 0;
}

/*
 * The first hop's connect is the kernel's word on a guessed family: a socket
 * that refused it is asked, and dialed again if it is of that family after
 * all (an IPv6 first hop for an IPv4 socket, which a dynamic chain skips).
 */
static int dial(const struct shim_config *cfg, const struct chain *chain, struct stream *s,
		const struct endpoint *target, const struct sockaddr *addr, socklen_t len)
{
	bool doubted;
	int rc = dial_once(cfg, chain, s, target, &doubted);

	if (rc < 0 && doubted && !other_family(s, addr, len, &rc))
		rc = dial_once(cfg, chain, s, target, &doubted);
	return rc;
}

/*
 * A route sent a name the program resolved through us straight out: resolve
 * it here, as the user chose, within the default chain's connect_timeout, and
 * connect the program's socket to it.
 */
static int connect_direct_by_name(const struct shim_config *cfg, int fd, int family,
				  const struct endpoint *target)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM,
				  .ai_flags = family == AF_INET6 ? AI_V4MAPPED | AI_ALL : 0 };
	int64_t deadline = deadline_after_ms(chain_connect_timeout_ms(&cfg->chain.chains[0]));
	struct addrinfo *res;
	char port[8];
	int gai_rc, rc;

	snprintf(port, sizeof(port), "%u", target->addr.port);
	if (lookup_within(&real_resolver, target->name, port, &hints, deadline, &res, &gai_rc,
			  NULL, NULL) < 0) {
		errno = EHOSTUNREACH;
		return -1;
	}
	rc = real_connect(fd, res->ai_addr, res->ai_addrlen);
	real_freeaddrinfo(res);
	return rc;
}

/*
 * A socket connected already (or connecting) gets the kernel's own answer,
 * EISCONN or EALREADY, and nothing of the library's: no refusal, no line, no
 * lookup. Asked only where the library would answer: a chain's first connect
 * gets the kernel's answer anyway.
 */
static bool kernel_answers(const struct stream *s, const struct sockaddr *addr, socklen_t len,
			   int *rc)
{
	if (!sockio_has_peer(s->fd, real_getpeername))
		return false;
	*rc = real_connect(s->fd, addr, len);
	/* A 0 only tells that an earlier non-blocking connect (or a tunnel's) had finished. */
	if (*rc == 0) {
		errno = EISCONN;
		*rc = -1;
	}
	return true;
}

/* An internet stream socket of family: where the routes say. */
static int connect_routed(struct stream *s, const struct sockaddr *addr, socklen_t len,
			  const struct netaddr *dest)
{
	int fd = s->fd, family = s->family, rc;
	const struct shim_config *cfg = shim_config();
	struct route_decision route;
	struct endpoint target = { .name = NULL, .addr = *dest };
	const char *guard;
	bool unknown = false, link_local;
	char name[256];

	guard = leak_guard_refusal(cfg, SOCK_STREAM, IPPROTO_TCP, dest);
	if (fake_names_lookup(cfg, dest, name))
		target.name = name;
	else
		unknown = fake_names_in_range(cfg, dest);
	/* A chain that could not be loaded leaves only the default bypass. */
	route_decide(&cfg->chain, target.name, dest, &route);
	/* A proxy would reach whatever has that address on its own link: another host. */
	link_local = !target.name && netaddr_is_link_local(dest);
	/* Anything but a chain's dial is the library's own answer: the kernel's comes first. */
	if ((guard || unknown || route.action != ROUTE_CHAIN || !cfg->ok || link_local) &&
	    (kernel_answers(s, addr, len, &rc) || other_family(s, addr, len, &rc)))
		return rc;
	if (guard)
		return leak_guard_refuse(cfg, dest, "connect", guard);
	if (unknown)
		return unknown_fake(cfg, dest);
	if (!cfg->ok && !route.bypassed)	/* even -q says this: the chain is broken */
		return refuse(cfg, &target, VERBOSITY_QUIET, cfg->error);
	switch (route.action) {
	case ROUTE_DIRECT:
		trace_direct(cfg, &target, route.bypassed ? "bypassed" : route.rule->text);
		return target.name ? connect_direct_by_name(cfg, fd, family, &target)
				   : real_connect(fd, addr, len);
	case ROUTE_REFUSE:
		return refuse(cfg, &target, VERBOSITY_DEFAULT, route.rule->text);
	case ROUTE_CHAIN:
		break;
	}
	if (link_local)
		return refuse(cfg, &target, VERBOSITY_DEFAULT,
			      "a link-local address is on this machine's own links, which no proxy "
			      "shares (bypass it to connect directly)");
	return dial(cfg, route.chain, s, &target, addr, len);
}

/* A thread cancelled inside the chain's connect: the others waiting for it hear so. */
static void abandon(void *claim)
{
	dialing_end(claim, -ECONNABORTED);
}

/*
 * One connect at a time per socket: another thread's, still running, gives
 * its answer (the kernel's: EALREADY, or waiting on a blocking socket); a
 * socket already connected gets the kernel's own answer, EISCONN, and nothing
 * is sent, whatever the address and the routes.
 */
static int connect_stream(int fd, const struct socket_kind *kind, const struct sockaddr *addr,
			  socklen_t len, const struct netaddr *dest)
{
	struct dialing claim;
	struct stream s = { .fd = fd, .family = kind->family,
			    .family_guessed = kind->family_guessed };
	int flags, rc;

	if (shim_config_loading()) {
		/* Only a signal handler could get here: fail closed rather than guess. */
		errno = ENOCHAIN;
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return -1;
	if (!dialing_begin(fd, flags & O_NONBLOCK, &claim, &rc)) {
		if (rc == 0)
			return 0;
		errno = -rc;
		return -1;
	}
	pthread_cleanup_push(abandon, &claim);
	if (async_pending(fd)) {	/* its chain is being dialed in the background */
		errno = EALREADY;
		rc = -1;
	} else {
		s.flags = flags;
		s.ino = claim.ino;
		rc = connect_routed(&s, addr, len, dest);
	}
	pthread_cleanup_pop(0);
	dialing_end(&claim, rc < 0 ? -errno : 0);
	return rc;
}

/* addr is the library's own copy: judged here, and what the kernel gets. */
static int connect_judged(int fd, const struct socket_kind *kind, const struct sockaddr *addr,
			  socklen_t len)
{
	struct netaddr dest;

	if (!sockdest_judge(kind->family, kind->type, SOCKDEST_CONNECT, addr, len, &dest))
		return real_connect(fd, addr, len);
	if (kind->type == SOCK_STREAM)
		return connect_stream(fd, kind, addr, len, &dest);
	if (!shim_config_loading() &&
	    leak_guard_check(shim_config(), kind->type, kind->protocol, &dest, "connect") < 0)
		return -1;
	return real_connect(fd, addr, len);
}

/*
 * An address of another family than the internet's passes as it is, whatever
 * the socket (a disconnect, AF_UNIX). A stream socket's family is guessed
 * from the address (socket_kind.h): one question fewer on every connection.
 */
int shim_connect_copied(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct socket_kind kind = { .family = addr->sa_family, .family_guessed = true };

	if (!socket_family_inet(kind.family) || socket_type(fd, &kind.type) < 0)
		return real_connect(fd, addr, len);
	if (kind.type != SOCK_STREAM && !socket_kind_inet_typed(fd, kind.type, &kind))
		return real_connect(fd, addr, len);
	return connect_judged(fd, &kind, addr, len);
}

/*
 * Like the kernel: a bad descriptor before a bad address, and an address
 * longer than any (EINVAL) refused before it is read. An address on the
 * caller's stack is neither bad nor dear to read: read first.
 */
int shim_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_storage copy;
	struct socket_kind kind;
	int rc;

	if (user_read_sockaddr_on_stack(addr, len, &copy) == 0)
		return shim_connect_copied(fd, (const struct sockaddr *)&copy, len);
	if (!socket_kind_inet(fd, &kind))
		return real_connect(fd, addr, len);
	rc = user_read_sockaddr(addr, len, &copy);
	if (rc > 0)
		return real_connect(fd, addr, len);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return connect_judged(fd, &kind, (const struct sockaddr *)&copy, len);
}

SHIM_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return shim_connect(fd, addr, len);
}

/* glibc exports this alias too: a program that calls it must not go around the chain. */
SHIM_EXPORT int __connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return shim_connect(fd, addr, len);
}
