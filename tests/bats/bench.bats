# The benchmark client of `make bench`, briefly: its floor and the library
# both carry every connection, with threads, and the proxies saw what was
# asked. Rates are not judged here; `make bench` does that.
bats_require_minimum_version 1.5.0
load ../lib/common

BENCH=$BUILD/tests/bench
BANNER_LEN=27	# "SSH-2.0-sockschain-target\r\n"

setup() {
	start_target banner
	start_proxy p1
	start_proxy p2
	MIXED="socks5://127.0.0.1:$p1_PORT http://127.0.0.1:$p2_PORT"
}

teardown() {
	stop_servers
}

@test "bench connect --floor: 1 SOCKS4 hop, 4 threads, every reply whole" {
	run "$BENCH" connect -n 200 -t 4 --expect "$BANNER_LEN" --floor "$(hop p1)" "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == "ok=200 failed=0 bytes=$((200 * BANNER_LEN)) "*" rate="*" rss_kb="* ]]
	[ "$(grep -c "proto=socks4 .*dest=$REMOTE:80 .*granted" "$BATS_TEST_TMPDIR/p1.log")" -eq 200 ]
}

@test "bench connect under the library: 1 SOCKS4 hop, 4 threads, non-blocking" {
	run preloaded SOCKS_CHAIN="$(hop p1)" "$BENCH" connect -n 200 -t 4 --nonblock \
		--expect "$BANNER_LEN" "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == "ok=200 failed=0 bytes=$((200 * BANNER_LEN)) "* ]]
	[ "$(grep -c "proto=socks4 .*dest=$REMOTE:80 .*granted" "$BATS_TEST_TMPDIR/p1.log")" -eq 200 ]
}

@test "bench connect over two mixed hops, 8 threads: floor and library alike" {
	run "$BENCH" connect -n 100 -t 8 --expect "$BANNER_LEN" --floor "$MIXED" "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == "ok=100 failed=0 bytes=$((100 * BANNER_LEN)) "* ]]
	run preloaded SOCKS_CHAIN="$MIXED" "$BENCH" connect -n 100 -t 8 --expect "$BANNER_LEN" "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == "ok=100 failed=0 bytes=$((100 * BANNER_LEN)) "* ]]
	[ "$(grep -c "proto=socks5 .*dest=127.0.0.1:$p2_PORT .*granted" "$BATS_TEST_TMPDIR/p1.log")" -eq 200 ]
	[ "$(grep -c "proto=http .*dest=$REMOTE:80 .*granted" "$BATS_TEST_TMPDIR/p2.log")" -eq 200 ]
}

@test "bench connect by name: the last hop is asked for the name, by floor and library" {
	run "$BENCH" connect -n 20 -t 2 --expect "$BANNER_LEN" --floor "$MIXED" --name target.bench.example 80
	[ "$status" -eq 0 ]
	[[ $output == "ok=20 failed=0 "* ]]
	run preloaded SOCKS_CHAIN="$MIXED" "$BENCH" connect -n 20 -t 2 --expect "$BANNER_LEN" \
		--name target.bench.example 80
	[ "$status" -eq 0 ]
	[[ $output == "ok=20 failed=0 "* ]]
	[ "$(grep -c "proto=http .*dest=target.bench.example:80 .*granted" "$BATS_TEST_TMPDIR/p2.log")" -eq 40 ]
}

@test "bench connect --floor --pipeline: SOCKS5 with and without a password, one write a hop" {
	start_proxy pa -u alice:s3cret
	run "$BENCH" connect -n 50 -t 2 --expect "$BANNER_LEN" --pipeline \
		--floor "socks5://alice:s3cret@127.0.0.1:$pa_PORT $MIXED" "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == "ok=50 failed=0 bytes=$((50 * BANNER_LEN)) "* ]]
	[ "$(grep -c "proto=socks5 user=alice dest=127.0.0.1:$p1_PORT .*granted" "$BATS_TEST_TMPDIR/pa.log")" -eq 50 ]
	[ "$(grep -c "proto=http .*dest=$REMOTE:80 .*granted" "$BATS_TEST_TMPDIR/p2.log")" -eq 50 ]
	# a wrong password: refused, every time, and counted
	run --separate-stderr "$BENCH" connect -n 5 --pipeline \
		--floor "socks5://alice:wrong@127.0.0.1:$pa_PORT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == "ok=0 failed=5 "* ]]
	[[ $stderr == *"EACCES"*": 5"* ]]
}

@test "bench counts failures by errno: a dead hop fails every connection, none succeeds" {
	run --separate-stderr "$BENCH" connect -n 10 --floor "socks4://127.0.0.1:1" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == "ok=0 failed=10 "* ]]
	[[ $stderr == *"ECONNREFUSED"*": 10"* ]]
}

@test "bench resolve under the library: fake addresses, no resolver" {
	run preloaded SOCKS_CHAIN="$(hop p1)" "$BENCH" resolve -n 300 'h%lu.bench.example'
	[ "$status" -eq 0 ]
	[[ $output == "ok=300 failed=0 "*" first=240.0.0."*" last=240.0.1."* ]]
}

@test "bench throughput: the source's bytes, all of them, through a hop" {
	stop_servers
	start_server target "$TARGET" -m source -s 1m
	start_proxy p1
	run "$BENCH" throughput --bytes 1048576 --floor "$(hop p1)" "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == "ok=1 failed=0 bytes=1048576 "* ]]
	run preloaded SOCKS_CHAIN="$(hop p1)" "$BENCH" throughput --bytes 1048576 "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == "ok=1 failed=0 bytes=1048576 "* ]]
}

@test "bench spawn: runs the command N times, counts a failing one" {
	run "$BENCH" spawn -n 5 -- true
	[ "$status" -eq 0 ]
	[[ $output == "ok=5 failed=0 "*" mean_us="* ]]
	run --separate-stderr "$BENCH" spawn -n 3 -- false
	[ "$status" -eq 1 ]
	[[ $output == "ok=0 failed=3 "* ]]
	[ "$stderr" = "bench: failed: command exited non-zero: 3" ]
	# --env reaches the command, and only the command
	run "$BENCH" spawn -n 2 --env BENCH_PROBE=1 -- sh -c 'test "$BENCH_PROBE" = 1'
	[ "$status" -eq 0 ]
	[ -z "${BENCH_PROBE:-}" ]
}

@test "the bench runner against a baseline build: its rows, its ratios, and a directory that is not a build refused" {
	local runner=$BATS_TEST_DIRNAME/../bench/run
	# Already in a private namespace: the runner need not make its own.
	run --separate-stderr env BENCH_IN_NETNS=1 SOCKSCHAIN_BUILD="$BUILD" BENCH_RUNS=2 BENCH_N=50 \
		BENCH_ROWS=s4 BENCH_PROXYCHAINS= BENCH_BASELINE="$BUILD" "$runner"
	[ "$status" -eq 0 ]
	[[ $output == *"| 1 SOCKS4 hop | sockschain, the baseline build | "*" | 0/100 |"* ]]
	[[ $output == *"Against the baseline ($(realpath "$BUILD"): sockschain "* ]]
	[[ $output =~ "- 1 SOCKS4 hop: "[0-9]+\.[0-9]{3}" (" ]]
	[[ $output =~ "- start-up under the launcher: "[0-9]+\.[0-9]{3}" (" ]]
	run --separate-stderr env BENCH_IN_NETNS=1 SOCKSCHAIN_BUILD="$BUILD" BENCH_BASELINE=/nonexistent "$runner"
	[ "$status" -eq 2 ]
	[ "$stderr" = "bench: BENCH_BASELINE=/nonexistent holds no sockschain" ]
	[ -z "$output" ]
}
