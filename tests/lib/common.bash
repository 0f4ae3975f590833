# Helpers for the bats suites: start and stop the test servers, run programs
# under the chain. Every server started is recorded and stopped by its pid.

BUILD=${SOCKSCHAIN_BUILD:-$BATS_TEST_DIRNAME/../../build}
SOCKSCHAIN=$BUILD/sockschain
LIB=$BUILD/libsockschain.so
CLIENT=$BUILD/tests/client
TESTPROXY=$BUILD/tests/testproxy
TARGET=$BUILD/tests/target

# Destinations that look remote: they only ever appear inside proxy requests.
REMOTE=198.18.0.7

if [[ ${VALGRIND:-} == 1 ]]; then
	# The test client, with the library in it, runs under memcheck: an error
	# exits 99 and fails the test. Valgrind's own tool is a static program,
	# which the exec guard would refuse: allowed here.
	export SOCKS_CHAIN_NO_CHECK=1
	CLIENT=${BATS_RUN_TMPDIR:-/tmp}/client-under-valgrind
	printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "%s" "$@"\n' \
		"$BUILD/tests/client" >"$CLIENT"
	chmod +x "$CLIENT"
fi

if [[ ${SANITIZE:-} == 1 ]]; then
	# Foreign programs (curl, python) are not ours to leak-check.
	export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

# Prints the port a server wrote to its port file, waiting at most 5 s.
wait_port() {
	local file=$1 i
	for ((i = 0; i < 500; i++)); do
		if [[ -s $file ]]; then
			cat "$file"
			return 0
		fi
		sleep 0.01
	done
	echo "server did not start: no $file" >&2
	return 1
}

# start_server NAME PROGRAM ARGS...: sets NAME_PORT; logs go to $BATS_TEST_TMPDIR/NAME.log
start_server() {
	local name=$1 prog=$2 dir=${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}
	shift 2
	rm -f "$dir/$name.port"
	"$prog" -P "$dir/$name.port" -l "$dir/$name.log" "$@" >>"$dir/$name.err" 2>&1 3>&- &
	echo $! >>"$dir/server.pids"
	local port
	port=$(wait_port "$dir/$name.port") || return 1
	printf -v "${name}_PORT" '%s' "$port"
	: >>"$dir/$name.log"
}

# start_target MODE: the local server that answers for remote-looking destinations.
start_target() {
	start_server target "$TARGET" -m "${1:-echo}"
}

# start_proxy NAME [testproxy flags...]: serves remote destinations from the target.
start_proxy() {
	local name=$1
	shift
	start_server "$name" "$TESTPROXY" -T "127.0.0.1:$target_PORT" "$@"
}

stop_servers() {
	local dir=${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR} pid
	[[ -f $dir/server.pids ]] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
	done <"$dir/server.pids"
	while read -r pid; do
		wait "$pid" 2>/dev/null || true	# a server's own status: killed, 143
	done <"$dir/server.pids"
	rm -f "$dir/server.pids"
	# A sanitizer report from a server fails the test that ran it.
	if grep -l -E 'runtime error|Sanitizer' "$dir"/*.err 2>/dev/null; then
		cat "$dir"/*.err
		return 1
	fi
}

# hop NAME: the chain item for a started proxy.
hop() {
	local var="${1}_PORT"
	echo "socks4://127.0.0.1:${!var}"
}

# no_chain_anywhere: a home of the test's own and no chain variable, so that
# nothing but what a test sets up names a chain (or a log, or a verbosity).
no_chain_anywhere() {
	export HOME=$BATS_TEST_TMPDIR/home XDG_CONFIG_HOME=
	unset SOCKS_CHAIN SOCKS_CHAIN_FILE PROXYCHAINS_CONF_FILE SOCKS_CHAIN_LOG SOCKS_CHAIN_VERBOSE
	mkdir -p "$HOME"
}

# proxy_log NAME: what the proxy was asked, one request a line.
proxy_log() {
	cat "${BATS_TEST_TMPDIR}/$1.log"
}

# The LD_PRELOAD value that loads the library (after the sanitizer runtime, if any).
PRELOAD=$LIB
[[ ${SANITIZE:-} != 1 ]] || PRELOAD="$SAN_RT $LIB"

# preloaded [VAR=VALUE...] COMMAND...: runs it with the library preloaded directly.
preloaded() {
	env LD_PRELOAD="$PRELOAD" "$@"
}

# missing WHAT: a program a test needs is not here. Users see the test skipped
# with a notice; CI, which installs every one of them, fails it instead.
missing() {
	if [[ ${CI:-} == true ]]; then
		echo "CI must have this: $1" >&2
		return 1
	fi
	skip "$1"
}

# in_netns: only loopback exists here.
in_netns() {
	[[ $(grep -c ':' /proc/net/dev) == 1 ]]
}

# need_netns [WHY]: for a test that connects to a remote-looking address
# directly, on purpose, or changes the machine (WHY). It runs only in the
# private namespaces of tests/run, where nothing but loopback exists;
# SOCKSCHAIN_TEST_NO_NETNS=1 runs the suites on the machine's own network and
# mounts, and there the test skips, touching nothing.
need_netns() {
	in_netns || skip "${1:-it connects directly to 198.18.0.0/15}: only in the private network namespace"
}

# Skips unless curl can run here. Under SANITIZE=1 it cannot: with the ASan
# runtime preloaded, curl deadlocks in its own setlocale() (an ASan and glibc
# interaction that happens without our library too).
need_curl() {
	command -v curl >/dev/null || missing "curl is not installed"
	[[ ${SANITIZE:-} != 1 ]] || skip "curl deadlocks with a preloaded ASan runtime"
}

# need_foreign NAME: builds $BUILD/tests/NAME, a program the library cannot
# reach, once (again when its source changes), or reports its compiler
# missing (a skip for users, a failure in CI):
#   go-client         a dynamically linked Go program (cgo, glibc's loader)
#   go-static-client  a static Go program
#   musl-client       a C program linked against musl
#   goclient, goclient-static  tests/tools/goclient (sends and reads back), dynamic and static
need_foreign() {
	local name=$1 src out=$BUILD/tests/$1
	case $name in
	goclient*) src=$BATS_TEST_DIRNAME/../tools/goclient/main.go
		command -v go >/dev/null || { missing "go is not installed (golang-go)"; return; } ;;
	go-*) src=$BATS_TEST_DIRNAME/../tools/go-client.go
		command -v go >/dev/null || { missing "go is not installed (golang-go)"; return; } ;;
	musl-client) src=$BATS_TEST_DIRNAME/../tools/tiny-client.c
		command -v musl-gcc >/dev/null || { missing "musl-gcc is not installed (musl-tools)"; return; } ;;
	*) echo "need_foreign: no program $name" >&2; return 1 ;;
	esac
	[[ -x $out && ! $src -nt $out ]] && return 0
	# Never sanitized, never preloaded: these are what the library cannot reach.
	case $name in
	goclient) (unset LD_PRELOAD; GOCACHE=$BUILD/tests/go-cache GOPROXY=off CGO_ENABLED=1 \
		go build -o "$out" "$src") ;;
	goclient-static) (unset LD_PRELOAD; GOCACHE=$BUILD/tests/go-cache GOPROXY=off CGO_ENABLED=0 \
		go build -o "$out" "$src") ;;
	go-client) (unset LD_PRELOAD; GOCACHE=$BUILD/tests/go-cache GOPROXY=off CGO_ENABLED=1 \
		go build -o "$out" "$src") ;;
	go-static-client) (unset LD_PRELOAD; GOCACHE=$BUILD/tests/go-cache GOPROXY=off CGO_ENABLED=0 \
		go build -o "$out" "$src") ;;
	musl-client) (unset LD_PRELOAD; musl-gcc -O2 -o "$out" "$src") ;;
	esac
}
