/*
 * The proxychains.conf translator on arbitrary text. A translation that
 * succeeds must be a spec the parser takes (unless its fake_range overlaps
 * a localnet or a proxy, which the parser refuses), and that spec printed back
 * (--print) must parse again. A refusal says where, as "fuzz:" or "fuzz:LINE:".
 */
#define _GNU_SOURCE
#include "../../chain/pcconf.h"
#include "../../chain/spec_print.h"
#include "fuzz.h"

#include <errno.h>
#include <string.h>

/* Parses the spec, prints the result, and parses the print. */
static void check_spec(const char *spec)
{
	static struct chain_config cfg, again;
	static struct spec_error err;
	char *printed = NULL;

	if (spec_parse(spec, "fuzz", &cfg, &err) < 0) {
		/* the one thing left to the parser: fake_range against the rest */
		if (strncmp(err.text, "fuzz:", 5) == 0 && strstr(err.text, "\"fake_range="))
			return;
		fprintf(stderr, "translated spec refused: %s\n%s\n", err.text, spec);
		FUZZ_CHECK(!"a translation is a spec");
	}
	FUZZ_CHECK(spec_print(&cfg, &printed) == 0);
	if (spec_parse(printed, "printed", &again, &err) < 0) {
		fprintf(stderr, "printed spec refused: %s\n%s\n", err.text, printed);
		FUZZ_CHECK(!"a printed spec parses");
	}
	FUZZ_CHECK(again.nchains == cfg.nchains && again.chains[0].nhops == cfg.chains[0].nhops);
	free(printed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct spec_error err;
	struct pcconf pc;
	char *text = malloc(size + 1), *spec = NULL;
	int rc;

	FUZZ_CHECK(text);
	memcpy(text, data, size);
	text[size] = '\0';
	memset(err.text, 'x', sizeof(err.text));	/* a message must terminate itself */
	(void)pcconf_detect(text);
	rc = pcconf_translate(text, "fuzz", &spec, &pc, &err);
	if (rc == 0) {
		check_spec(spec);
		FUZZ_CHECK(pc.nnotes <= PCCONF_NOTES_MAX);
	} else {
		FUZZ_CHECK(rc == -EINVAL || rc == -ENOMEM);
		FUZZ_CHECK(memchr(err.text, '\0', sizeof(err.text)));
		FUZZ_CHECK(strncmp(err.text, "fuzz:", 5) == 0);
		FUZZ_CHECK(spec == NULL);
	}
	free(spec);
	free(text);
	return 0;
}
