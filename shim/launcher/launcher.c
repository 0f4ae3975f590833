/*
 * sockschain [-c SPEC | -f FILE] [-q | -v[v]] [--no-check | --supervise] [--] COMMAND [ARG...]
 * sockschain [-c SPEC | -f FILE] --check [HOST:PORT] | --explain HOST[:PORT] | --print
 *
 * Checks the chain, then runs COMMAND with libsockschain.so preloaded and the
 * chain passed on in the environment, so that its children are covered too;
 * or, with --supervise, under the seccomp supervisor (shim/supervisor/).
 */
#define _GNU_SOURCE
#include "../../chain/printable.h"
#include "../../chain/resolve.h"
#include "../../chain/spec.h"
#include "../common/chainsource.h"
#include "../common/config.h"
#include "check.h"
#include "../common/exec_check.h"
#include "../common/hop_names.h"
#include "../common/preload_list.h"
#include "../common/fake_names.h"
#include "explain.h"
#include "print_config.h"
#include "unpreload.h"
#include "../supervisor/supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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

/*
 * "sockschain: ..." to stderr, or appended to SOCKS_CHAIN_LOG, opened without
 * blocking (a FIFO nobody reads must not hold the launcher). What it quotes
 * (specs, paths, arguments) may hold ESC: shown as '?', and long text cut.
 */
static void say(const char *fmt, ...)
{
	const char *log = getenv("SOCKS_CHAIN_LOG");
	char text[2300], line[sizeof(text) + 16];
	ssize_t written;
	int fd = -1;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	printable_copy(text, sizeof(text), text, strlen(text));
	snprintf(line, sizeof(line), "sockschain: %s\n", text);
	if (log && *log)
		fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);
	written = write(fd >= 0 ? fd : STDERR_FILENO, line, strlen(line));
	(void)written;	/* when it fails, there is nowhere left to say so */
	if (fd >= 0)
		close(fd);
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

/* Long options without a short form: values past any character. */
enum { OPT_NO_CHECK = 256, OPT_SUPERVISE, OPT_CHECK, OPT_PRINT, OPT_EXPLAIN, OPT_VERSION };

static const struct option long_options[] = {
	{ "no-check", no_argument, NULL, OPT_NO_CHECK },
	{ "supervise", no_argument, NULL, OPT_SUPERVISE },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "print", no_argument, NULL, OPT_PRINT },
	{ "explain", required_argument, NULL, OPT_EXPLAIN },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* The option getopt_long stopped at, as the user wrote it. */
static void say_bad_option(int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (c == ':' && optopt && optopt < 256)
		say("option -%c needs an argument (see sockschain --help)", optopt);
	else if (c == ':')
		say("option %s needs an argument (see sockschain --help)", arg);
	else if (optopt && optopt < 256)
		say("unknown option -%c (see sockschain --help)", optopt);
	else
		say("unknown option %s (see sockschain --help)", arg);
}

/*
 * "+": options end at the first word that is not one, so that the command's
 * own options (sockschain curl -v URL) stay the command's. ":": a missing
 * argument is told apart from an unknown option.
 */
static int parse_options(int argc, char **argv, struct options *opt)
{
	int c, i;

	*opt = (struct options){ .verbosity = -1 };
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:c:f:qvh", long_options, NULL)) != -1) {
		switch (c) {
		case 'c':
			opt->spec = optarg;
			break;
		case 'f':
			opt->file = optarg;
			break;
		case 'q':
			opt->verbosity = 0;
			break;
		case 'v':	/* -v 2, -vv (or -v -v) 3 */
			opt->verbosity = opt->verbosity >= 2 ? 3 : 2;
			break;
		case OPT_NO_CHECK:
			opt->no_check = true;
			break;
		case OPT_SUPERVISE:
			opt->supervise = true;
			break;
		case OPT_CHECK:
			opt->check = true;
			break;
		case OPT_PRINT:
			opt->print = true;
			break;
		case OPT_EXPLAIN:
			opt->explain = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("sockschain %s\n", SOCKSCHAIN_VERSION);
			exit(0);
		default:
			say_bad_option(c, argv);
			return -1;
		}
	}
	i = optind;
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
/* As the library does: within the hop's timeout. */
static int resolve_hop(const struct hop *hop, int64_t deadline, struct netaddr *addr,
		       char *reason, size_t cap)
{
	static const struct resolver resolver = { getaddrinfo, freeaddrinfo };

	return hop_names_resolve(&resolver, hop, deadline, addr, reason, cap);
}

static struct chain_config *load_chain(const struct options *opt, struct chain_source *src)
{
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
	    (resolve && chain_resolve(cfg, resolve_hop, src->origin, &err) < 0)) {
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

/* Adds the library in front of any LD_PRELOAD entries already there. */
static int export_preload(void)
{
	char lib[PATH_MAX], *entry;

	if (find_library(lib, sizeof(lib)) < 0) {
		say("cannot find %s next to the launcher, or %s in ../lib/sockschain/",
		    LIBRARY_NAME, INSTALLED_NAME);
		return -1;
	}
	if (preload_entry(lib, getenv("LD_PRELOAD"), &entry) < 0)
		return -1;
	/* The environment keeps the entry itself: it lives until the exec. */
	return entry ? putenv(entry) : 0;
}

/* Like execvp: a file without "#!" that the kernel will not run is a shell script. */
static void exec_program(const char *path, char **argv)
{
	size_t n = 0;
	char **sh_argv;
	int rc;

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
	rc = errno;	/* what the caller reports, whatever free() does */
	free(sh_argv);
	errno = rc;
}

/*
 * The supervisor reaches every program but one whose set-user-ID or
 * set-group-ID bit would be ignored under no_new_privs: refused, not run
 * without its privileges.
 */
static int run_supervised(const char *path, char **argv, const struct exec_class *c,
			  int verbosity)
{
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
	library = c->kind == EXEC_GLIBC_DYNAMIC;
	if (library && export_preload() < 0)
		return EXIT_LAUNCHER;
	if (verbosity >= 2)
		say(library ? "%s: carried by the library (LD_PRELOAD) under the supervisor "
			      "(seccomp user notification)"
			    : "%s: carried by the supervisor (seccomp user notification)",
		    path);
	/* Its tree's exec guard lets every program run: the filter covers them. */
	if (setenv("SOCKS_CHAIN_SUPERVISED", "1", 1) < 0)
		return EXIT_LAUNCHER;
	return supervise(path, argv, exec_program);
}

/* Where the library's exec hook finds the launcher, to hand it what only the supervisor carries. */
static int export_launcher(void)
{
	char self[PATH_MAX];

	if (!realpath("/proc/self/exe", self))
		return 0;	/* the hook then refuses those programs */
	return setenv("SOCKS_CHAIN_LAUNCHER", self, 1);
}

/*
 * A tree the supervisor serves already, where a second listener would fail
 * (EBUSY): its filter carries what the library cannot reach, and a glibc
 * program keeps the library as under run_supervised().
 */
static int run_in_supervised_tree(const char *path, char **argv, const struct exec_class *c,
				  int verbosity)
{
	int rc;

	if (c->kind == EXEC_GLIBC_DYNAMIC && export_preload() < 0)
		return EXIT_LAUNCHER;
	if (verbosity >= 2)
		say("%s: carried by the supervisor already serving this tree", path);
	exec_program(path, argv);
	rc = errno;
	say("%s: %s", path, strerror(rc));
	return rc == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}

static int run(const struct options *opt, int verbosity)
{
	char path[PATH_MAX], level[2] = { (char)('0' + verbosity), '\0' };
	const char *cmd = opt->command[0];
	struct exec_class c;
	int rc = exec_search(cmd, path, sizeof(path), &c);

	if (rc == -ENOENT && !strchr(cmd, '/')) {
		say("%s: command not found", cmd);
		return EXIT_NOT_FOUND;
	}
	if (rc < 0) {
		say("%s: %s", cmd, strerror(-rc));
		return rc == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
	}
	/* Without it each exec'd program has a map of its own: names cross forks only. */
	fake_names_share_tree();
	if (setenv("SOCKS_CHAIN_VERBOSE", level, 1) < 0 || export_launcher() < 0)
		return EXIT_LAUNCHER;
	if (shim_supervised_tree() &&
	    (exec_kind_supervised(c.kind) || (opt->supervise && c.kind == EXEC_GLIBC_DYNAMIC)))
		return run_in_supervised_tree(path, opt->command, &c, verbosity);
	/* What the library cannot reach, the supervisor carries: never directly. */
	if (opt->supervise || (!opt->no_check && exec_kind_supervised(c.kind)))
		return run_supervised(path, opt->command, &c, verbosity);
	if (!opt->no_check && !exec_kind_reached(c.kind)) {
		say("refusing to run %s (--no-check overrides, unsafe)", c.why);
		return EXIT_LAUNCHER;
	}
	if (export_preload() < 0 || (opt->no_check && setenv("SOCKS_CHAIN_NO_CHECK", "1", 1) < 0))
		return EXIT_LAUNCHER;
	if (verbosity >= 2)
		say("%s: carried by the library (LD_PRELOAD)", path);
	exec_program(path, opt->command);
	rc = errno;
	say("%s: %s", cmd, strerror(rc));
	return rc == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}

int main(int argc, char **argv)
{
	static struct chain_source src;	/* big: a path and the translation's notes */
	struct chain_config *cfg;
	struct options opt;
	int status, verbosity;

	if (unpreload_self(argv) < 0 || parse_options(argc, argv, &opt) < 0 ||
	    export_chain(&opt) < 0)
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
