# Non-blocking connects through a chain return at once and their handshakes
# run in the background, all of a process's together: one event loop making
# many connections takes about one handshake's time, not one per connection.
load ../lib/common

EVLOOP=$BUILD/tests/evloop
DELAY=25	# ms before every reply of each hop: two SOCKS5 hops cost ~100 ms

setup() {
	start_target echo
	start_proxy p1 -D "$DELAY"
	start_proxy p2 -D "$DELAY"
	CHAIN="socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:$p2_PORT"
}

teardown() {
	stop_servers
}

# evloop_run [SPEC-PREFIX] ARGS...: the event-loop client through the chain.
evloop_run() {
	run "$SOCKSCHAIN" -q -c "$CHAIN${SPEC_EXTRA:+ $SPEC_EXTRA}" "$EVLOOP" "$@"
}

# summary KEY: a value from evloop's last line.
summary() {
	sed -nE "s/.*\\b$1=([0-9]+).*/\\1/p" <<<"${lines[-1]}"
}

# one_connection_ms: how long one connection takes, the same way.
one_connection_ms() {
	evloop_run -n 1 --send "one" --expect 3 "$REMOTE" 6999
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "0 ok got=one" ]
	summary elapsed_ms
}

# twenty MODE: 20 connections from one loop, to 20 ports, each echoing its own line.
twenty() {
	local one
	one=$(one_connection_ms)
	evloop_run --mode "$1" -n 20 --send "hello" --expect 5 "$REMOTE" 7000 1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c ' ok got=hello$' <<<"$output")" -eq 20 ]
	[ "$(summary ok)" -eq 20 ]
	# what the last hop was asked: each of the 20 destinations, once
	for ((i = 0; i < 20; i++)); do
		[ "$(grep -c "dest=$REMOTE:$((7000 + i)) .*result=granted" "$BATS_TEST_TMPDIR/p2.log")" -eq 1 ]
	done
	local elapsed=$(summary elapsed_ms)
	echo "one connection: $one ms; twenty: $elapsed ms; timer late: $(summary timer_late_ms) ms"
	# the target: 20 together within 1.5 times one (today 20 times)
	[ "$elapsed" -le $((one * 3 / 2 + 20)) ]
	[ "$(summary timer_late_ms)" -lt 50 ]
}

@test "async: 20 concurrent connects from one epoll loop, edge-triggered" {
	twenty epoll-et
}
