#define _GNU_SOURCE
#include "hostname.h"

#include <string.h>
#include <strings.h>

#define LABEL_MAX 63	/* RFC 1035 section 2.3.4 */
#define NAME_MAX_TEXT 253	/* 255 on the wire, less the length bytes at each end */

static size_t label_length(const char *name)
{
	size_t n = 0;

	while (hostname_label_byte((unsigned char)name[n]))
		n++;
	return n;
}

bool hostname_valid(const char *name)
{
	size_t len = strlen(name), label;

	if (len > 0 && name[len - 1] == '.')
		len--;	/* the root: "example.com." is fully qualified, and valid */
	if (len == 0 || len > NAME_MAX_TEXT)
		return false;
	while (len > 0) {
		label = label_length(name);
		/* A leading '-' would be read as an option by the tools names reach (RFC 1123 2.1). */
		if (label == 0 || label > LABEL_MAX || label > len || name[0] == '-')
			return false;
		if (label == len)
			return true;
		if (name[label] != '.')
			return false;
		name += label + 1;
		len -= label + 1;
		if (len == 0)
			return false;	/* an empty label: "a..b", or "a.." */
	}
	return false;
}

bool hostname_is_localhost(const char *name)
{
	static const char localhost[] = "localhost";
	size_t len = strlen(name), n = sizeof(localhost) - 1;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len < n || strncasecmp(name + len - n, localhost, n) != 0)
		return false;
	return len == n || name[len - n - 1] == '.';
}
