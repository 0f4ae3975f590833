/*
 * netns - run a command in a private network namespace with only loopback.
 *
 * Usage: netns [-m] [--] CMD [ARG...]
 *
 * Inside the namespace the only interface is `lo`, brought up here, so a
 * test can listen on 127.0.0.1 / ::1 and be sure that nothing it runs can
 * reach any other host: every other destination fails at once with
 * ENETUNREACH.  With -m the command also gets a private mount namespace
 * (with / made recursively private) so a test may bind-mount files such as
 * /etc/resolv.conf without affecting the host.
 *
 * As root a plain network namespace is made.  Otherwise, or when that is
 * refused with EPERM (root without CAP_SYS_ADMIN, as in some containers), a
 * user namespace is made too and the caller's uid/gid are mapped to root
 * inside it, which is what grants the right to configure `lo`.
 *
 * Exit status: that of CMD; 77 if the namespace cannot be made (tests/run
 * then fails, unless SOCKSCHAIN_TEST_NO_NETNS=1 says to run without one);
 * 127 if CMD is not found; 126 if CMD cannot be
 * executed; 2 on usage errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
	EXIT_USAGE = 2,
	EXIT_SKIP = 77,		/* automake / bats convention for "skipped" */
	EXIT_NOEXEC = 126,	/* shell convention: found but not runnable */
	EXIT_NOTFOUND = 127,	/* shell convention: command not found */
};

static void usage(void)
{
	fputs("usage: netns [-m] [--] CMD [ARG...]\n"
	      "  -m  also make a private mount namespace (/ made private)\n",
	      stderr);
}

/* Reports why no namespace could be had and exits with the "skip" status. */
static void cannot(const char *what, int err)
{
	fprintf(stderr, "netns: cannot %s: %s\n", what, strerror(err));
	exit(EXIT_SKIP);
}

/*
 * Writes all of `text` to `path` in one write(): the kernel accepts an
 * id map only as a single write.  Returns 0 or a negative errno.
 */
static int write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, text, len);
	int err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (close(fd) < 0 && err == 0)
		err = -errno;
	return err;
}

/*
 * Maps the caller's ids to root inside a fresh user namespace.  setgroups
 * must be denied before gid_map may be written by an unprivileged process.
 */
static int map_ids_to_root(uid_t uid, gid_t gid)
{
	char map[64];
	int err = write_file("/proc/self/setgroups", "deny");
	/* Kernels before 3.19 have no setgroups file; nothing to deny there. */
	if (err < 0 && err != -ENOENT)
		return err;

	snprintf(map, sizeof map, "0 %lu 1", (unsigned long)uid);
	err = write_file("/proc/self/uid_map", map);
	if (err < 0)
		return err;

	snprintf(map, sizeof map, "0 %lu 1", (unsigned long)gid);
	return write_file("/proc/self/gid_map", map);
}

/*
 * Enters new network (and, with `flags` containing CLONE_NEWNS, mount)
 * namespaces, going through a user namespace when privileges are lacking.
 * Exits with EXIT_SKIP on failure.
 */
static void enter_namespaces(int flags)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (uid == 0) {
		if (unshare(flags) == 0)
			return;
		if (errno != EPERM)
			cannot("create a network namespace", errno);
	}

	if (unshare(CLONE_NEWUSER | flags) < 0)
		cannot("create a network namespace", errno);

	int err = map_ids_to_root(uid, gid);
	if (err < 0)
		cannot("create a network namespace", -err);
}

/*
 * Stops mounts made inside from propagating back to the host's namespace,
 * which they would do where / is a shared mount (the systemd default).
 */
static void make_root_private(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		cannot("make / private in a mount namespace", errno);
}

/* A new network namespace has `lo` down; bring it up. */
static int bring_up_loopback(void)
{
	struct ifreq ifr;
	int err = 0;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;

	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, "lo", sizeof "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		err = -errno;
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		err = -errno;
out:
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	int flags = CLONE_NEWNET;
	int opt;

	/* '+' stops at the first non-option: CMD's options are its own. */
	while ((opt = getopt(argc, argv, "+mh")) != -1) {
		switch (opt) {
		case 'm':
			flags |= CLONE_NEWNS;
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage();
		return EXIT_USAGE;
	}

	enter_namespaces(flags);
	if (flags & CLONE_NEWNS)
		make_root_private();

	int err = bring_up_loopback();
	if (err < 0)
		cannot("bring up lo", -err);

	execvp(argv[optind], &argv[optind]);
	err = errno;
	fprintf(stderr, "netns: %s: %s\n", argv[optind], strerror(err));
	return err == ENOENT || err == ENOTDIR ? EXIT_NOTFOUND : EXIT_NOEXEC;
}
