#define _GNU_SOURCE
#include "pcconf_parser.h"
#include "printable.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What proxychains-ng assumes when the file does not say. */
#define PC_DEFAULT_READ_MS 4000
#define PC_DEFAULT_CONNECT_MS 10000
#define PC_TIMEOUT_MAX_MS 86400000	/* what our timeout= takes: a day */

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static bool is_directive(const char *p, size_t len);

bool pcconf_detect(const char *text)
{
	const char *p = text;
	size_t len;

	while (*p) {
		while (is_space(*p))
			p++;
		len = strcspn(p, " \t\r\v\f=\n");
		if (*p != '#' && len > 0 && is_directive(p, len))
			return true;
		p += strcspn(p, "\n");
		if (*p)
			p++;
	}
	return false;
}

int pc_fail(struct pc_state *st, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (st->line && st->line->shown[0])
		snprintf(st->err->text, sizeof(st->err->text), "%s:%u: \"%s\": %s", st->origin,
			 st->line->number, st->line->shown, what);
	else if (st->line)
		snprintf(st->err->text, sizeof(st->err->text), "%s:%u: %s", st->origin,
			 st->line->number, what);
	else
		snprintf(st->err->text, sizeof(st->err->text), "%s: %s", st->origin, what);
	/* It quotes the file, which may hold ESC and other controls. */
	printable_copy(st->err->text, sizeof(st->err->text), st->err->text, strlen(st->err->text));
	return -EINVAL;
}

int pc_emit(struct pc_state *st, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = strbuf_vadd(&st->out, fmt, ap);
	va_end(ap);
	return rc;
}

void pc_note(struct pc_state *st, const char *fmt, ...)
{
	struct pcconf *pc = st->pc;
	va_list ap;

	if (pc->nnotes == PCCONF_NOTES_MAX)
		return;
	pc->notes[pc->nnotes].line = st->line ? st->line->number : 0;
	va_start(ap, fmt);
	vsnprintf(pc->notes[pc->nnotes].text, sizeof(pc->notes[0].text), fmt, ap);
	va_end(ap);
	pc->nnotes++;
}

/* The line as messages show it: its fields, a proxy's password as ***, cut short. */
static void show_line(struct pc_line *ln, bool in_list)
{
	size_t n = 0, cap = sizeof(ln->shown);
	unsigned i;

	ln->shown[0] = '\0';
	for (i = 0; i < ln->nfields && n + 1 < cap; i++) {
		const char *f = ln->field[i];
		const char *at = strrchr(f, '@'), *sep = strstr(f, "://");
		const char *colon = sep && at > sep ? memchr(sep + 3, ':', (size_t)(at - sep - 3)) : NULL;
		int w;

		if (in_list && i == 4)
			w = snprintf(ln->shown + n, cap - n, " ***");
		else if (in_list && colon)	/* TYPE://USER:PASS@HOST:PORT */
			w = snprintf(ln->shown + n, cap - n, "%s%.*s:***%s", i ? " " : "",
				     (int)(colon - f), f, at);
		else
			w = snprintf(ln->shown + n, cap - n, "%s%s", i ? " " : "", f);
		n = w < 0 || (size_t)w >= cap - n ? cap - 1 : n + (size_t)w;
	}
	if (n + 1 >= cap)
		memcpy(ln->shown + cap - 4, "...", 4);
}

/*
 * Copies one line and splits it into fields. '#' at the start of a field
 * starts a comment, except in a password (a [ProxyList] line's fifth field),
 * which is taken as written.
 */
static int split_line(struct pc_state *st, const char *p, size_t len, struct pc_line *ln)
{
	char *q;

	ln->nfields = 0;
	ln->shown[0] = '\0';
	if (len > PCCONF_LINE_MAX)
		return pc_fail(st, "line longer than %d bytes", PCCONF_LINE_MAX);
	memcpy(ln->text, p, len);
	ln->text[len] = '\0';
	for (q = ln->text; *q;) {
		while (is_space(*q))
			*q++ = '\0';
		if (!*q || (*q == '#' && !(st->in_list && ln->nfields == 4)))
			break;
		if (ln->nfields == PC_FIELDS_MAX)
			break;
		ln->field[ln->nfields++] = q;
		while (*q && !is_space(*q))
			q++;
	}
	show_line(ln, st->in_list);
	return 0;
}

/* A count of milliseconds, 1 to a day. */
static int parse_ms(const char *text, int64_t *ms)
{
	char *end;
	unsigned long long n;

	if (*text < '0' || *text > '9')
		return -EINVAL;
	n = strtoull(text, &end, 10);
	if (*end || n < 1 || n > PC_TIMEOUT_MAX_MS)
		return -EINVAL;
	*ms = (int64_t)n;
	return 0;
}

/* Our timeout covers a hop's connect and its reply together: the larger bound of the two. */
static int emit_timeout(struct pc_state *st)
{
	int64_t ms = st->read_ms > st->connect_ms ? st->read_ms : st->connect_ms;

	return pc_emit(st, "timeout=%lld.%03lld ", (long long)(ms / 1000), (long long)(ms % 1000));
}

static int timeout_directive(struct pc_state *st, const char *key, const char *value)
{
	int64_t *ms = strcmp(key, "tcp_read_time_out") == 0 ? &st->read_ms : &st->connect_ms;

	if (parse_ms(value, ms) < 0)
		return pc_fail(st, "%s wants milliseconds, 1 to %d", key, PC_TIMEOUT_MAX_MS);
	return emit_timeout(st);
}

/* "chain_len = N", as proxychains writes it; "chain_len=N" and "chain_len N" too. */
static int chain_len_directive(struct pc_state *st)
{
	const struct pc_line *ln = st->line;
	char value[16] = "", *digits, *end;
	unsigned long n;
	unsigned i;

	/* What follows the name, its fields run together: "=2" or "2". */
	for (i = 0; i < ln->nfields; i++) {
		const char *f = ln->field[i] + (i == 0 ? strlen("chain_len") : 0);

		if (strlen(value) + strlen(f) >= sizeof(value))
			return pc_fail(st, "chain_len wants a count of hops, 1 to %d", CHAIN_MAX_HOPS);
		strcat(value, f);
	}
	digits = value + (value[0] == '=');
	n = strtoul(digits, &end, 10);
	if (*digits < '0' || *digits > '9' || *end || n < 1 || n > CHAIN_MAX_HOPS)
		return pc_fail(st, "chain_len wants a count of hops, 1 to %d", CHAIN_MAX_HOPS);
	st->chain_len_set = true;
	return pc_emit(st, "hops=%lu ", n);
}

static int subnet_directive(struct pc_state *st, const char *key, const char *value)
{
	char *end;
	unsigned long n = strtoul(value, &end, 10);

	(void)key;
	if (*value < '0' || *value > '9' || *end || n > 255)
		return pc_fail(st, "remote_dns_subnet wants a number, 0 to 255");
	/* proxychains' file offers 127 for programs that check the address they get. */
	if (n == 127 || n == 0)
		return pc_fail(st, "remote_dns_subnet %lu is this host's own addresses: fake ones "
			       "there would hide local services; use 224, proxychains' default, or "
			       "leave the line out for sockschain's %s", n, CHAIN_DEFAULT_FAKE_RANGE);
	return pc_emit(st, "fake_range=%lu.0.0.0/8 ", n);
}

static int dns_directive(struct pc_state *st, const char *key, const char *value)
{
	(void)value;
	st->pc->remote_dns = true;
	if (strcmp(key, "proxy_dns_old") == 0)
		pc_note(st, "proxy_dns_old: names are resolved by the last hop, as with proxy_dns "
			"(no proxyresolv script is run)");
	else if (strcmp(key, "proxy_dns_daemon") == 0)
		pc_note(st, "proxy_dns_daemon: names are resolved by the last hop, as with proxy_dns "
			"(no daemon is asked; its address is not used)");
	return pc_emit(st, "dns=remote ");
}

static int mode_directive(struct pc_state *st, const char *key, const char *value)
{
	(void)value;
	st->random_like = key[0] == 'r';	/* random_chain, round_robin_chain */
	return pc_emit(st, "mode=%.*s ", (int)(strlen(key) - strlen("_chain")), key);
}

static int list_directive(struct pc_state *st, const char *key, const char *value)
{
	(void)key, (void)value;
	st->in_list = true;
	return 0;
}

static int quiet_directive(struct pc_state *st, const char *key, const char *value)
{
	(void)key, (void)value;
	st->pc->quiet = true;
	return 0;
}

static int localnet_directive(struct pc_state *st, const char *key, const char *value)
{
	(void)key;
	return pc_localnet(st, value);
}

static int dnat_directive(struct pc_state *st, const char *key, const char *value)
{
	(void)key, (void)value;
	return pc_fail(st, "dnat is not supported: sockschain never rewrites a destination");
}

struct directive {
	const char *name;
	int values;	/* how many it takes: 0 or 1; -1 any (refused anyway) */
	int (*translate)(struct pc_state *st, const char *key, const char *value);
};

static const struct directive directives[] = {
	{ "[ProxyList]", 0, list_directive },
	{ "strict_chain", 0, mode_directive },
	{ "dynamic_chain", 0, mode_directive },
	{ "random_chain", 0, mode_directive },
	{ "round_robin_chain", 0, mode_directive },
	{ "chain_len", 1, NULL },	/* its own syntax: chain_len_directive */
	{ "quiet_mode", 0, quiet_directive },
	{ "proxy_dns", 0, dns_directive },
	{ "proxy_dns_old", 0, dns_directive },
	{ "proxy_dns_daemon", 1, dns_directive },
	{ "remote_dns_subnet", 1, subnet_directive },
	{ "tcp_read_time_out", 1, timeout_directive },
	{ "tcp_connect_time_out", 1, timeout_directive },
	{ "localnet", 1, localnet_directive },
	{ "dnat", -1, dnat_directive },
};

static const struct directive *find_directive(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(directives) / sizeof(directives[0]); i++)
		if (strlen(directives[i].name) == len && memcmp(directives[i].name, p, len) == 0)
			return &directives[i];
	return NULL;
}

static bool is_directive(const char *p, size_t len)
{
	return find_directive(p, len) != NULL;
}

/* One line before [ProxyList]: a directive. */
static int directive(struct pc_state *st)
{
	const struct pc_line *ln = st->line;
	const char *key = ln->field[0];
	const struct directive *d = find_directive(key, strcspn(key, "="));
	int values = (int)ln->nfields - 1;

	if (!d)
		return pc_fail(st, "unknown proxychains directive \"%.*s\"", (int)strcspn(key, "="),
			       key);
	if (!d->translate)
		return chain_len_directive(st);
	if (d->values >= 0 && key[strlen(d->name)] == '=')
		return pc_fail(st, "%s is written without '='", d->name);
	if (d->values >= 0 && values != d->values)
		return pc_fail(st, d->values ? "%s wants one value" : "%s takes no value", d->name);
	return d->translate(st, d->name, values > 0 ? ln->field[1] : NULL);
}

static int translate_line(struct pc_state *st, struct pc_line *ln)
{
	st->line = ln;
	if (ln->nfields == 0)
		return 0;
	if (!st->in_list)
		return directive(st);
	if (strcmp(ln->field[0], "[ProxyList]") == 0)
		return pc_fail(st, "a second [ProxyList]");
	if (is_directive(ln->field[0], strcspn(ln->field[0], "=")))
		return pc_fail(st, "%.*s must come before [ProxyList]",
			       (int)strcspn(ln->field[0], "="), ln->field[0]);
	return pc_proxy(st);
}

/* After the last line: what depends on the whole file. */
static int finish(struct pc_state *st)
{
	st->line = NULL;
	if (!st->in_list)
		return pc_fail(st, "no [ProxyList] section (proxychains format)");
	if (st->nproxies == 0)
		return pc_fail(st, "no proxies in [ProxyList]");
	if (!st->pc->remote_dns)
		pc_note(st, "no proxy_dns: names are resolved here, by the local resolver, which "
			"tells the local network every name (dns=local, as proxychains does)");
	/* proxychains takes one proxy per connection when chain_len is not given. */
	if (st->random_like && !st->chain_len_set)
		return pc_emit(st, "hops=1\n");
	return 0;
}

static int translate(struct pc_state *st, const char *text, struct pc_line *ln)
{
	const char *p = text;
	unsigned number = 0;
	size_t len;
	int rc;

	/* Proxychains' defaults, on line 1, before anything the file says. */
	rc = pc_emit(st, "bypass=none dns=local mode=dynamic ");
	if (rc == 0)
		rc = emit_timeout(st);
	while (rc == 0 && *p) {
		len = strcspn(p, "\n");
		ln->number = ++number;
		st->line = ln;
		rc = split_line(st, p, len, ln);
		if (rc == 0)
			rc = translate_line(st, ln);
		if (rc == 0)
			rc = pc_emit(st, "\n");
		p += len + (p[len] == '\n');
	}
	return rc < 0 ? rc : finish(st);
}

int pcconf_translate(const char *text, const char *origin, char **spec, struct pcconf *pc,
		     struct spec_error *err)
{
	struct pc_state st = { .origin = origin, .pc = pc, .err = err,
			       .read_ms = PC_DEFAULT_READ_MS, .connect_ms = PC_DEFAULT_CONNECT_MS };
	struct pc_line *ln = malloc(sizeof(*ln));
	int rc = -ENOMEM;

	memset(pc, 0, sizeof(*pc));
	*spec = NULL;
	if (ln)
		rc = translate(&st, text, ln);
	if (rc == -ENOMEM)
		snprintf(err->text, sizeof(err->text), "%s: out of memory", origin);
	free(ln);
	if (rc < 0)
		free(st.out.text);
	else
		*spec = st.out.text;
	return rc;
}
