#define _GNU_SOURCE
#include "fd_stat.h"

#include <fcntl.h>

int fd_stat(int fd, struct stat *st)
{
	static const char no_path[] = "";

	return fstatat(fd, no_path, st, AT_EMPTY_PATH);
}
