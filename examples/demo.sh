#!/usr/bin/env bash
# The demo behind `make demo`: a target and three SOCKS4 test proxies on
# loopback, and curl run through the three of them with -v, so each hop shows.
#
# The "remote" address 198.18.0.7 (a range reserved for benchmarks) only ever
# appears inside proxy requests: the last proxy serves it from the local
# target. Where it can, the demo runs in a private network namespace where
# nothing but loopback exists, so nothing could leave this machine anyway.
set -eu
cd "$(dirname "$0")/.."
build=${SOCKSCHAIN_BUILD:-build}	# the flavour make built (see the Makefile)

if [[ -z ${SOCKSCHAIN_DEMO_INSIDE:-} ]] && "$build/tests/netns" true 2>/dev/null; then
	SOCKSCHAIN_DEMO_INSIDE=1 exec "$build/tests/netns" -- "$0" "$@"
fi

dir=$(mktemp -d)
pids=()
cleanup() {
	kill "${pids[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT

# start NAME PROGRAM ARGS...: runs a server on an ephemeral port, waits for it.
start() {
	local name=$1 i
	shift
	"$@" -P "$dir/$name.port" -l "$dir/$name.log" 2>>"$dir/$name.err" &
	pids+=($!)
	for ((i = 0; i < 500; i++)); do
		[[ -s $dir/$name.port ]] && return 0
		sleep 0.01
	done
	echo "demo: $name did not start" >&2
	return 1
}

start target "$build/tests/target" -m http
target=127.0.0.1:$(cat "$dir/target.port")
for p in 1 2 3; do
	start "proxy$p" "$build/tests/testproxy" -T "$target"
done
port() { cat "$dir/proxy$1.port"; }
chain="socks4://127.0.0.1:$(port 1) socks4://demo@127.0.0.1:$(port 2) socks4://127.0.0.1:$(port 3)"

echo "\$ sockschain -v -c \"$chain\" curl http://198.18.0.7/"
if command -v curl >/dev/null; then
	"$build/sockschain" -v -c "$chain" curl -sS --max-time 10 http://198.18.0.7/
else
	echo "(curl is not installed: using the test client for the same request)"
	"$build/sockschain" -v -c "$chain" "$build/tests/client" \
		--send 'GET / HTTP/1.0\r\n\r\n' --expect 'hello from target' 198.18.0.7 80
fi
echo
echo "What each hop was asked:"
for p in 1 2 3; do
	echo "  hop $p: $(cat "$dir/proxy$p.log")"
done
