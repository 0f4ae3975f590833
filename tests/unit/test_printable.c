/* Text from outside shown safely: printable_copy, and the spec errors that quote it. */
#define _GNU_SOURCE
#include "../../chain/pcconf.h"
#include "../../chain/printable.h"
#include "../../chain/spec.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static void controls_become_question_marks(void)
{
	char out[32];

	CHECK(printable_copy(out, sizeof(out), "plain text", 10) == 10);
	CHECK(strcmp(out, "plain text") == 0);
	CHECK(printable_copy(out, sizeof(out), "a\x1b[31mb\r\n\t\x7f", 11) == 11);
	CHECK(strcmp(out, "a?[31mb????") == 0);
	CHECK(printable_copy(out, sizeof(out), "caf\xc3\xa9 \x9b", 7) == 7);
	CHECK(strcmp(out, "caf?? ?") == 0);	/* C1 CSI, 0x9b, too */
	CHECK(printable_copy(out, sizeof(out), "with\0nul", 8) == 8);
	CHECK(strcmp(out, "with?nul") == 0);
}

static void long_text_is_cut_with_an_ellipsis(void)
{
	char in[5000], out[16];

	memset(in, 'x', sizeof(in));
	CHECK(printable_copy(out, sizeof(out), in, sizeof(in)) == 15);
	CHECK(strcmp(out, "xxxxxxxxxxxx...") == 0);
	CHECK(printable_copy(out, sizeof(out), in, 15) == 15);	/* fits exactly: no cut */
	CHECK(strcmp(out, "xxxxxxxxxxxxxxx") == 0);
	CHECK(printable_copy(out, sizeof(out), in, 16) == 15);
	CHECK(strcmp(out, "xxxxxxxxxxxx...") == 0);
	memcpy(in, "in place\x1b", 9);
	CHECK(printable_copy(in, 10, in, 9) == 9);
	CHECK(strcmp(in, "in place?") == 0);
}

static void spec_errors_never_carry_controls(void)
{
	static struct chain_config cfg;
	struct spec_error err;

	CHECK(spec_parse("socks5://127.0.0.1:1 col\x1b]0;owned\x07our=1", "-c", &cfg, &err) < 0);
	CHECK(strchr(err.text, '\x1b') == NULL && strchr(err.text, '\x07') == NULL);
	CHECK(strstr(err.text, "\"col?]0;owned?our=1\"") != NULL);
	CHECK(spec_parse("sock\x1b[2Js5://h:1", "-c", &cfg, &err) < 0);
	CHECK(strstr(err.text, "sock?[2Js5") != NULL && strchr(err.text, '\x1b') == NULL);
	CHECK(spec_parse("socks5://h:1", "/tmp/\x1b[2J.chain", &cfg, &err) == 0);
	CHECK(spec_parse("socks5://h:99999", "/tmp/\x1b[2J.chain", &cfg, &err) < 0);
	CHECK(strncmp(err.text, "/tmp/?[2J.chain:1:1:", 20) == 0);
}

static void proxychains_errors_never_carry_controls(void)
{
	struct spec_error err;
	struct pcconf pc;
	char *spec = NULL;

	CHECK(pcconf_translate("strict_chain\n[ProxyList]\nsocks5 1.2.3.4 1080\x1b[2J\n", "pc.conf",
			       &spec, &pc, &err) < 0);
	CHECK(strchr(err.text, '\x1b') == NULL);
	CHECK(strstr(err.text, "?[2J") != NULL);
	free(spec);
}

int main(void)
{
	RUN(controls_become_question_marks);
	RUN(long_text_is_cut_with_an_ellipsis);
	RUN(spec_errors_never_carry_controls);
	RUN(proxychains_errors_never_carry_controls);
	return check_done();
}
