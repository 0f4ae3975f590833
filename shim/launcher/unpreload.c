#define _GNU_SOURCE
#include "unpreload.h"

#include "../common/preload_list.h"

#include <dlfcn.h>
#include <errno.h>
#include <gnu/lib-names.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Set across the one re-execution, so that it cannot loop. */
#define AGAIN_VAR "SOCKS_CHAIN_UNPRELOADED"

extern char **environ;

static int loaded_object(struct dl_phdr_info *info, size_t size, void *found)
{
	(void)size;
	if (info->dlpi_name && preload_names_library(info->dlpi_name, strlen(info->dlpi_name)))
		*(int *)found = 1;
	return *(int *)found;
}

static int library_loaded(void)
{
	int found = 0;

	dl_iterate_phdr(loaded_object, &found);
	return found;
}

/*
 * libc's own execve: the library's hook, still in this process, would put
 * itself back into the environment.
 */
static int libc_execve(const char *path, char **argv, char **envp)
{
	void *libc = dlopen(LIBC_SO, RTLD_LAZY | RTLD_NOLOAD);
	int (*fn)(const char *, char *const[], char *const[]) =
		libc ? (int (*)(const char *, char *const[], char *const[]))dlsym(libc, "execve") : NULL;

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(path, argv, envp);
}

int unpreload_self(char **argv)
{
	const char *list = getenv("LD_PRELOAD");
	char *rest;

	if (!library_loaded()) {
		unsetenv(AGAIN_VAR);
		return 0;
	}
	if (getenv(AGAIN_VAR) || !list) {
		fprintf(stderr, "sockschain: the library is loaded into the launcher and not by "
			"LD_PRELOAD (/etc/ld.so.preload?): refusing to run with it\n");
		return -1;
	}
	rest = preload_without_library(list);
	if (!rest || setenv("LD_PRELOAD", rest, 1) < 0 || setenv(AGAIN_VAR, "1", 1) < 0) {
		fprintf(stderr, "sockschain: out of memory\n");
		free(rest);
		return -1;
	}
	free(rest);
	libc_execve("/proc/self/exe", argv, environ);
	fprintf(stderr, "sockschain: cannot start again without the library: %s\n", strerror(errno));
	return -1;
}
