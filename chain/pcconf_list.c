#define _GNU_SOURCE
#include "pcconf_parser.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One [ProxyList] entry, its fields as written. */
struct pc_proxy {
	const char *type, *host, *port, *user, *pass;	/* user, pass: NULL when absent */
};

/* "1" to "65535"; with zero_ok, "0" too. 0 or -EINVAL. */
static int parse_port(const char *text, bool zero_ok, unsigned *port)
{
	size_t len = strlen(text);
	char *end;
	unsigned long n;

	if (len == 0 || len > 5 || strspn(text, "0123456789") != len)
		return -EINVAL;
	n = strtoul(text, &end, 10);
	if (n > 65535 || (n == 0 && !zero_ok))
		return -EINVAL;
	*port = (unsigned)n;
	return 0;
}

/* An IPv4 or IPv6 literal, or a host name our spec accepts. */
static int check_host(struct pc_state *st, const char *host, bool *v6)
{
	unsigned char buf[16];
	size_t len = strlen(host);

	*v6 = inet_pton(AF_INET6, host, buf) == 1;
	if (*v6 || inet_pton(AF_INET, host, buf) == 1)
		return 0;
	if (len == 0 || len > SPEC_NAME_MAX)
		return pc_fail(st, "a proxy's host is 1-%d bytes", SPEC_NAME_MAX);
	if (strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") != len)
		return pc_fail(st, "bad character in host name \"%.64s\"", host);
	if (strspn(host, "0123456789.") == len)
		return pc_fail(st, "bad IPv4 address \"%.64s\"", host);
	return 0;
}

static int check_credentials(struct pc_state *st, const struct pc_proxy *px)
{
	if (px->user && strlen(px->user) > SPEC_NAME_MAX)
		return pc_fail(st, "user name longer than %d bytes", SPEC_NAME_MAX);
	if (px->pass && strlen(px->pass) > SPEC_NAME_MAX)
		return pc_fail(st, "password longer than %d bytes", SPEC_NAME_MAX);
	if (px->user && !px->user[0] && px->pass && strcmp(px->type, "socks5") == 0)
		return pc_fail(st, "socks5 needs a user name before the password");
	if (px->user && strcmp(px->type, "http") == 0 && strchr(px->user, ':'))
		return pc_fail(st, "an http user name cannot hold ':' (RFC 7617)");
	return 0;
}

/* socks4://user@host:port, socks5://user:pass@[v6]:port, ... */
static int emit_proxy(struct pc_state *st, const struct pc_proxy *px)
{
	char user[3 * SPEC_NAME_MAX + 1] = "", pass[3 * SPEC_NAME_MAX + 1] = "";
	const char *pass_in = px->pass;
	unsigned port;
	bool v6;

	if (strcmp(px->type, "raw") == 0)
		return pc_fail(st, "raw proxies are not supported: sockschain speaks socks4, socks5 "
			       "and http");
	if (strcmp(px->type, "socks4") && strcmp(px->type, "socks5") && strcmp(px->type, "http"))
		return pc_fail(st, "unknown proxy type \"%.32s\" (socks4, socks5, http)", px->type);
	if (st->nproxies == CHAIN_MAX_HOPS)
		return pc_fail(st, "more than %d proxies", CHAIN_MAX_HOPS);
	if (check_host(st, px->host, &v6) < 0 || check_credentials(st, px) < 0)
		return -EINVAL;
	if (parse_port(px->port, false, &port) < 0)
		return pc_fail(st, "bad port \"%.16s\" (1-65535)", px->port);
	if (pass_in && strcmp(px->type, "socks4") == 0) {
		pc_note(st, "socks4 carries a user id but no password: the password is not used");
		pass_in = NULL;
	}
	if (px->user)
		spec_percent_encode(px->user, user, sizeof(user));
	if (pass_in)
		spec_percent_encode(pass_in, pass, sizeof(pass));
	st->nproxies++;
	return pc_emit(st, "%s://%s%s%s%s%s%s%s:%u ", px->type, user, pass_in ? ":" : "", pass,
		       px->user ? "@" : "", v6 ? "[" : "", px->host, v6 ? "]" : "", port);
}

/* TYPE://[USER[:PASS]@]HOST:PORT, credentials as written (proxychains does not decode them). */
static int split_url(struct pc_state *st, char *url, struct pc_proxy *px)
{
	char *sep = strstr(url, "://"), *rest, *at, *colon, *close;

	*sep = '\0';
	px->type = url;
	rest = sep + 3;
	at = strrchr(rest, '@');
	if (at) {
		*at = '\0';
		px->user = rest;
		if ((colon = strchr(rest, ':')) != NULL) {
			*colon = '\0';
			px->pass = colon + 1;
		}
		rest = at + 1;
		if (!px->user[0] && !px->pass)
			px->user = NULL;	/* "TYPE://@HOST:PORT": no user at all */
	}
	rest[strcspn(rest, "/")] = '\0';	/* a trailing slash */
	close = rest[0] == '[' ? strchr(rest, ']') : NULL;
	colon = strrchr(close ? close : rest, ':');
	if (!colon || (rest[0] == '[' && (!close || colon != close + 1)))
		return pc_fail(st, "a proxy URL is TYPE://[USER:PASS@]HOST:PORT, with its port");
	*colon = '\0';
	if (close)
		*close = '\0';
	px->host = close ? rest + 1 : rest;
	px->port = colon + 1;
	return 0;
}

int pc_proxy(struct pc_state *st)
{
	const struct pc_line *ln = st->line;
	struct pc_proxy px = { NULL, NULL, NULL, NULL, NULL };
	char url[PCCONF_LINE_MAX + 1];

	if (ln->nfields == 1 && strstr(ln->field[0], "://")) {
		snprintf(url, sizeof(url), "%s", ln->field[0]);
		if (split_url(st, url, &px) < 0)
			return -EINVAL;
		return emit_proxy(st, &px);
	}
	if (ln->nfields < 3 || ln->nfields > 5)
		return pc_fail(st, "%s: a proxy is TYPE HOST PORT [USER PASS]",
			       ln->nfields < 3 ? "missing fields" : "too many fields");
	px.type = ln->field[0];
	px.host = ln->field[1];
	px.port = ln->field[2];
	px.user = ln->nfields > 3 ? ln->field[3] : NULL;
	px.pass = ln->nfields > 4 ? ln->field[4] : NULL;
	return emit_proxy(st, &px);
}

/* "255.255.255.0" or "24" (IPv4), "64" (IPv6), to a prefix length. */
static int parse_mask(const char *text, int family, unsigned *prefix)
{
	unsigned max = family == AF_INET ? 32 : 128;
	uint32_t mask;
	char *end;
	unsigned long n;

	if (family == AF_INET && strchr(text, '.')) {
		if (inet_pton(AF_INET, text, &mask) != 1)
			return -EINVAL;
		mask = ntohl(mask);
		for (n = 0; n < 32 && (mask & (1u << (31 - n))); n++)
			;
		if (n < 32 && (mask << n) != 0)
			return -EINVAL;	/* not contiguous */
		*prefix = (unsigned)n;
		return 0;
	}
	n = strtoul(text, &end, 10);
	if (*text < '0' || *text > '9' || *end || n > max)
		return -EINVAL;
	*prefix = (unsigned)n;
	return 0;
}

/* Splits ADDR[:PORT] into address and port text; IPv6 with a port needs brackets. */
static int split_localnet(char *left, int *family, char **addr, char **port)
{
	char *close, *colon = strchr(left, ':');

	*port = NULL;
	*addr = left;
	*family = colon && strchr(colon + 1, ':') ? AF_INET6 : AF_INET;
	if (left[0] == '[') {
		close = strchr(left, ']');
		if (!close || (close[1] && close[1] != ':'))
			return -EINVAL;
		*close = '\0';
		*addr = left + 1;
		*port = close[1] ? close + 2 : NULL;
		*family = AF_INET6;
	} else if (*family == AF_INET && colon) {
		*colon = '\0';
		*port = colon + 1;
	}
	return 0;
}

/* The network itself: host bits cleared, as proxychains compares only the masked bits. */
static void clear_host_bits(uint8_t *addr, int family, unsigned prefix)
{
	unsigned bytes = family == AF_INET ? 4 : 16, i;

	for (i = 0; i < bytes; i++) {
		if (prefix >= 8 * (i + 1))
			continue;
		addr[i] &= prefix > 8 * i ? (uint8_t)(0xff << (8 - (prefix - 8 * i))) : 0;
	}
}

static int emit_localnet(struct pc_state *st, int family, uint8_t *addr, unsigned prefix,
			 unsigned port)
{
	char text[INET6_ADDRSTRLEN];
	bool v6 = family == AF_INET6;

	inet_ntop(family, addr, text, sizeof(text));
	if (port == 0) {
		if (st->nbypass == CHAIN_MAX_BYPASS)
			return pc_fail(st, "more than %d localnet ranges without a port", CHAIN_MAX_BYPASS);
		st->nbypass++;
		return pc_emit(st, "bypass=%s/%u ", text, prefix);
	}
	if (st->nroutes == CHAIN_MAX_ROUTES)
		return pc_fail(st, "more than %d localnet ranges with a port", CHAIN_MAX_ROUTES);
	st->nroutes++;
	return pc_emit(st, "route=%s%s%s/%u:%u->direct ", v6 ? "[" : "", text, v6 ? "]" : "",
		       prefix, port);
}

int pc_localnet(struct pc_state *st, const char *value)
{
	const char *slash = strrchr(value, '/');
	char left[64], *addr, *port_text;
	uint8_t bytes[16];
	unsigned prefix, port = 0;
	int family;

	if (!slash || (size_t)(slash - value) >= sizeof(left))
		return pc_fail(st, "localnet wants ADDRESS[:PORT]/MASK, like 10.0.0.0/255.0.0.0 "
			       "or [::1]:80/128");
	memcpy(left, value, (size_t)(slash - value));
	left[slash - value] = '\0';
	if (split_localnet(left, &family, &addr, &port_text) < 0 ||
	    inet_pton(family, addr, bytes) != 1)
		return pc_fail(st, "localnet: bad address");
	if (port_text && parse_port(port_text, true, &port) < 0)
		return pc_fail(st, "localnet: bad port (0-65535)");
	if (parse_mask(slash + 1, family, &prefix) < 0)
		return pc_fail(st, "localnet: bad mask (a netmask like 255.255.0.0, or a prefix "
			       "length up to %d)", family == AF_INET ? 32 : 128);
	clear_host_bits(bytes, family, prefix);
	return emit_localnet(st, family, bytes, prefix, port);
}
