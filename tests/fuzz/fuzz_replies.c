/*
 * Every reply decoder on the same arbitrary bytes, each given an exact-size
 * heap copy of what it may read, so reading one byte more is caught:
 * SOCKS4's 8-byte reply, SOCKS5's method choice and RFC 1929 status (2
 * bytes), SOCKS5's reply head (5 bytes) and then the whole reply of the
 * length it announced, and HTTP response headers up to HTTP_HEADERS_MAX.
 * Each verdict is checked against the rule it implements.
 */
#define _GNU_SOURCE
#include "../../chain/http.h"
#include "../../chain/socks4.h"
#include "../../chain/socks5.h"
#include "fuzz.h"

#include <errno.h>
#include <string.h>

static uint8_t *copy(const uint8_t *data, size_t len)
{
	uint8_t *p = malloc(len);	/* ASan flags any byte read past len, even of 0 */

	FUZZ_CHECK(p || len == 0);
	if (len)
		memcpy(p, data, len);
	return p;
}

/* A failure says why, in words. */
static void check_why(int rc, const char *why)
{
	FUZZ_CHECK(rc >= 0 || (why && why[0]));
}

static void socks4_reply(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	uint8_t *reply;
	int rc;

	if (size < SOCKS4_REPLY_LEN)
		return;
	reply = copy(data, SOCKS4_REPLY_LEN);
	rc = socks4_check_reply(reply, &why);
	check_why(rc, why);
	FUZZ_CHECK(rc == 0 || rc == -ECONNREFUSED || rc == -EACCES || rc == -EPROTO);
	FUZZ_CHECK((rc == 0) == ((reply[0] == 0 || reply[0] == 4) && reply[1] == 90));
	free(reply);
}

static void socks5_choice_and_auth(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	uint8_t *reply;
	unsigned offered;
	int rc;

	if (size < SOCKS5_CHOICE_LEN)
		return;
	reply = copy(data, SOCKS5_CHOICE_LEN);
	for (offered = 1; offered <= 3; offered++) {	/* each non-empty set of methods */
		why = NULL;
		rc = socks5_check_choice(reply, offered, &why);
		check_why(rc, why);
		FUZZ_CHECK(rc == SOCKS5_METHOD_NONE || rc == SOCKS5_METHOD_PASSWORD || rc == -EACCES ||
			   rc == -EPROTO);
		FUZZ_CHECK((rc >= 0) == (reply[0] == 5 &&
					 ((reply[1] == SOCKS5_METHOD_NONE && (offered & SOCKS5_OFFER_NONE)) ||
					  (reply[1] == SOCKS5_METHOD_PASSWORD &&
					   (offered & SOCKS5_OFFER_PASSWORD)))));
		FUZZ_CHECK(rc < 0 || rc == reply[1]);
	}
	free(reply);

	reply = copy(data, SOCKS5_AUTH_REPLY_LEN);
	why = NULL;
	rc = socks5_check_auth(reply, &why);
	check_why(rc, why);
	FUZZ_CHECK(rc == 0 || rc == -EACCES || rc == -EPROTO);
	FUZZ_CHECK((rc == 0) == ((reply[0] == 1 || reply[0] == 5) && reply[1] == 0));
	free(reply);
}

static void socks5_reply(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	uint8_t *head, *reply;
	int len, want, rc;

	if (size < SOCKS5_REPLY_HEAD_LEN)
		return;
	head = copy(data, SOCKS5_REPLY_HEAD_LEN);
	len = socks5_reply_length(head, &why);
	check_why(len, why);
	switch (head[3]) {
	case 1:
		want = 4 + 4 + 2;
		break;
	case 3:
		want = 4 + 1 + head[4] + 2;
		break;
	case 4:
		want = 4 + 16 + 2;
		break;
	default:
		want = -EPROTO;
	}
	FUZZ_CHECK(len == (head[0] == 5 ? want : -EPROTO));
	/* The handshake reads len - SOCKS5_REPLY_HEAD_LEN more bytes into SOCKS5_REPLY_MAX. */
	FUZZ_CHECK(len < 0 || (len >= SOCKS5_REPLY_HEAD_LEN && len <= SOCKS5_REPLY_MAX));

	why = NULL;
	rc = socks5_check_reply(head, &why);
	free(head);
	if (len < 0 || size < (size_t)len)
		return;
	reply = copy(data, (size_t)len);
	why = NULL;
	FUZZ_CHECK(socks5_check_reply(reply, &why) == rc);
	check_why(rc, why);
	FUZZ_CHECK((rc == 0) == (reply[1] == 0));
	FUZZ_CHECK(rc == 0 || rc == -ECONNREFUSED || rc == -EACCES || rc == -ENETUNREACH ||
		   rc == -EHOSTUNREACH || rc == -ETIMEDOUT || rc == -EOPNOTSUPP ||
		   rc == -EAFNOSUPPORT || rc == -EPROTO);
	FUZZ_CHECK(reply[1] <= 8 || rc == -EPROTO);
	free(reply);
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* The status line as it must be shown: through its CRLF, unprintables as '?', cut to fit. */
static void expected_status(const char *buf, size_t len, char *want)
{
	const char *eol = memmem(buf, len, "\r\n", 2);
	size_t i, n = eol ? (size_t)(eol - buf) : 0;

	if (n > HTTP_STATUS_TEXT_MAX - 1)
		n = HTTP_STATUS_TEXT_MAX - 1;
	for (i = 0; i < n; i++)
		want[i] = buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '?';
	want[n] = '\0';
}

/* "HTTP/1." DIGIT SP 3DIGIT [ SP reason ]: the status code, or -1. */
static int status_code(const char *s)
{
	size_t n = strlen(s);

	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || !is_digit(s[7]) || s[8] != ' ' ||
	    !is_digit(s[9]) || !is_digit(s[10]) || !is_digit(s[11]) || (n > 12 && s[12] != ' '))
		return -1;
	return (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
}

static void http_status(const char *buf, size_t len)
{
	char *status = malloc(HTTP_STATUS_TEXT_MAX), want[HTTP_STATUS_TEXT_MAX];
	const char *why = NULL;
	size_t i, n;
	int rc, code;

	FUZZ_CHECK(status);
	memset(status, 'x', HTTP_STATUS_TEXT_MAX);
	rc = http_check_status(buf, len, status, &why);
	check_why(rc, why);
	expected_status(buf, len, want);
	code = status_code(want);
	if (rc == 0) {
		/* the status line is for a failure's message: a success leaves it alone */
		for (i = 0; i < HTTP_STATUS_TEXT_MAX; i++)
			FUZZ_CHECK(status[i] == 'x');
	} else {
		n = strnlen(status, HTTP_STATUS_TEXT_MAX);
		FUZZ_CHECK(n < HTTP_STATUS_TEXT_MAX);
		for (i = 0; i < n; i++)
			FUZZ_CHECK(status[i] >= 0x20 && status[i] < 0x7f);
		FUZZ_CHECK(strcmp(status, want) == 0);
	}

	if (code < 0)
		FUZZ_CHECK(rc == -EPROTO);
	else if (code >= 200 && code <= 299)
		FUZZ_CHECK(rc == 0);
	else if (code == 401 || code == 403 || code == 407)
		FUZZ_CHECK(rc == -EACCES);
	else if (code == 504)
		FUZZ_CHECK(rc == -ETIMEDOUT);
	else if (code == 101)
		FUZZ_CHECK(rc == -EPROTO);
	else
		FUZZ_CHECK(rc == -ECONNREFUSED);
	free(status);
}

/* Every response before the final one is a whole 1xx other than 101; the final one ends it all. */
static void interim_responses(const char *buf, size_t len)
{
	size_t final = len + 1, end = http_response_end(buf, len, &final), at = 0, one;
	char line[HTTP_STATUS_TEXT_MAX];
	int code;

	if (!end) {
		FUZZ_CHECK(final == len + 1);
		return;
	}
	FUZZ_CHECK(final < end && end <= len);
	FUZZ_CHECK(http_headers_end(buf + final, end - final) == end - final);
	while (at < final) {
		one = http_headers_end(buf + at, final - at);
		FUZZ_CHECK(one > 0);
		expected_status(buf + at, one, line);
		code = status_code(line);
		FUZZ_CHECK(code >= 100 && code <= 199 && code != 101);
		at += one;
	}
	FUZZ_CHECK(at == final);
}

static void http_response(const uint8_t *data, size_t size)
{
	size_t len = size < HTTP_HEADERS_MAX ? size : HTTP_HEADERS_MAX, end;
	char *buf = (char *)copy(data, len);

	end = http_headers_end(buf, len);
	if (end) {
		/* the first CRLF CRLF, and its end */
		FUZZ_CHECK(end >= 4 && end <= len && memcmp(buf + end - 4, "\r\n\r\n", 4) == 0);
		FUZZ_CHECK(!memmem(buf, end - 1, "\r\n\r\n", 4));
		http_status(buf, end);
	} else {
		FUZZ_CHECK(!memmem(buf, len, "\r\n\r\n", 4));
	}
	http_status(buf, len);
	interim_responses(buf, len);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	socks4_reply(data, size);
	socks5_choice_and_auth(data, size);
	socks5_reply(data, size);
	http_response(data, size);
	return 0;
}
