/* The string builders: text_copy cuts short as snprintf's "%s" would. */
#define _GNU_SOURCE
#include "../../chain/strbuf.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static void copy_fits(void)
{
	char buf[8];

	text_copy(buf, sizeof(buf), "abc");
	CHECK(strcmp(buf, "abc") == 0);
	text_copy(buf, sizeof(buf), "1234567");
	CHECK(strcmp(buf, "1234567") == 0);
}

static void copy_cut_short(void)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	text_copy(buf, sizeof(buf), "12345678901");
	CHECK(strcmp(buf, "1234567") == 0);
	text_copy(buf, 1, "abc");
	CHECK(buf[0] == '\0');
}

static void copy_empty(void)
{
	char buf[4] = "xyz";

	text_copy(buf, sizeof(buf), "");
	CHECK(buf[0] == '\0');
}

static void add_formats(void)
{
	struct strbuf sb = { 0 };

	CHECK(strbuf_add(&sb, "%s:%u", "host", 80u) == 0);
	CHECK(strbuf_add(&sb, " %d", -1) == 0);
	CHECK(strcmp(sb.text, "host:80 -1") == 0 && sb.len == strlen(sb.text));
	free(sb.text);
}

int main(void)
{
	RUN(copy_fits);
	RUN(copy_cut_short);
	RUN(copy_empty);
	RUN(add_formats);
	return check_done();
}
