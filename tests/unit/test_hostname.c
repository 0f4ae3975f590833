/* Host names: which the library will give a fake address to, and which are localhost. */
#define _GNU_SOURCE
#include "../../chain/hostname.h"
#include "check.h"

#include <string.h>

static void real_names_are_valid(void)
{
	char longest[254];

	CHECK(hostname_valid("example.com"));
	CHECK(hostname_valid("example.com."));	/* fully qualified */
	CHECK(hostname_valid("a"));
	CHECK(hostname_valid("_dmarc.example.com"));
	CHECK(hostname_valid("my_host.lan"));
	CHECK(hostname_valid("xn--bcher-kva.example"));
	CHECK(hostname_valid("a-.example"));
	CHECK(hostname_valid("123.example"));
	CHECK(hostname_valid("WWW.Example.COM"));
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 */
	memset(longest, 'a', 253);
	longest[63] = longest[127] = longest[191] = '.';
	longest[253] = '\0';
	CHECK(hostname_valid(longest));
}

static void invalid_names_are_refused(void)
{
	char name[300];

	CHECK(!hostname_valid(""));
	CHECK(!hostname_valid("."));
	CHECK(!hostname_valid(".."));
	CHECK(!hostname_valid("-leading-dash"));
	CHECK(!hostname_valid("a.-b.example"));
	CHECK(!hostname_valid("a..b"));
	CHECK(!hostname_valid(".a"));
	CHECK(!hostname_valid("a.."));
	CHECK(!hostname_valid("bad name"));
	CHECK(!hostname_valid("a\x1b[31m.example"));
	CHECK(!hostname_valid("a/b"));
	CHECK(!hostname_valid("a:b"));
	CHECK(!hostname_valid("a@b"));
	CHECK(!hostname_valid("caf\xc3\xa9.example"));
	memset(name, 'a', 64);
	strcpy(name + 64, ".example");
	CHECK(!hostname_valid(name));	/* a label of 64 */
	strcpy(name + 63, ".example");
	CHECK(hostname_valid(name));	/* a label of 63 */
	memset(name, 'a', 254);
	name[63] = name[127] = name[191] = '.';
	name[254] = '\0';
	CHECK(!hostname_valid(name));	/* 254 bytes */
	name[253] = '.';
	CHECK(hostname_valid(name));	/* 253 and the root's dot */
}

static void localhost_names(void)
{
	CHECK(hostname_is_localhost("localhost"));
	CHECK(hostname_is_localhost("localhost."));
	CHECK(hostname_is_localhost("LocalHost"));
	CHECK(hostname_is_localhost("sub.localhost"));
	CHECK(hostname_is_localhost("a.b.localhost."));
	CHECK(!hostname_is_localhost("notlocalhost"));
	CHECK(!hostname_is_localhost("localhost.example"));
	CHECK(!hostname_is_localhost("localhos"));
	CHECK(!hostname_is_localhost(""));
}

int main(void)
{
	RUN(real_names_are_valid);
	RUN(invalid_names_are_refused);
	RUN(localhost_names);
	return check_done();
}
