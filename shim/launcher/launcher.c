/*
 * sockschain [-c SPEC | -f FILE] [-q | -v[v]] [--no-check | --supervise] [--] COMMAND [ARG...]
 * sockschain [-c SPEC | -f FILE] --check [HOST:PORT] | --explain HOST[:PORT] | --print
 *
 * Checks the chain, then runs COMMAND with libsockschain.so preloaded and the
 * chain passed on in the environment, so that its children are covered too;
 * or, with --supervise, under the seccomp supervisor (shim/supervisor/).
 */
#define _GNU_SOURCE
#include "../../chain/resolve.h"
#include "../../chain/spec.h"
#include "../common/chainsource.h"
#include "check.h"
#include "../common/exec_check.h"
#include "../common/fake_names.h"
#include "explain.h"
#include "print_config.h"
#include "../supervisor/supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SOCKSCHAIN_VERSION
#define SOCKSCHAIN_VERSION "unknown"
#endif

/* Exit statuses, as env(1) uses them. */
enum {
	EXIT_LAUNCHER = 125,	/* our own failure: bad chain, refused command */
	EXIT_CANNOT_RUN = 126,
	EXIT_NOT_FOUND = 127,
};

#define LIBRARY_NAME "libsockschain.so"
#define INSTALLED_NAME LIBRARY_NAME "." SOCKSCHAIN_VERSION

struct options {
	const char *spec;	/* -c */
	const char *file;	/* -f */
	int verbosity;		/* 0 -q, 1 default, 2 -v, 3 -vv; -1: none given */
	bool no_check;
	bool supervise;		/* --supervise: the seccomp supervisor carries the program */
	const char *explain;	/* --explain HOST[:PORT] */
	bool check;		/* --check [HOST:PORT] */
	bool print;		/* --print */
	char **command;		/* or, with --check, the destination (may be NULL) */
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "sockschain: ..." to stderr, or appended to SOCKS_CHAIN_LOG. */
static void say(const char *fmt, ...)
{
	const char *log = getenv("SOCKS_CHAIN_LOG");
	FILE *out = stderr, *file = NULL;
	va_list ap;

	if (log && *log && (file = fopen(log, "ae")) != NULL)
		out = file;
	fputs("sockschain: ", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	if (file)
		fclose(file);
}

static void usage(FILE *out)
{
	fputs("usage: sockschain [-c SPEC | -f FILE] [-q | -v[v]] [--no-check | --supervise] [--]\n"
	      "                  COMMAND [ARG...]\n"
	      "       sockschain [-c SPEC | -f FILE] --check [HOST:PORT]\n"
	      "       sockschain [-c SPEC | -f FILE] --explain HOST[:PORT]\n"
	      "       sockschain [-c SPEC | -f FILE] --print\n"
	      "       sockschain --help | --version\n"
	      "\n"
	      "Runs COMMAND with its TCP connections carried through a chain of proxies.\n"
	      "  -c SPEC      the chain, e.g. \"socks4://127.0.0.1:1080 socks4://10.0.0.5:1080\"\n"
	      "  -f FILE      read the chain from FILE (ours, or a proxychains.conf)\n"
	      "  -q           report only a chain that cannot be loaded\n"
	      "  -v, -vv      one line per connection with each hop's time; -vv: debug\n"
	      "  --no-check   run COMMAND even if the library cannot reach it (UNSAFE: static\n"
	      "               and set-user-ID programs would connect directly)\n"
	      "  --supervise  run COMMAND under the seccomp supervisor: every connect() of its\n"
	      "               process tree is carried by the kernel's hand, static and Go\n"
	      "               programs too\n"
	      "  --check      dial each hop in turn and print a table; with HOST:PORT, also\n"
	      "               through the whole chain; exit 0 when every hop answered\n"
	      "  --explain    print which rule and which chain HOST[:PORT] would take\n"
	      "  --print      print the configuration in effect, as a chain spec\n"
	      "Without -c or -f: SOCKS_CHAIN, SOCKS_CHAIN_FILE, PROXYCHAINS_CONF_FILE,\n"
	      "~/.config/sockschain/chain, /etc/sockschain/chain, first found.\n"
	      "Messages go to stderr or to SOCKS_CHAIN_LOG.\n",
	      out);
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	int i;

	*opt = (struct options){ .verbosity = -1 };
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if ((strcmp(a, "-c") == 0 || strcmp(a, "-f") == 0) && i + 1 < argc) {
			*(a[1] == 'c' ? &opt->spec : &opt->file) = argv[++i];
		} else if (strcmp(a, "-q") == 0) {
			opt->verbosity = 0;
		} else if (strcmp(a, "-v") == 0) {
			opt->verbosity = 2;
		} else if (strcmp(a, "-vv") == 0) {
			opt->verbosity = 3;
		} else if (strcmp(a, "--no-check") == 0) {
			opt->no_check = true;
		} else if (strcmp(a, "--supervise") == 0) {
			opt->supervise = true;
		} else if (strcmp(a, "--check") == 0) {
			opt->check = true;
		} else if (strcmp(a, "--print") == 0) {
			opt->print = true;
		} else if (strcmp(a, "--explain") == 0 && i + 1 < argc) {
			opt->explain = argv[++i];
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(a, "--version") == 0) {
			printf("sockschain %s\n", SOCKSCHAIN_VERSION);
			exit(0);
		} else {
			say("unknown option %s (see sockschain --help)", a);
			return -1;
		}
	}
	if (opt->spec && opt->file) {
		say("-c and -f cannot be used together");
		return -1;
	}
	if (opt->no_check && opt->supervise) {
		say("--no-check and --supervise cannot be used together");
		return -1;
	}
	opt->command = argv + i;
	if (opt->check + !!opt->explain + opt->print > 1) {
		say("--check, --explain and --print cannot be used together");
		return -1;
	}
	if (opt->check || opt->explain || opt->print)
		return argc - i <= (opt->check ? 1 : 0) ? 0 : (say("too many arguments"), -1);
	if (i >= argc) {
		say("no command given (see sockschain --help)");
		return -1;
	}
	return 0;
}

/* Puts -c/-f into the environment, where the library (and children) will look. */
static int export_chain(const struct options *opt)
{
	char path[PATH_MAX];

	if (opt->spec)
		return setenv("SOCKS_CHAIN", opt->spec, 1);
	if (!opt->file)
		return 0;
	if (!realpath(opt->file, path)) {
		say("%s: %s", opt->file, strerror(errno));
		return -1;
	}
	unsetenv("SOCKS_CHAIN");	/* it would win over the file */
	return setenv("SOCKS_CHAIN_FILE", path, 1);
}

/* Credentials in a file others can read are not private: say so, once, here. */
static void warn_if_exposed(const struct chain_source *src, const struct chain_config *cfg)
{
	bool secret = false;
	struct stat st;
	unsigned c, h;

	for (c = 0; c < cfg->nchains; c++)
		for (h = 0; h < cfg->chains[c].nhops; h++)
			secret = secret || cfg->chains[c].hops[h].has_pass;
	if (!src->from_file || !secret || stat(src->origin, &st) < 0)
		return;
	if (st.st_mode & (S_IRGRP | S_IROTH))
		say("warning: %s holds a password and others can read it (chmod 600 %s)",
		    src->origin, src->origin);
}

/*
 * Loads and checks the chain as the library will, resolving hop names unless
 * only explaining or printing (which connect nowhere); NULL after saying why
 * not. src is left without its text.
 */
static struct chain_config *load_chain(const struct options *opt, struct chain_source *src)
{
	static const struct resolver resolver = { getaddrinfo, freeaddrinfo };
	struct chain_config *cfg = calloc(1, sizeof(*cfg));
	bool resolve = !opt->explain && !opt->print;
	struct spec_error err;
	char why[2100];

	if (!cfg || chain_source_load(src, true, why, sizeof(why)) < 0) {
		say("%s", cfg ? why : "out of memory");
		free(cfg);
		return NULL;
	}
	if (opt->spec)
		snprintf(src->origin, sizeof(src->origin), "-c");
	if (spec_parse(src->text, src->origin, cfg, &err) < 0 ||
	    (resolve && chain_resolve(cfg, &resolver, src->origin, &err) < 0)) {
		say("%s", err.text);
		chain_config_free(cfg);
		free(cfg);
		cfg = NULL;
	} else {
		warn_if_exposed(src, cfg);
	}
	free(src->text);
	src->text = NULL;
	return cfg;
}

/* Which source the user chose, as they wrote it. */
static const char *source_name(const struct options *opt, const struct chain_source *src)
{
	return opt->spec ? "-c" : opt->file ? "-f" : src->via;
}

/* -q or -v as given; else the file's quiet_mode, else the default. */
static int effective_verbosity(const struct options *opt, const struct chain_source *src)
{
	if (opt->verbosity >= 0)
		return opt->verbosity;
	return src->pc.quiet ? 0 : 1;
}

/* What a translated proxychains file should tell the user, and -v: where the chain came from. */
static void tell_source(const struct options *opt, const struct chain_source *src, int level)
{
	unsigned i;

	if (level >= 2)
		say("chain from %s (%s%s)", src->origin, source_name(opt, src),
		    src->proxychains ? ", proxychains format" : "");
	for (i = 0; level >= 1 && i < src->pc.nnotes; i++) {
		if (src->pc.notes[i].line)
			say("%s:%u: note: %s", src->origin, src->pc.notes[i].line, src->pc.notes[i].text);
		else
			say("%s: note: %s", src->origin, src->pc.notes[i].text);
	}
}

/*
 * The library beside this program (the build directory), or in
 * ../lib/sockschain/ when installed, under the name of this version: a
 * launcher never preloads another version's library.
 */
static int find_library(char *path, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	const char *dir;

	if (n < 0)
		return -1;
	self[n] = '\0';
	dir = dirname(self);
	if ((size_t)snprintf(path, cap, "%s/%s", dir, LIBRARY_NAME) < cap && access(path, R_OK) == 0)
		return 0;
	if ((size_t)snprintf(path, cap, "%s/../lib/sockschain/%s", dir, INSTALLED_NAME) < cap &&
	    access(path, R_OK) == 0)
		return 0;
	return -1;
}

/* Sanitizer builds name their runtime, which must be loaded before anything else. */
#ifndef PRELOAD_FIRST
#define PRELOAD_FIRST ""
#endif

/* Adds the library in front of any LD_PRELOAD entries already there. */
static int export_preload(void)
{
	const char *old = getenv("LD_PRELOAD"), *first = PRELOAD_FIRST;
	char lib[PATH_MAX], *list;
	int rc;

	if (find_library(lib, sizeof(lib)) < 0) {
		say("cannot find %s next to the launcher, or %s in ../lib/sockschain/",
		    LIBRARY_NAME, INSTALLED_NAME);
		return -1;
	}
	if (old && strstr(old, lib))
		return 0;
	if (!old)
		old = "";
	if (asprintf(&list, "%s %s %s", first, lib, old) < 0)
		return -1;
	/* The loader skips extra spaces and loads a library named twice once. */
	rc = setenv("LD_PRELOAD", list, 1);
	free(list);
	return rc;
}

/* Like execvp: a file without "#!" that the kernel will not run is a shell script. */
static void exec_program(const char *path, char **argv)
{
	size_t n = 0;
	char **sh_argv;

	execv(path, argv);
	if (errno != ENOEXEC)
		return;
	while (argv[n])
		n++;
	sh_argv = calloc(n + 2, sizeof(*sh_argv));
	if (!sh_argv)
		return;
	sh_argv[0] = "sh";
	sh_argv[1] = (char *)path;
	memcpy(sh_argv + 2, argv + 1, n * sizeof(*argv));	/* includes the NULL */
	execv("/bin/sh", sh_argv);
	free(sh_argv);
}

/*
 * The supervisor reaches every program but one whose set-user-ID or
 * set-group-ID bit would be ignored under no_new_privs: refused, not run
 * without its privileges.
 */
/*
 * Whether the program's loader is musl's, which would fail to load the
 * library (glibc symbols). The interpreter's path (PT_INTERP) comes right
 * after the program headers, in the first page of every linker's output.
 * To be replaced by exec_check's classification of the program.
 */
static bool musl_program(const char *path)
{
	static const char musl_loader[] = "/ld-musl-";
	char head[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, head, sizeof(head));
	close(fd);
	return n > 0 && memmem(head, (size_t)n, musl_loader, sizeof(musl_loader) - 1);
}

static int run_supervised(const char *path, char **argv, int verbosity)
{
	char why[PATH_MAX + 100];
	bool library;
	struct stat st;

	if (stat(path, &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID))) {
		say("refusing to run %s under the supervisor: it is set-user-ID or set-group-ID, "
		    "which no_new_privs would strip", path);
		return EXIT_LAUNCHER;
	}
	/*
	 * A program the library reaches keeps it: the handshakes stay in-process
	 * (its hop connects pass the filter unnotified) and the supervisor takes
	 * what the library never sees. Others would not load it (musl) or ignore it.
	 */
	library = exec_check(path, why, sizeof(why)) == 0 && !musl_program(path);
	if (library && export_preload() < 0)
		return EXIT_LAUNCHER;
	if (verbosity >= 2)
		say(library ? "%s: carried by the library (LD_PRELOAD) under the supervisor "
			      "(seccomp user notification)"
			    : "%s: carried by the supervisor (seccomp user notification)",
		    path);
	return supervise(path, argv, exec_program);
}

static int run(const struct options *opt, int verbosity)
{
	char path[PATH_MAX], why[PATH_MAX + 100];
	char level[2] = { (char)('0' + verbosity), '\0' };
	int rc = exec_find(opt->command[0], path, sizeof(path));

	if (rc == -ENOENT) {
		say("%s: command not found", opt->command[0]);
		return EXIT_NOT_FOUND;
	}
	if (rc < 0) {
		say("%s: %s", opt->command[0], strerror(-rc));
		return EXIT_CANNOT_RUN;
	}
	/* Without it each exec'd program has a map of its own: names cross forks only. */
	fake_names_share_tree();
	if (opt->supervise)
		return setenv("SOCKS_CHAIN_VERBOSE", level, 1) < 0
			       ? EXIT_LAUNCHER
			       : run_supervised(path, opt->command, verbosity);
	if (!opt->no_check && exec_check(path, why, sizeof(why)) < 0) {
		say("refusing to run %s (--no-check overrides, unsafe)", why);
		return EXIT_LAUNCHER;
	}
	if (setenv("SOCKS_CHAIN_VERBOSE", level, 1) < 0 || export_preload() < 0 ||
	    (opt->no_check && setenv("SOCKS_CHAIN_NO_CHECK", "1", 1) < 0))
		return EXIT_LAUNCHER;
	if (verbosity >= 2)
		say("%s: carried by the library (LD_PRELOAD)", path);
	exec_program(path, opt->command);
	rc = errno;
	say("%s: %s", opt->command[0], strerror(rc));
	return rc == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}

int main(int argc, char **argv)
{
	static struct chain_source src;	/* big: a path and the translation's notes */
	struct chain_config *cfg;
	struct options opt;
	int status, verbosity;

	if (parse_options(argc, argv, &opt) < 0 || export_chain(&opt) < 0)
		return EXIT_LAUNCHER;
	cfg = load_chain(&opt, &src);
	if (!cfg)
		return EXIT_LAUNCHER;
	verbosity = effective_verbosity(&opt, &src);
	if (!opt.print)
		tell_source(&opt, &src, verbosity);	/* --print shows it as comments */
	if (opt.print)
		status = print_config(cfg, &src, source_name(&opt, &src));
	else if (opt.explain)
		status = explain(cfg, src.origin, opt.explain);
	else if (opt.check)
		status = check_chains(cfg, opt.command[0]);
	else
		status = run(&opt, verbosity);
	chain_config_free(cfg);
	free(cfg);
	return status;
}
