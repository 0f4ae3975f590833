#define _GNU_SOURCE
#include "spec_parser.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Percent-decodes len bytes of in. Returns the length, or a message on failure. */
static long percent_decode(const char *in, size_t len, char *out, size_t cap,
			   const char **why)
{
	size_t i, n = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		char ch = in[i];

		if (ch == '%') {
			hi = i + 2 < len ? hexval(in[i + 1]) : -1;
			lo = hi >= 0 ? hexval(in[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				*why = "bad percent escape";
				return -1;
			}
			ch = (char)(hi * 16 + lo);
			if (ch == '\0') {
				*why = "%00 is not allowed";
				return -1;
			}
			i += 2;
		}
		if (n + 1 >= cap) {
			*why = "longer than 255 bytes";
			return -1;
		}
		out[n++] = ch;
	}
	out[n] = '\0';
	return (long)n;
}

static int parse_port(const char *text, size_t len, uint16_t *port)
{
	unsigned long n = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
		n = n * 10 + (unsigned long)(text[i] - '0');
	}
	if (n < 1 || n > 65535)
		return -EINVAL;
	*port = (uint16_t)n;
	return 0;
}

static bool is_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_';
}

/* Accepts an IPv4 literal, a bracketed IPv6 literal (already unbracketed) or a name. */
static int set_host(struct parser *ps, const struct item *it, struct hop *hop,
		    const char *host, size_t len, bool bracketed)
{
	size_t i;
	bool all_numeric = true;

	if (len == 0)
		return spec_fail(ps, it, "missing host");
	if (len > SPEC_NAME_MAX)
		return spec_fail(ps, it, "host longer than %d bytes", SPEC_NAME_MAX);
	memcpy(hop->host, host, len);
	hop->host[len] = '\0';
	if (bracketed) {
		if (inet_pton(AF_INET6, hop->host, hop->addr.addr) != 1)
			return spec_fail(ps, it, "bad IPv6 address \"%s\"", hop->host);
		hop->addr.family = AF_INET6;
		return 0;
	}
	if (inet_pton(AF_INET, hop->host, hop->addr.addr) == 1) {
		hop->addr.family = AF_INET;
		return 0;
	}
	for (i = 0; i < len; i++) {
		if (!is_name_char(host[i]))
			return spec_fail(ps, it, "bad character '%c' in host name", host[i]);
		if (!(host[i] >= '0' && host[i] <= '9') && host[i] != '.')
			all_numeric = false;
	}
	if (all_numeric)
		return spec_fail(ps, it, "bad IPv4 address \"%s\"", hop->host);
	hop->host_is_name = true;
	return 0;
}

/* host [":" port], with IPv6 literals in brackets. */
static int parse_hostport(struct parser *ps, const struct item *it, struct hop *hop,
			  const char *text, size_t len)
{
	const char *end = text + len, *colon;

	if (len > 0 && text[0] == '[') {
		const char *close = memchr(text, ']', len);

		if (!close)
			return spec_fail(ps, it, "missing ']' after IPv6 address");
		colon = close + 1 < end ? close + 1 : NULL;
		if (colon && *colon != ':')
			return spec_fail(ps, it, "unexpected text after ']'");
		if (set_host(ps, it, hop, text + 1, (size_t)(close - text - 1), true) < 0)
			return -EINVAL;
	} else {
		colon = memchr(text, ':', len);
		if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
			return spec_fail(ps, it, "an IPv6 address must be written in brackets");
		if (set_host(ps, it, hop, text, colon ? (size_t)(colon - text) : len, false) < 0)
			return -EINVAL;
	}
	if (colon && parse_port(colon + 1, (size_t)(end - colon - 1), &hop->port) < 0)
		return spec_fail(ps, it, "bad port \"%.*s\" (1-65535)", (int)(end - colon - 1), colon + 1);
	hop->addr.port = hop->port;
	return 0;
}

/* "user" or "user:password", percent-decoded; SOCKS4 has a user id only. */
static int parse_userinfo(struct parser *ps, const struct item *it, struct hop *hop,
			  const char *text, size_t len)
{
	const char *colon = memchr(text, ':', len), *why = NULL;
	size_t userlen = colon ? (size_t)(colon - text) : len;

	if (colon && hop->proto == HOP_SOCKS4)
		return spec_fail(ps, it, "socks4 takes a user id, not a password");
	if (percent_decode(text, userlen, hop->user, sizeof(hop->user), &why) < 0)
		return spec_fail(ps, it, "user: %s", why);
	if (hop->proto == HOP_SOCKS5 && hop->user[0] == '\0')
		return spec_fail(ps, it, "socks5 needs a user name before the password");
	if (hop->proto == HOP_HTTP && strchr(hop->user, ':'))
		return spec_fail(ps, it, "user: http cannot send a user name with ':' (RFC 7617)");
	if (!colon)
		return 0;
	hop->has_pass = true;
	if (percent_decode(colon + 1, len - userlen - 1, hop->pass, sizeof(hop->pass), &why) < 0)
		return spec_fail(ps, it, "password: %s", why);
	return 0;
}

struct scheme {
	const char *name;
	enum hop_proto proto;
	uint16_t default_port;
};

/* The first scheme of each protocol is the one shown in messages. */
static const struct scheme schemes[] = {
	{ "socks4", HOP_SOCKS4, 1080 },
	{ "socks5", HOP_SOCKS5, 1080 },
	{ "http", HOP_HTTP, 8080 },
	{ "socks4a", HOP_SOCKS4, 1080 },
	{ "socks5h", HOP_SOCKS5, 1080 },
};

static const struct scheme *find_scheme(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strlen(schemes[i].name) == len && strncasecmp(schemes[i].name, name, len) == 0)
			return &schemes[i];
	return NULL;
}

int spec_parse_proxy(struct parser *ps, const struct item *it, const char *sep)
{
	const char *authority = sep + 3, *end = it->text + strlen(it->text), *at, *slash;
	const struct scheme *scheme = find_scheme(it->text, (size_t)(sep - it->text));
	struct hop *hop;

	if (!scheme)
		return spec_fail(ps, it, "unknown scheme \"%.*s\" (supported: socks4, socks4a, "
			    "socks5, socks5h, http)",
			    (int)(sep - it->text), it->text);
	if (ps->chain->nhops == CHAIN_MAX_HOPS)
		return spec_fail(ps, it, "more than %d hops", CHAIN_MAX_HOPS);
	if (!(hop = spec_grow(ps, ps->chain->hops, ps->chain->nhops, sizeof(*hop))))
		return -ENOMEM;
	ps->chain->hops = hop;
	hop = &ps->chain->hops[ps->chain->nhops];
	memset(hop, 0, sizeof(*hop));
	hop->proto = scheme->proto;
	hop->port = scheme->default_port;
	hop->line = it->line;
	hop->column = it->column;
	slash = memchr(authority, '/', (size_t)(end - authority));
	if (slash && slash + 1 != end)
		return spec_fail(ps, it, "unexpected path after the host");
	if (slash)
		end = slash;
	at = memrchr(authority, '@', (size_t)(end - authority));
	if (at && parse_userinfo(ps, it, hop, authority, (size_t)(at - authority)) < 0)
		return -EINVAL;
	if (parse_hostport(ps, it, hop, at ? at + 1 : authority,
			   (size_t)(end - (at ? at + 1 : authority))) < 0)
		return -EINVAL;
	ps->chain->nhops++;
	return 0;
}

const char *hop_proto_name(enum hop_proto proto)
{
	size_t i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (schemes[i].proto == proto)
			return schemes[i].name;
	return "?";
}

/* A user name as a URL writes it: what could confuse a reader or a terminal, %XX. */
void spec_percent_encode(const char *in, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *in && n + 4 <= cap; in++) {
		unsigned char ch = (unsigned char)*in;

		if (isalnum(ch) || strchr("-._~", ch)) {
			out[n++] = (char)ch;
		} else {
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	out[n] = '\0';
}

void hop_describe(const struct hop *hop, char *buf, size_t cap)
{
	bool v6 = !hop->host_is_name && hop->addr.family == AF_INET6;
	char user[3 * SPEC_NAME_MAX + 1];

	spec_percent_encode(hop->user, user, sizeof(user));
	snprintf(buf, cap, "%s://%s%s%s%s%s%s:%u", hop_proto_name(hop->proto), user,
		 hop->has_pass ? ":***" : "", hop->user[0] || hop->has_pass ? "@" : "",
		 v6 ? "[" : "", hop->host, v6 ? "]" : "", hop->port);
}

void hop_endpoint(const struct hop *hop, struct endpoint *ep)
{
	ep->name = hop->host_is_name ? hop->host : NULL;
	ep->addr = hop->addr;
	ep->addr.port = hop->port;
}
