/* The HTTP CONNECT codec and base64: requests, the end of headers, status lines. */
#define _GNU_SOURCE
#include "../../chain/base64.h"
#include "../../chain/http.h"
#include "check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void base64_vectors(void)
{
	char out[32];

	/* RFC 4648 section 10 */
	base64_encode("", 0, out);
	CHECK(strcmp(out, "") == 0);
	base64_encode("f", 1, out);
	CHECK(strcmp(out, "Zg==") == 0);
	base64_encode("fo", 2, out);
	CHECK(strcmp(out, "Zm8=") == 0);
	base64_encode("foo", 3, out);
	CHECK(strcmp(out, "Zm9v") == 0);
	base64_encode("foobar", 6, out);
	CHECK(strcmp(out, "Zm9vYmFy") == 0);
	base64_encode("\xff\xfe\xfd", 3, out);
	CHECK(strcmp(out, "//79") == 0);
}

static void requests(void)
{
	struct endpoint name = { .name = "example.test", .addr = { .port = 443 } };
	struct endpoint v6 = { .addr = { .family = AF_INET6, .port = 22 } };
	char buf[HTTP_REQUEST_MAX];

	CHECK(http_build_connect(buf, sizeof(buf), &name, NULL, NULL) > 0);
	CHECK(strcmp(buf, "CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n") == 0);
	CHECK(http_build_connect(buf, sizeof(buf), &name, "Aladdin", "open sesame") > 0);
	CHECK(strcmp(buf, "CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n"
			  "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n") == 0);
	inet_pton(AF_INET6, "2001:2::7", v6.addr.addr);
	CHECK(http_build_connect(buf, sizeof(buf), &v6, NULL, NULL) > 0);
	CHECK(strncmp(buf, "CONNECT [2001:2::7]:22 HTTP/1.1\r\nHost: [2001:2::7]:22\r\n", 55) == 0);
}

static void request_refuses_injection(void)
{
	struct endpoint ep = { .name = "a.test\r\nX-Evil: 1", .addr = { .port = 80 } };
	char buf[HTTP_REQUEST_MAX];

	CHECK(http_build_connect(buf, sizeof(buf), &ep, NULL, NULL) == -EINVAL);
	ep.name = "a.test:80";
	CHECK(http_build_connect(buf, sizeof(buf), &ep, NULL, NULL) == -EINVAL);
	ep.name = "fine.test";
	CHECK(http_build_connect(buf, 20, &ep, NULL, NULL) == -ENOBUFS);
	CHECK(http_build_connect(buf, sizeof(buf), &ep, "a:b", "c") == -EINVAL);	/* RFC 7617 */
}

static void headers_end(void)
{
	static const char full[] = "HTTP/1.1 200 OK\r\nVia: x\r\n\r\nSSH-2.0-banner\r\n";

	CHECK(http_headers_end(full, strlen(full)) == 27);
	CHECK(http_headers_end(full, 26) == 0);
	CHECK(http_headers_end("HTTP/1.0 200 OK\r\n\r\n", 19) == 19);
	CHECK(http_headers_end("HTTP/1.0 200 OK\n\n", 17) == 0);
}

/* RFC 9110 section 15.2: interim responses, skipped exactly, each through its blank line. */
static void interim_responses(void)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	static const char hints[] = "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n";
	static const char ok[] = "HTTP/1.1 200 OK\r\nVia: x\r\n\r\n";
	char buf[256];
	size_t final = 99, len;

	snprintf(buf, sizeof(buf), "%s%s%sTUNNEL", cont, hints, ok);
	len = strlen(cont) + strlen(hints) + strlen(ok);
	CHECK(http_response_end(buf, strlen(buf), &final) == len);
	CHECK(final == strlen(cont) + strlen(hints));
	/* every prefix short of the final blank line: not there yet */
	for (size_t n = 0; n < len; n++)
		CHECK(http_response_end(buf, n, &final) == 0);
	CHECK(http_response_end(ok, strlen(ok), &final) == strlen(ok) && final == 0);
	/* a 101, or anything that is not a status line, ends the walk: judged as final */
	snprintf(buf, sizeof(buf), "HTTP/1.1 101 Switching\r\n\r\n%s", ok);
	CHECK(http_response_end(buf, strlen(buf), &final) == 26 && final == 0);
	snprintf(buf, sizeof(buf), "%shello\r\n\r\n", cont);
	CHECK(http_response_end(buf, strlen(buf), &final) == strlen(buf) && final == strlen(cont));
	CHECK(http_response_end(cont, strlen(cont), &final) == 0);
}

static int judge(const char *response, char *status)
{
	const char *why = NULL;
	int rc = http_check_status(response, strlen(response), status, &why);

	CHECK(rc == 0 || (why && why[0]));
	return rc;
}

static void statuses(void)
{
	char status[HTTP_STATUS_TEXT_MAX];

	CHECK(judge("HTTP/1.1 200 Connection established\r\n\r\n", status) == 0);
	CHECK(judge("HTTP/1.0 200\r\n\r\n", status) == 0);
	CHECK(judge("HTTP/1.1 204 No Content\r\n\r\n", status) == 0);
	CHECK(judge("HTTP/1.1 299 Odd\r\n\r\n", status) == 0);
	CHECK(judge("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", status) == -EACCES);
	CHECK(strcmp(status, "HTTP/1.1 407 Proxy Authentication Required") == 0);
	CHECK(judge("HTTP/1.1 403 Forbidden\r\n\r\n", status) == -EACCES);
	CHECK(judge("HTTP/1.1 502 Bad Gateway\r\n\r\n", status) == -ECONNREFUSED);
	CHECK(judge("HTTP/1.1 504 Gateway Timeout\r\n\r\n", status) == -ETIMEDOUT);
	CHECK(judge("HTTP/1.1 300 Multiple\r\n\r\n", status) == -ECONNREFUSED);
	CHECK(judge("HTTP/1.1 199 Early\r\n\r\n", status) == -ECONNREFUSED);
	CHECK(judge("HTTP/1.1 101 Switching Protocols\r\n\r\n", status) == -EPROTO);
}

static void malformed_statuses(void)
{
	char status[HTTP_STATUS_TEXT_MAX];

	CHECK(judge("garbage\r\n\r\n", status) == -EPROTO);
	CHECK(judge("HTTP/2 200 OK\r\n\r\n", status) == -EPROTO);
	CHECK(judge("HTTP/1.( 200 OK\r\n\r\n", status) == -EPROTO);
	CHECK(judge("HTTP/1.1 20 OK\r\n\r\n", status) == -EPROTO);
	CHECK(judge("HTTP/1.1 2000 OK\r\n\r\n", status) == -EPROTO);
	CHECK(judge("HTTP/1.1 abc OK\r\n\r\n", status) == -EPROTO);
	CHECK(judge("\r\n\r\n", status) == -EPROTO);
	CHECK(judge("HTTP/1.1 407 \x1b[31mred\r\n\r\n", status) == -EACCES);
	CHECK(strcmp(status, "HTTP/1.1 407 ?[31mred") == 0);	/* no terminal escapes */
}

int main(void)
{
	RUN(base64_vectors);
	RUN(requests);
	RUN(request_refuses_injection);
	RUN(headers_end);
	RUN(interim_responses);
	RUN(statuses);
	RUN(malformed_statuses);
	return check_done();
}
