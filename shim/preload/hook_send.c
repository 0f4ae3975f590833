/*
 * sendto(), sendmsg(), sendmmsg(): datagrams with a destination pass the leak
 * guard; a TCP Fast Open send, which connects, goes through the chain. The
 * addresses judged are the library's copies, and the kernel gets those.
 */
#define _GNU_SOURCE
#include "../../chain/sockdest.h"
#include "../common/leak_guard.h"
#include "async_conn.h"
#include "export.h"
#include "hook_connect.h"
#include "real.h"
#include "socket_kind.h"
#include "user_mem.h"

#include <errno.h>
#include <string.h>

enum {
	MMSG_CHUNK = 16,	/* entries copied and sent at once by sendmmsg() */
	MMSG_MAX = 1024,	/* UIO_MAXIOV: the kernel sends no more in one call */
};

/* Returned by judge_send(): send as it is, or the data alone (the chain has connected). */
enum { SEND_AS_IS = 0, SEND_CONNECTED = 1 };

/* Whether a send's address needs a look: it may connect, or the guard may refuse it. */
static bool must_look(int flags)
{
	if (flags & MSG_FASTOPEN)
		return true;
	return !shim_config_loading() && leak_guard_on(shim_config());
}

/* addr, len: the library's copy of a send's address. SEND_AS_IS, SEND_CONNECTED or -errno. */
static int judge_send(int fd, const struct socket_kind *kind, const struct sockaddr *addr,
		      socklen_t len, int flags, const char *call)
{
	struct netaddr dest;

	if (kind->type == SOCK_STREAM && (flags & MSG_FASTOPEN)) {
		/* No destination in it: the kernel refuses it as a Fast Open connect. */
		if (!sockdest_judge(kind->family, kind->type, SOCKDEST_CONNECT, addr, len, &dest))
			return SEND_AS_IS;
		return shim_connect_copied(fd, addr, len) < 0 ? -errno : SEND_CONNECTED;
	}
	if (shim_config_loading() ||
	    !sockdest_judge(kind->family, kind->type, SOCKDEST_SEND, addr, len, &dest))
		return SEND_AS_IS;
	return leak_guard_check(shim_config(), kind->type, kind->protocol, &dest, call) < 0
		       ? -errno : SEND_AS_IS;
}

/*
 * No destination in the header: the kernel sends to the connected peer, or
 * refuses a negative length.
 */
static bool names_none(const struct msghdr *m)
{
	return !m->msg_name || m->msg_namelen == 0 || (int)m->msg_namelen < 0;
}

/*
 * Points m at a copy of its name in *name, clamped to a sockaddr_storage as
 * the kernel clamps it: 1 when it has one, 0 when it has none
 * (names_none()), -EFAULT.
 */
static int copy_msg_name(struct msghdr *m, struct sockaddr_storage *name)
{
	if (names_none(m))
		return 0;
	if (m->msg_namelen > sizeof(*name))
		m->msg_namelen = sizeof(*name);
	if (user_read_sockaddr(m->msg_name, m->msg_namelen, name) < 0)
		return -EFAULT;
	m->msg_name = name;
	return 1;
}

static int fail(int err)
{
	errno = err;
	return -1;
}

typedef ssize_t (*sendto_t)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
typedef ssize_t (*sendmsg_t)(int, const struct msghdr *, int);
typedef int (*sendmmsg_t)(int, struct mmsghdr *, unsigned int, int);

SHIM_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
			   const struct sockaddr *addr, socklen_t len)
{
	REAL(sendto_t, sendto);
	struct sockaddr_storage copy;
	struct socket_kind kind;
	int rc;

	if (!fn)
		return fail(ENOSYS);
	if (async_marked(fd) && async_settle(fd) < 0)
		return -1;	/* a chain under way: its outcome first */
	if (!addr || !must_look(flags) || !socket_kind_inet(fd, &kind))
		return fn(fd, buf, n, flags, addr, len);
	rc = user_read_sockaddr(addr, len, &copy);
	if (rc > 0)	/* longer than any address: EINVAL from the kernel */
		return fn(fd, buf, n, flags, addr, len);
	if (rc == 0)
		rc = judge_send(fd, &kind, (const struct sockaddr *)&copy, len, flags, "sendto");
	if (rc < 0)
		return fail(-rc);
	if (rc == SEND_CONNECTED)
		return fn(fd, buf, n, flags & ~MSG_FASTOPEN, NULL, 0);
	return fn(fd, buf, n, flags, (const struct sockaddr *)&copy, len);
}

SHIM_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	REAL(sendmsg_t, sendmsg);
	struct sockaddr_storage name;
	struct socket_kind kind;
	struct msghdr m;
	bool on_stack;
	int rc;

	if (!fn)
		return fail(ENOSYS);
	if (async_marked(fd) && async_settle(fd) < 0)
		return -1;	/* a chain under way: its outcome first */
	if (!must_look(flags))
		return fn(fd, msg, flags);
	/*
	 * A header on the caller's stack says at no cost whether it names a
	 * destination: most go to the connected peer (D-Bus, X11), and the
	 * kernel gets the copy looked at.
	 */
	on_stack = user_read_on_stack(&m, msg, sizeof(m)) == 0;
	if (on_stack && names_none(&m))
		return fn(fd, &m, flags);
	if (!socket_kind_inet(fd, &kind))
		return fn(fd, msg, flags);
	if (!on_stack && user_read(&m, msg, sizeof(m)) < 0)
		return fail(EFAULT);
	rc = copy_msg_name(&m, &name);
	if (rc > 0)
		rc = judge_send(fd, &kind, m.msg_name, m.msg_namelen, flags, "sendmsg");
	if (rc < 0)
		return fail(-rc);
	if (rc == SEND_CONNECTED) {
		m.msg_name = NULL;
		m.msg_namelen = 0;
		flags &= ~MSG_FASTOPEN;
	}
	return fn(fd, &m, flags);
}

/*
 * A Fast Open sendmmsg() connects to the first entry's name: through the
 * chain, and then every entry goes as data alone (TCP ignores the names).
 */
static int sendmmsg_fastopen(sendmmsg_t fn, int fd, const struct socket_kind *kind,
			     struct mmsghdr *vec, unsigned int vlen, int flags)
{
	struct sockaddr_storage name;
	struct mmsghdr first;
	int rc;

	if (user_read(&first, vec, sizeof(first)) < 0)
		return fail(EFAULT);
	rc = copy_msg_name(&first.msg_hdr, &name);
	if (rc > 0)
		rc = judge_send(fd, kind, first.msg_hdr.msg_name, first.msg_hdr.msg_namelen, flags,
				"sendmmsg");
	if (rc < 0)
		return fail(-rc);
	if (rc == SEND_CONNECTED)
		return fn(fd, vec, vlen, flags & ~MSG_FASTOPEN);
	/* Nothing to carry: the kernel answers for the copy it was judged on. */
	rc = fn(fd, &first, 1, flags);
	if (rc == 1 && user_write(&vec->msg_len, &first.msg_len, sizeof(first.msg_len)) < 0)
		return fail(EFAULT);
	return rc;
}

/*
 * Copies entries from vec into m until MMSG_CHUNK or vlen, judging each
 * name: the count that may go, with *err set (-errno) at the first that
 * may not.
 */
static unsigned int copy_chunk(int fd, const struct socket_kind *kind, const struct mmsghdr *vec,
			       unsigned int vlen, int flags, struct mmsghdr *m,
			       struct sockaddr_storage *names, int *err)
{
	unsigned int n;
	int rc = 0;

	for (n = 0; n < MMSG_CHUNK && n < vlen; n++) {
		rc = user_read(&m[n], &vec[n], sizeof(m[n]));
		if (rc == 0)
			rc = copy_msg_name(&m[n].msg_hdr, &names[n]);
		if (rc > 0)
			rc = judge_send(fd, kind, m[n].msg_hdr.msg_name, m[n].msg_hdr.msg_namelen,
					flags, "sendmmsg");
		if (rc < 0)
			break;
	}
	*err = rc < 0 ? rc : 0;
	return n;
}

/*
 * Datagrams, each name judged: like the kernel, entries before a refused
 * or unreadable one are sent and counted, and its error is returned only
 * when none was.
 */
static int sendmmsg_judged(sendmmsg_t fn, int fd, const struct socket_kind *kind,
			   struct mmsghdr *vec, unsigned int vlen, int flags)
{
	struct mmsghdr m[MMSG_CHUNK];
	struct sockaddr_storage names[MMSG_CHUNK];
	unsigned int done = 0, n, i;
	int err = 0, sent = 0;

	if (vlen > MMSG_MAX)
		vlen = MMSG_MAX;
	while (done < vlen && err == 0) {
		n = copy_chunk(fd, kind, vec + done, vlen - done, flags, m, names, &err);
		sent = n ? fn(fd, m, n, flags) : 0;
		if (sent < 0)
			break;
		for (i = 0; i < (unsigned int)sent; i++)
			if (user_write(&vec[done + i].msg_len, &m[i].msg_len, sizeof(m[i].msg_len)) < 0)
				return done + i ? (int)(done + i) : fail(EFAULT);
		done += (unsigned int)sent;
		if ((unsigned int)sent < n)
			break;
	}
	if (done > 0)
		return (int)done;
	if (sent < 0)
		return -1;	/* the kernel's errno */
	return err < 0 ? fail(-err) : 0;
}

static int hook_sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	REAL(sendmmsg_t, sendmmsg);
	struct socket_kind kind;

	if (!fn)
		return fail(ENOSYS);
	if (async_marked(fd) && async_settle(fd) < 0)
		return -1;	/* a chain under way: its outcome first */
	if (vlen == 0 || !must_look(flags) || !socket_kind_inet(fd, &kind))
		return fn(fd, vec, vlen, flags);
	if (kind.type == SOCK_STREAM)
		return flags & MSG_FASTOPEN ? sendmmsg_fastopen(fn, fd, &kind, vec, vlen, flags)
					    : fn(fd, vec, vlen, flags);
	return sendmmsg_judged(fn, fd, &kind, vec, vlen, flags);
}

SHIM_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	return hook_sendmmsg(fd, vec, vlen, flags);
}

/* glibc exports this alias too (send() takes no address, so its __send needs nothing). */
SHIM_EXPORT int __sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	return hook_sendmmsg(fd, vec, vlen, flags);
}
