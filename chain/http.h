/* HTTP CONNECT (RFC 9110 section 9.3.6): the request, the end of the response headers, the status. */
#ifndef SOCKSCHAIN_HTTP_H
#define SOCKSCHAIN_HTTP_H

#include "endpoint.h"

#include <stddef.h>

/* A response whose headers do not end within this many bytes is refused. */
#define HTTP_HEADERS_MAX 8192
#define HTTP_REQUEST_MAX 2048
#define HTTP_STATUS_TEXT_MAX 128

/*
 * Writes "CONNECT host:port HTTP/1.1", Host, and Proxy-Authorization: Basic
 * when user is not NULL. Returns the length, or -EINVAL (a name unfit for a
 * request line, or a user with ':', which Basic cannot carry: RFC 7617) /
 * -ENAMETOOLONG / -ENOBUFS.
 */
int http_build_connect(char *buf, size_t cap, const struct endpoint *dest, const char *user,
		       const char *password);

/* The length of the headers through their closing CRLF CRLF, or 0 if not there yet. */
size_t http_headers_end(const char *buf, size_t len);

/*
 * The end of the final response's headers: past the 1xx interim responses
 * that may come first (RFC 9110 section 15.2), each through its blank line.
 * Returns the length of all of them with *final at the start of the final
 * response, or 0 when its headers have not all arrived. A 101, or a line that
 * is not a status line, counts as final, for http_check_status to refuse.
 */
size_t http_response_end(const char *buf, size_t len, size_t *final);

/*
 * Judges the status line at the start of a final response's complete headers. Returns 0 for any
 * 2xx, else a negative errno (README table) with the status line copied into
 * status (for the message) and *why set.
 */
int http_check_status(const char *headers, size_t len, char status[HTTP_STATUS_TEXT_MAX],
		      const char **why);

#endif
