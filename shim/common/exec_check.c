#define _GNU_SOURCE
#include "exec_check.h"

#include "elf_probe.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* The kernel follows at most this many "#!" lines (BINPRM_MAX_RECURSION), then says ELOOP. */
#define MAX_SCRIPT_DEPTH 4
/* Where execvp(3) looks without PATH, and what it runs a file without "#!" with. */
#define DEFAULT_PATH "/bin:/usr/bin"
#define SHELL_PATH "/bin/sh"

static enum exec_kind classify_at(const char *path, struct exec_class *c, unsigned depth);

static enum exec_kind verdict(struct exec_class *c, enum exec_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum exec_kind verdict(struct exec_class *c, enum exec_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return c->kind = kind;
}

static enum exec_kind unrunnable(struct exec_class *c, int error)
{
	c->error = error;
	c->why[0] = '\0';
	return c->kind = EXEC_UNRUNNABLE;
}

/* The loader drops LD_PRELOAD only when the program changes who runs it. */
static enum exec_kind check_identity(const char *path, int fd, const struct stat *st,
				     struct exec_class *c)
{
	if ((st->st_mode & S_ISUID) && st->st_uid != geteuid())
		return verdict(c, EXEC_SETUID, "%s is set-user-ID: the loader would drop the library",
			       path);
	if ((st->st_mode & S_ISGID) && st->st_gid != getegid())
		return verdict(c, EXEC_SETUID, "%s is set-group-ID: the loader would drop the library",
			       path);
	if (fgetxattr(fd, "security.capability", NULL, 0) > 0)
		return verdict(c, EXEC_SETUID,
			       "%s has file capabilities: the loader would drop the library", path);
	return c->kind = EXEC_GLIBC_DYNAMIC;
}

/* An ELF program: by its class, whether it is Go, then by its loader. */
static enum exec_kind classify_elf(const char *path, int fd, const struct stat *st,
				   struct exec_class *c)
{
	struct elf_probe p;
	struct stat ist;
	const char *base;

	if (elf_probe(fd, &p) < 0)
		return unrunnable(c, ENOEXEC);
	if (p.foreign_arch)
		return verdict(c, EXEC_FOREIGN_ARCH, "%s is built for another architecture: the "
			       "library cannot be loaded into it", path);
	if (p.go)
		return verdict(c, EXEC_GO, "%s is a Go program: it makes its own system calls, the "
			       "library cannot reach it", path);
	if (!p.interp[0])
		return verdict(c, EXEC_STATIC, "%s is statically linked: the library cannot reach it",
			       path);
	if (stat(p.interp, &ist) < 0)
		return unrunnable(c, errno);	/* the kernel cannot open the loader either */
	base = strrchr(p.interp, '/');
	base = base ? base + 1 : p.interp;
	if (strncmp(base, "ld-musl-", 8) == 0)
		return verdict(c, EXEC_MUSL, "%s is linked against musl (its loader is %s): the "
			       "library is built for glibc", path, p.interp);
	if (!elf_is_glibc_loader(p.interp))
		return verdict(c, EXEC_FOREIGN_LOADER, "%s has a loader that is not glibc's (%s): "
			       "the library cannot be loaded into it", path, p.interp);
	return check_identity(path, fd, st, c);
}

/* The program a "#!" line runs, following "/usr/bin/env NAME" to NAME when there is one. */
static int script_interpreter(const char *line, char *path, size_t cap)
{
	char interp[PATH_MAX], arg[PATH_MAX];
	struct exec_class found;
	int n = sscanf(line + 2, " %4095s %4095s", interp, arg);
	const char *base;

	if (n < 1)
		return -ENOEXEC;
	base = strrchr(interp, '/');
	base = base ? base + 1 : interp;
	/* env -S and the like: env itself is judged, and its own exec is hooked. */
	if (strcmp(base, "env") == 0 && n == 2 && arg[0] != '-' &&
	    exec_search(arg, path, cap, &found) == 0)
		return 0;
	snprintf(path, cap, "%s", interp);
	return 0;
}

static enum exec_kind classify_script(const char *head, struct exec_class *c, unsigned depth)
{
	char interp[PATH_MAX];

	if (depth >= MAX_SCRIPT_DEPTH)
		return unrunnable(c, ELOOP);
	if (script_interpreter(head, interp, sizeof(interp)) < 0)
		return unrunnable(c, ENOEXEC);
	c->scripts++;
	return classify_at(interp, c, depth + 1);
}

static enum exec_kind classify_at(const char *path, struct exec_class *c, unsigned depth)
{
	char head[PATH_MAX + 3] = "";
	struct stat st;
	ssize_t n;
	int fd;

	/* What the kernel checks before it reads the file. */
	if (stat(path, &st) < 0)
		return unrunnable(c, errno);
	if (!S_ISREG(st.st_mode) || faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
		return unrunnable(c, EACCES);
	/* Not blocking: the file might have been replaced by a FIFO meanwhile. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int error = errno;

		return verdict(c, EXEC_UNREADABLE, "%s cannot be read to be checked (%s)", path,
			       strerror(error));
	}
	n = pread(fd, head, sizeof(head) - 1, 0);
	head[n > 0 ? n : 0] = '\0';
	if (n >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0) {
		classify_elf(path, fd, &st, c);
	} else if (n >= 2 && head[0] == '#' && head[1] == '!') {
		*strchrnul(head, '\n') = '\0';	/* the "#!" line alone */
		classify_script(head, c, depth);
	} else {
		unrunnable(c, ENOEXEC);
	}
	close(fd);
	return c->kind;
}

enum exec_kind exec_classify(const char *path, struct exec_class *c)
{
	int saved = errno;

	c->error = 0;
	c->scripts = 0;
	c->why[0] = '\0';
	classify_at(path, c, 0);
	errno = saved;
	return c->kind;
}

/* One candidate of a search: what execvp does with it, then with ENOEXEC. */
static enum exec_kind classify_candidate(const char *path, struct exec_class *c)
{
	if (exec_classify(path, c) == EXEC_UNRUNNABLE && c->error == ENOEXEC)
		exec_classify(SHELL_PATH, c);	/* how execvp runs it */
	return c->kind;
}

/* The errors on which execvp(3) goes on to the next PATH entry. */
static bool try_next(int error)
{
	return error == EACCES || error == ENOENT || error == ESTALE || error == ENOTDIR ||
	       error == ENODEV || error == ETIMEDOUT;
}

int exec_search(const char *file, char *path, size_t cap, struct exec_class *c)
{
	const char *dirs = getenv("PATH"), *p, *end;
	int last = ENOENT;
	bool eacces = false;

	if (!*file)
		return -ENOENT;
	if (strchr(file, '/')) {
		if ((size_t)snprintf(path, cap, "%s", file) >= cap)
			return -ENAMETOOLONG;
		classify_candidate(path, c);
		return c->kind == EXEC_UNRUNNABLE ? -c->error : 0;
	}
	if (!dirs)
		dirs = DEFAULT_PATH;
	for (p = dirs;; p = end + 1) {
		end = strchrnul(p, ':');
		/* An empty entry is the current directory: "./", so that the path found has a '/'. */
		if ((size_t)snprintf(path, cap, "%.*s/%s", end > p ? (int)(end - p) : 1,
				     end > p ? p : ".", file) < cap) {
			if (classify_candidate(path, c) != EXEC_UNRUNNABLE)
				return 0;
			if (!try_next(c->error))
				return -c->error;
			eacces = eacces || c->error == EACCES;
			last = c->error;
		}
		if (!*end)
			break;
	}
	return eacces ? -EACCES : -last;
}
