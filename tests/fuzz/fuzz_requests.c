/*
 * The request builders with hostile inputs: names, user ids and passwords of
 * any bytes and lengths, any destination, and any buffer size, given as an
 * exact-size heap buffer so one byte written past cap is caught. A request
 * that is built must parse back to what was asked for; one that is refused
 * must have had a reason to be.
 *
 * Input: byte 0 picks the builder (low 2 bits) and flags: 0x04 the
 * destination is a name, 0x08 an IPv6 address (else IPv4), 0x10 HTTP without
 * credentials, 0x20 cap from bytes 1-2 (else the builder's *_MAX). Bytes 3-4
 * are the port, 5-20 the address. The rest is the name, the user and the
 * password, separated by NUL bytes.
 */
#define _GNU_SOURCE
#include "../../chain/base64.h"
#include "../../chain/http.h"
#include "../../chain/socks4.h"
#include "../../chain/socks5.h"
#include "fuzz.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

enum { BUILD_SOCKS4, BUILD_SOCKS5, BUILD_SOCKS5_AUTH, BUILD_HTTP };

struct request {
	unsigned builder;
	bool no_credentials;
	size_t cap;
	struct endpoint dest;
	char *name, *user, *password;	/* each its own exact-size copy */
};

static char *take_string(struct fuzz_input *in)
{
	const uint8_t *nul = memchr(in->p, '\0', in->left);
	size_t len = nul ? (size_t)(nul - in->p) : in->left;
	char *s = malloc(len + 1);

	FUZZ_CHECK(s);
	memcpy(s, in->p, len);
	s[len] = '\0';
	in->p += len + (nul != NULL);
	in->left -= len + (nul != NULL);
	return s;
}

static void decode(const uint8_t *data, size_t size, struct request *rq)
{
	static const size_t max[] = { SOCKS4_REQUEST_MAX, SOCKS5_REQUEST_MAX, SOCKS5_AUTH_MAX,
				      HTTP_REQUEST_MAX };
	struct fuzz_input in = { data, size };
	uint8_t flags = fuzz_byte(&in);
	uint16_t cap = fuzz_u16(&in);
	unsigned i;

	memset(rq, 0, sizeof(*rq));
	rq->builder = flags & 3;
	rq->no_credentials = flags & 0x10;
	/* a cap up to a little over what the builder ever needs */
	rq->cap = flags & 0x20 ? cap % (max[rq->builder] + 64) : max[rq->builder];
	rq->dest.addr.family = flags & 0x08 ? AF_INET6 : AF_INET;
	rq->dest.addr.port = fuzz_u16(&in);
	for (i = 0; i < 16; i++)
		rq->dest.addr.addr[i] = fuzz_byte(&in);
	rq->name = take_string(&in);
	rq->user = take_string(&in);
	rq->password = take_string(&in);
	rq->dest.name = flags & 0x04 ? rq->name : NULL;
}

static void check_socks4(const struct request *rq, const uint8_t *buf, int rc)
{
	const char *name = rq->dest.name;
	size_t idlen = strlen(rq->user), namelen = name ? strlen(name) + 1 : 0;
	size_t need = 8 + idlen + 1 + namelen;
	bool valid = (name ? endpoint_name_ok(name) : rq->dest.addr.family == AF_INET) && idlen <= 255;

	if (rc < 0) {
		FUZZ_CHECK(rc == -EAFNOSUPPORT || rc == -ENAMETOOLONG || rc == -EINVAL || rc == -ENOBUFS);
		FUZZ_CHECK((rc == -ENOBUFS) == (valid && need > rq->cap));
		FUZZ_CHECK(!valid || need > rq->cap);
		return;
	}
	FUZZ_CHECK(valid && (size_t)rc == need && need <= rq->cap);
	FUZZ_CHECK(buf[0] == 4 && buf[1] == 1);
	FUZZ_CHECK((buf[2] << 8 | buf[3]) == rq->dest.addr.port);
	if (name)
		FUZZ_CHECK(memcmp(buf + 4, "\0\0\0\1", 4) == 0);
	else
		FUZZ_CHECK(memcmp(buf + 4, rq->dest.addr.addr, 4) == 0);
	FUZZ_CHECK(memcmp(buf + 8, rq->user, idlen + 1) == 0);	/* with its NUL */
	if (name)
		FUZZ_CHECK(memcmp(buf + 8 + idlen + 1, name, namelen) == 0);
}

static void check_socks5(const struct request *rq, const uint8_t *buf, int rc)
{
	const char *name = rq->dest.name;
	bool v4 = rq->dest.addr.family == AF_INET;
	size_t addrlen = name ? 1 + strlen(name) : v4 ? 4 : 16, need = 4 + addrlen + 2;
	bool valid = !name || endpoint_name_ok(name);

	if (rc < 0) {
		FUZZ_CHECK(rc == -ENAMETOOLONG || rc == -EINVAL || rc == -ENOBUFS);
		FUZZ_CHECK(!valid || rq->cap < SOCKS5_REQUEST_MAX);
		return;
	}
	FUZZ_CHECK(valid && (size_t)rc == need && need <= rq->cap);
	FUZZ_CHECK(buf[0] == 5 && buf[1] == 1 && buf[2] == 0);
	FUZZ_CHECK(buf[3] == (name ? 3 : v4 ? 1 : 4));
	if (name)
		FUZZ_CHECK(buf[4] == addrlen - 1 && memcmp(buf + 5, name, addrlen - 1) == 0);
	else
		FUZZ_CHECK(memcmp(buf + 4, rq->dest.addr.addr, addrlen) == 0);
	FUZZ_CHECK((buf[4 + addrlen] << 8 | buf[5 + addrlen]) == rq->dest.addr.port);
}

static void check_socks5_auth(const struct request *rq, const uint8_t *buf, int rc)
{
	size_t ulen = strlen(rq->user), plen = strlen(rq->password), need = 3 + ulen + plen;
	bool valid = ulen >= 1 && ulen <= 255 && plen <= 255;

	if (rc < 0) {
		FUZZ_CHECK(rc == -ENAMETOOLONG || rc == -EINVAL || rc == -ENOBUFS);
		FUZZ_CHECK((rc == -ENOBUFS) == (valid && need > rq->cap));
		FUZZ_CHECK(!valid || need > rq->cap);
		return;
	}
	FUZZ_CHECK(valid && (size_t)rc == need && need <= rq->cap);
	FUZZ_CHECK(buf[0] == 1 && buf[1] == ulen && memcmp(buf + 2, rq->user, ulen) == 0);
	FUZZ_CHECK(buf[2 + ulen] == plen && memcmp(buf + 3 + ulen, rq->password, plen) == 0);
}

static int b64value(char ch)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = ch ? strchr(alphabet, ch) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

/* Decodes len bytes of strict, padded base64 into out. Returns the length, or -1. */
static long b64decode(const char *in, size_t len, char *out)
{
	size_t i, n = 0;
	int v[4], k;

	if (len % 4)
		return -1;
	for (i = 0; i < len; i += 4) {
		for (k = 0; k < 4; k++) {
			v[k] = b64value(in[i + k]);
			if (v[k] < 0 && !(in[i + k] == '=' && i + 4 == len && k >= 2))
				return -1;
		}
		if (v[2] < 0 && v[3] >= 0)
			return -1;
		out[n++] = (char)(v[0] << 2 | v[1] >> 4);
		if (v[2] >= 0)
			out[n++] = (char)(v[1] << 4 | v[2] >> 2);
		if (v[3] >= 0)
			out[n++] = (char)(v[2] << 6 | v[3]);
	}
	return (long)n;
}

/* Takes one CRLF-ended line off *p, which must start with prefix. Returns its rest, or NULL. */
static char *take_line(char **p, const char *prefix)
{
	char *line = *p, *eol = strstr(line, "\r\n");
	size_t plen = strlen(prefix);

	if (!eol || strncmp(line, prefix, plen) != 0)
		return NULL;
	*eol = '\0';
	*p = eol + 2;
	return line + plen;
}

static void check_http(const struct request *rq, const char *buf, int rc)
{
	const char *name = rq->dest.name, *user = rq->no_credentials ? NULL : rq->user;
	/* a user id with ':' would be split there by the proxy (RFC 7617) */
	bool valid = (!name || endpoint_name_ok(name)) &&
		     (!user || (strlen(user) <= 255 && strlen(rq->password) <= 255 && !strchr(user, ':')));
	char authority[ENDPOINT_TEXT_MAX + 8], ip[INET6_ADDRSTRLEN], pair[600], *copy, *p, *s;
	long n;

	if (rc < 0) {
		FUZZ_CHECK(rc == -EINVAL || rc == -ENAMETOOLONG || rc == -ENOBUFS);
		/* every valid request fits HTTP_REQUEST_MAX */
		FUZZ_CHECK(!valid || (rc == -ENOBUFS && rq->cap < HTTP_REQUEST_MAX));
		return;
	}
	FUZZ_CHECK(valid && (size_t)rc < rq->cap && strlen(buf) == (size_t)rc);
	/* one request, its headers ended once, at its end; no bare CR or LF */
	FUZZ_CHECK(http_headers_end(buf, (size_t)rc) == (size_t)rc);
	for (p = strpbrk(buf, "\r\n"); p; p = strpbrk(p + 2, "\r\n"))
		FUZZ_CHECK(p[0] == '\r' && p[1] == '\n');

	if (name) {
		snprintf(authority, sizeof(authority), "%s:%u", name, rq->dest.addr.port);
	} else {
		inet_ntop(rq->dest.addr.family, rq->dest.addr.addr, ip, sizeof(ip));
		snprintf(authority, sizeof(authority), rq->dest.addr.family == AF_INET6 ? "[%s]:%u" :
			 "%s:%u", ip, rq->dest.addr.port);
	}
	copy = strdup(buf);
	FUZZ_CHECK(copy);
	p = copy;
	s = take_line(&p, "CONNECT ");
	FUZZ_CHECK(s && strlen(s) > 9 && strcmp(s + strlen(s) - 9, " HTTP/1.1") == 0);
	s[strlen(s) - 9] = '\0';
	FUZZ_CHECK(strcmp(s, authority) == 0 && !strchr(s, ' '));
	s = take_line(&p, "Host: ");
	FUZZ_CHECK(s && strcmp(s, authority) == 0);
	if (user) {
		s = take_line(&p, "Proxy-Authorization: Basic ");
		FUZZ_CHECK(s && strlen(s) <= BASE64_LEN(255 + 1 + 255));
		n = b64decode(s, strlen(s), pair);
		FUZZ_CHECK(n >= 0);
		pair[n] = '\0';
		/* user-id ":" password: the first ':' ends the user id */
		s = memchr(pair, ':', (size_t)n);
		FUZZ_CHECK(s && (size_t)(s - pair) == strlen(user) && memcmp(pair, user, strlen(user)) == 0);
		FUZZ_CHECK(strcmp(s + 1, rq->password) == 0 && strlen(rq->password) == (size_t)n - (size_t)(s - pair) - 1);
	}
	FUZZ_CHECK(strcmp(p, "\r\n") == 0);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request rq;
	uint8_t *buf;
	int rc;

	decode(data, size, &rq);
	buf = malloc(rq.cap);	/* exact: ASan flags a write past cap, even of 0 */
	FUZZ_CHECK(buf || rq.cap == 0);
	switch (rq.builder) {
	case BUILD_SOCKS4:
		rc = socks4_build_connect(buf, rq.cap, &rq.dest, rq.user);
		check_socks4(&rq, buf, rc);
		break;
	case BUILD_SOCKS5:
		rc = socks5_build_connect(buf, rq.cap, &rq.dest);
		check_socks5(&rq, buf, rc);
		break;
	case BUILD_SOCKS5_AUTH:
		rc = socks5_build_auth(buf, rq.cap, rq.user, rq.password);
		check_socks5_auth(&rq, buf, rc);
		break;
	default:
		rc = http_build_connect((char *)buf, rq.cap, &rq.dest,
					rq.no_credentials ? NULL : rq.user, rq.password);
		check_http(&rq, (const char *)buf, rc);
		break;
	}
	free(buf);
	free(rq.name);
	free(rq.user);
	free(rq.password);
	return 0;
}
