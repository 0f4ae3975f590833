#define _GNU_SOURCE
#include "chainsource.h"

#include "../../chain/spec.h"
#include "../../chain/strbuf.h"
#include "env_at_load.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int chain_file_read(const char *path, char **text)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, rc = 0;

	/* Not blocking: opening a FIFO would wait for a writer, forever. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -ENODEV;
		goto out;
	}
	if (st.st_size > SPEC_TEXT_MAX) {
		rc = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;	/* the file shrank while we read it */
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (memchr(buf, '\0', got))
		rc = -EINVAL;	/* a binary file, not a chain */
out:
	close(fd);
	if (rc < 0)
		free(buf);
	else
		*text = buf;
	return rc;
}

/* A proxychains.conf becomes our spec; a file in our own format stays as it is. */
static int translate_proxychains(struct chain_source *src, char *why, size_t cap)
{
	struct spec_error err;
	char *spec;
	int rc;

	if (!pcconf_detect(src->text))
		return 0;
	rc = pcconf_translate(src->text, src->origin, &spec, &src->pc, &err);
	free(src->text);
	src->text = NULL;
	if (rc < 0) {
		snprintf(why, cap, "%s", err.text);
		return rc;
	}
	src->text = spec;
	src->proxychains = true;
	return 0;
}

static int load_file(struct chain_source *src, const char *via, const char *path, char *why,
		     size_t cap)
{
	int rc;

	text_copy(src->origin, sizeof(src->origin), path);
	src->from_file = true;
	src->via = via;
	rc = chain_file_read(path, &src->text);
	if (rc == -EINVAL)
		snprintf(why, cap, "%s: not a text file", path);
	else if (rc == -ENODEV)
		snprintf(why, cap, "%s: not a regular file (a FIFO, a device or a socket)", path);
	else if (rc == -EFBIG)
		snprintf(why, cap, "%s: larger than %d bytes", path, SPEC_TEXT_MAX);
	else if (rc < 0)
		snprintf(why, cap, "%s: %s", path, strerror(-rc));
	if (rc == 0)
		rc = translate_proxychains(src, why, cap);
	return rc;
}

/* The per-user file's path, or 0 if neither XDG_CONFIG_HOME nor HOME is set. */
static int user_chain_path(char *path, size_t cap)
{
	const char *xdg = env_at_load_get("XDG_CONFIG_HOME"), *home = env_at_load_get("HOME");

	if (xdg && *xdg == '/')
		return snprintf(path, cap, "%s/sockschain/chain", xdg) < (int)cap;
	if (home && *home)
		return snprintf(path, cap, "%s/.config/sockschain/chain", home) < (int)cap;
	return 0;
}

int chain_source_load(struct chain_source *src, bool use_env, char *why, size_t cap)
{
	char path[PATH_MAX];
	const char *env;

	memset(src, 0, sizeof(*src));
	if (use_env && (env = env_at_load_get("SOCKS_CHAIN")) != NULL) {
		snprintf(src->origin, sizeof(src->origin), "SOCKS_CHAIN");
		src->via = "SOCKS_CHAIN";
		src->text = strdup(env);
		if (!src->text)
			snprintf(why, cap, "out of memory");
		return src->text ? 0 : -ENOMEM;
	}
	/* Named: their absence is an error. */
	if (use_env && (env = env_at_load_get("SOCKS_CHAIN_FILE")) != NULL)
		return load_file(src, "SOCKS_CHAIN_FILE", env, why, cap);
	if (use_env && (env = env_at_load_get("PROXYCHAINS_CONF_FILE")) != NULL)
		return load_file(src, "PROXYCHAINS_CONF_FILE", env, why, cap);
	if (use_env && user_chain_path(path, sizeof(path)) && access(path, F_OK) == 0)
		return load_file(src, "the user's chain file", path, why, cap);
	if (access(SYSTEM_CHAIN_FILE, F_OK) == 0)
		return load_file(src, "the system chain file", SYSTEM_CHAIN_FILE, why, cap);
	snprintf(why, cap, "no chain configured: set SOCKS_CHAIN, SOCKS_CHAIN_FILE or "
		 "PROXYCHAINS_CONF_FILE, or write ~/.config/sockschain/chain or " SYSTEM_CHAIN_FILE);
	return -ENOENT;
}
