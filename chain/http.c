#define _GNU_SOURCE
#include "http.h"
#include "printable.h"

#include "base64.h"

#include <ctype.h>
#include <stdbool.h>
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
static void copy_status_line(const char *headers, size_t len, char *status)
{
	const char *eol = memmem(headers, len, "\r\n", 2);
	size_t n = eol ? (size_t)(eol - headers) : 0;

	if (n >= HTTP_STATUS_TEXT_MAX)
		n = HTTP_STATUS_TEXT_MAX - 1;	/* cut without an ellipsis: it is parsed after */
	printable_copy(status, HTTP_STATUS_TEXT_MAX, headers, n);
}

/*
 *   status-line = HTTP-version SP status-code SP [ reason-phrase ]
 *   HTTP-version = "HTTP/1." DIGIT
 *
 * The status code of the line at the start of headers (n bytes, without its
 * CRLF), or -1 when it is not a status line.
 */
static int status_code(const char *line, size_t n)
{
	if (n < 12 || memcmp(line, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)line[7]) ||
	    line[8] != ' ' || !isdigit((unsigned char)line[9]) ||
	    !isdigit((unsigned char)line[10]) || !isdigit((unsigned char)line[11]) ||
	    (n > 12 && line[12] != ' '))
		return -1;
	return (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
}

/*
 * 1xx, but for 101 (Switching Protocols), which answers only an Upgrade
 * header and would leave another protocol on the connection.
 */
static bool is_interim(int code)
{
	return code >= 100 && code <= 199 && code != 101;
}

/*
 *   response = *( interim-response ) final-response
 *   each = status-line *( field-line CRLF ) CRLF
 */
size_t http_response_end(const char *buf, size_t len, size_t *final)
{
	size_t start = 0, end;

	for (;;) {
		const char *eol = memmem(buf + start, len - start, "\r\n", 2);

		end = http_headers_end(buf + start, len - start);
		if (!end)
			return 0;
		if (!eol || !is_interim(status_code(buf + start, (size_t)(eol - (buf + start))))) {
			*final = start;
			return start + end;
		}
		start += end;
	}
}

int http_check_status(const char *headers, size_t len, char status[HTTP_STATUS_TEXT_MAX],
		      const char **why)
{
	const char *eol = memmem(headers, len, "\r\n", 2);
	int code = status_code(headers, eol ? (size_t)(eol - headers) : 0);

	if (code >= 200 && code <= 299)
		return 0;	/* the status line is for a failure's message only */
	copy_status_line(headers, len, status);
	if (code < 0) {
		*why = "sent a response that is not HTTP";
		return -EPROTO;
	}
	if (code == 101) {
		*why = "switched protocols, which was not asked for";
		return -EPROTO;
	}
	return -status_errno(code, why);
}
