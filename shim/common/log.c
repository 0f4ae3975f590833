#define _GNU_SOURCE
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PREFIX "sockschain: "

/* One write() per line, so lines from threads and processes never interleave. */
static void write_line(const char *path, const char *line, size_t len)
{
	int fd = STDERR_FILENO;

	if (path[0]) {
		/* Opened per line: the library keeps no descriptor of its own. */
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd < 0)
			return;
	}
	while (write(fd, line, len) < 0 && errno == EINTR)
		;
	if (fd != STDERR_FILENO)
		close(fd);
}

void shim_log(const struct shim_config *cfg, enum verbosity level, const char *fmt, ...)
{
	char line[2048];
	int saved = errno;
	size_t len;
	va_list ap;

	if (level > cfg->verbosity)
		return;
	memcpy(line, PREFIX, sizeof(PREFIX) - 1);
	va_start(ap, fmt);
	vsnprintf(line + sizeof(PREFIX) - 1, sizeof(line) - sizeof(PREFIX), fmt, ap);
	va_end(ap);
	len = strlen(line);
	line[len++] = '\n';
	write_line(cfg->log_path, line, len);
	errno = saved;
}
