#define _GNU_SOURCE
#include "exec_check.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAX_INTERPRETER_DEPTH 4

static int check_executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode) || access(path, X_OK) < 0)
		return -EACCES;
	return 0;
}

int exec_find(const char *cmd, char *path, size_t cap)
{
	const char *dirs = getenv("PATH"), *p, *end;
	int rc, best = -ENOENT;

	if (strchr(cmd, '/')) {
		snprintf(path, cap, "%s", cmd);
		return check_executable(path);
	}
	if (!dirs)
		dirs = "/usr/local/bin:/usr/bin:/bin";
	for (p = dirs;; p = end + 1) {
		end = strchrnul(p, ':');
		if ((size_t)snprintf(path, cap, "%.*s%s%s", (int)(end - p), p, end > p ? "/" : "",
				     cmd) < cap) {
			rc = check_executable(path);
			if (rc == 0)
				return 0;
			if (rc == -EACCES)
				best = -EACCES;	/* keep looking, as execvp does */
		}
		if (!*end)
			break;
	}
	return best;
}

/* Whether the ELF file has a PT_INTERP segment, i.e. is dynamically linked. */
static int elf_has_interpreter(int fd, const unsigned char *ident)
{
	union { Elf64_Ehdr e64; Elf32_Ehdr e32; } eh;
	union { Elf64_Phdr p64; Elf32_Phdr p32; } ph;
	bool is64 = ident[EI_CLASS] == ELFCLASS64;
	size_t phsize = is64 ? sizeof(ph.p64) : sizeof(ph.p32);
	uint64_t off;
	unsigned i, n;

	if (pread(fd, &eh, sizeof(eh), 0) < (ssize_t)(is64 ? sizeof(eh.e64) : sizeof(eh.e32)))
		return -EINVAL;
	off = is64 ? eh.e64.e_phoff : eh.e32.e_phoff;
	n = is64 ? eh.e64.e_phnum : eh.e32.e_phnum;
	for (i = 0; i < n; i++) {
		if (pread(fd, &ph, phsize, (off_t)(off + i * phsize)) != (ssize_t)phsize)
			return -EINVAL;
		if ((is64 ? ph.p64.p_type : ph.p32.p_type) == PT_INTERP)
			return 1;
	}
	return 0;
}

/* The program a "#!" line runs, following "/usr/bin/env NAME" to NAME. */
static int script_interpreter(const char *line, char *path, size_t cap)
{
	char interp[PATH_MAX], arg[PATH_MAX];
	int n = sscanf(line + 2, " %4095s %4095s", interp, arg);
	const char *base;

	if (n < 1)
		return -ENOEXEC;
	base = strrchr(interp, '/');
	base = base ? base + 1 : interp;
	if (strcmp(base, "env") == 0 && n == 2 && arg[0] != '-')
		return exec_find(arg, path, cap);
	snprintf(path, cap, "%s", interp);
	return 0;
}

static int check_identity(const char *path, char *why, size_t cap)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(why, cap, "%s: %s", path, strerror(errno));
		return -errno;
	}
	/* The loader drops LD_PRELOAD only when the program changes who runs it. */
	if ((st.st_mode & S_ISUID) && st.st_uid != geteuid()) {
		snprintf(why, cap, "%s is set-user-ID: the loader would drop the library", path);
		return -EPERM;
	}
	if ((st.st_mode & S_ISGID) && st.st_gid != getegid()) {
		snprintf(why, cap, "%s is set-group-ID: the loader would drop the library", path);
		return -EPERM;
	}
	if (getxattr(path, "security.capability", NULL, 0) > 0) {
		snprintf(why, cap, "%s has file capabilities: the loader would drop the library",
			 path);
		return -EPERM;
	}
	return 0;
}

static int check_at_depth(const char *path, char *why, size_t cap, int depth)
{
	char head[PATH_MAX + 3] = "", interp[PATH_MAX];
	ssize_t n;
	int fd, rc;

	if ((rc = check_identity(path, why, cap)) < 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, cap, "%s: %s", path, strerror(errno));
		return -errno;
	}
	n = pread(fd, head, sizeof(head) - 1, 0);
	head[n > 0 ? n : 0] = '\0';
	if (n >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0) {
		rc = elf_has_interpreter(fd, (const unsigned char *)head);
		close(fd);
		if (rc == 0)
			snprintf(why, cap, "%s is statically linked: the library cannot reach it",
				 path);
		else if (rc < 0)
			snprintf(why, cap, "%s: cannot read its ELF headers", path);
		return rc == 1 ? 0 : -EPERM;
	}
	close(fd);
	if (depth >= MAX_INTERPRETER_DEPTH) {
		snprintf(why, cap, "%s: too many nested interpreters", path);
		return -EPERM;
	}
	if (n >= 2 && head[0] == '#' && head[1] == '!') {
		*strchrnul(head, '\n') = '\0';	/* the "#!" line alone */
		rc = script_interpreter(head, interp, sizeof(interp));
	}
	else {
		rc = exec_find("/bin/sh", interp, sizeof(interp)); /* how execvp runs it */
	}
	if (rc < 0) {
		snprintf(why, cap, "%s: cannot find its interpreter", path);
		return -EPERM;
	}
	return check_at_depth(interp, why, cap, depth + 1);
}

int exec_check(const char *path, char *why, size_t cap)
{
	return check_at_depth(path, why, cap, 0);
}
