#define _GNU_SOURCE
#include "http.h"
#include "printable.h"

#include "base64.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* host:port as a request target: IPv6 literals in brackets. */
static int format_authority(const struct endpoint *dest, char *buf, size_t cap)
{
	if (dest->name) {
		if (strlen(dest->name) > 255)
			return -ENAMETOOLONG;
		if (!endpoint_name_ok(dest->name))
			return -EINVAL;
	}
	endpoint_format(dest, buf, cap);
	return 0;
}

int http_build_connect(char *buf, size_t cap, const struct endpoint *dest, const char *user,
		       const char *password)
{
	char authority[ENDPOINT_TEXT_MAX + 2], pair[255 + 1 + 255 + 1];
	char token[BASE64_LEN(sizeof(pair)) + 1];
	int rc, n;

	rc = format_authority(dest, authority, sizeof(authority));
	if (rc < 0)
		return rc;
	if (user) {
		if (strlen(user) > 255 || strlen(password) > 255)
			return -ENAMETOOLONG;
		if (strchr(user, ':'))
			return -EINVAL;	/* the proxy would take what follows for the password */
		n = snprintf(pair, sizeof(pair), "%s:%s", user, password);
		base64_encode(pair, (size_t)n, token);
		n = snprintf(buf, cap, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n"
			     "Proxy-Authorization: Basic %s\r\n\r\n", authority, authority, token);
		explicit_bzero(pair, sizeof(pair));
		explicit_bzero(token, sizeof(token));
	} else {
		n = snprintf(buf, cap, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", authority,
			     authority);
	}
	return n < 0 || (size_t)n >= cap ? -ENOBUFS : n;
}

size_t http_headers_end(const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);

	return end ? (size_t)(end - buf) + 4 : 0;
}

/* Status codes with their own errno; any other failure is ECONNREFUSED. */
static int status_errno(int code, const char **why)
{
	switch (code) {
	case 407:
		*why = "wants proxy credentials, or rejected ours";
		return EACCES;
	case 401:
	case 403:
		*why = "refused the request";
		return EACCES;
	case 504:
		*why = "timed out reaching the next hop";
		return ETIMEDOUT;
	default:
		*why = "did not open the tunnel";
		return ECONNREFUSED;
	}
}

/* Copies the status line for a message, with anything unprintable shown as '?'. */
static size_t copy_status_line(const char *headers, size_t len, char *status)
{
	const char *eol = memmem(headers, len, "\r\n", 2);
	size_t n = eol ? (size_t)(eol - headers) : 0;

	if (n >= HTTP_STATUS_TEXT_MAX)
		n = HTTP_STATUS_TEXT_MAX - 1;	/* cut without an ellipsis: it is parsed after */
	return printable_copy(status, HTTP_STATUS_TEXT_MAX, headers, n);
}

/*
 *   status-line = HTTP-version SP status-code SP [ reason-phrase ]
 *   HTTP-version = "HTTP/1." DIGIT
 */
int http_check_status(const char *headers, size_t len, char status[HTTP_STATUS_TEXT_MAX],
		      const char **why)
{
	size_t n = copy_status_line(headers, len, status);
	int code;

	if (n < 12 || memcmp(status, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)status[7]) ||
	    status[8] != ' ' || !isdigit((unsigned char)status[9]) ||
	    !isdigit((unsigned char)status[10]) || !isdigit((unsigned char)status[11]) ||
	    (n > 12 && status[12] != ' ')) {
		*why = "sent a response that is not HTTP";
		return -EPROTO;
	}
	code = (status[9] - '0') * 100 + (status[10] - '0') * 10 + (status[11] - '0');
	if (code >= 200 && code <= 299)
		return 0;
	return -status_errno(code, why);
}
