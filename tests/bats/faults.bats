# Every way a hop can fail: the errno the program sees, how long it took, the
# one line on stderr naming the hop, and that nothing went out directly.
load ../lib/common

setup() {
	start_target echo
}

teardown() {
	stop_servers
}

# through FAULT_ARGS...: runs the client through a one-hop chain with a 2 s timeout.
through() {
	start_proxy p1 "$@"
	run "$SOCKSCHAIN" -c "$(hop p1) timeout=2" "$CLIENT" --send 'x' --expect 'x' "$REMOTE" 80
}

# The target never saw a connection: nothing was carried, nothing went direct.
target_untouched() {
	[ ! -s "$BATS_TEST_TMPDIR/target.log" ]
}

elapsed() {
	local e=${output##*elapsed_ms=}
	echo "${e%%[^0-9]*}"
}

@test "a hop that refuses (91): ECONNREFUSED at once, one line naming the hop" {
	through -f refuse
	[ "$status" -eq 1 ]
	[[ ${lines[-1]} == "fail errno=ECONNREFUSED "* ]]
	[ "$(elapsed)" -lt 1000 ]
	[[ $output == *"sockschain: $REMOTE:80: hop 1 of 1 (socks4://127.0.0.1:$p1_PORT) rejected or failed (SOCKS4 reply 91)"* ]]
	[ "$(grep -c '^sockschain:' <<<"$output")" -eq 1 ]
	target_untouched
}

@test "a hop that is not there: ECONNREFUSED" {
	start_proxy p1
	stop_servers
	start_target echo
	run "$SOCKSCHAIN" -c "socks4://127.0.0.1:$p1_PORT" "$CLIENT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"fail errno=ECONNREFUSED"* ]]
	[[ $output == *"hop 1 of 1 (socks4://127.0.0.1:$p1_PORT) connect: Connection refused"* ]]
}

@test "a hop that never replies: ETIMEDOUT after the 2 s timeout, not before" {
	through -f hang
	[ "$status" -eq 1 ]
	[[ $output == *"fail errno=ETIMEDOUT"* ]]
	[ "$(elapsed)" -ge 1900 ]
	[ "$(elapsed)" -lt 3000 ]
	[[ $output == *"did not answer in time"* ]]
	target_untouched
}

@test "a reply trickled a byte every 0.5 s cannot stretch a 2 s timeout" {
	through -f trickle -d 500
	[ "$status" -eq 1 ]
	[[ $output == *"fail errno=ETIMEDOUT"* ]]
	[ "$(elapsed)" -ge 1900 ]
	[ "$(elapsed)" -lt 3000 ]
}

@test "a hop that closes before replying: EPROTO" {
	through -f close
	[ "$status" -eq 1 ]
	[[ $output == *"fail errno=EPROTO"* ]]
	[[ $output == *"closed the connection during its reply"* ]]
	target_untouched
}

@test "a garbage reply: EPROTO, called what it is" {
	through -f garbage
	[ "$status" -eq 1 ]
	[[ $output == *"fail errno=EPROTO"* ]]
	[[ $output == *"sent a reply that is not SOCKS4"* ]]
	target_untouched
}

@test "a reply split into one-byte writes still works" {
	through -f split
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} == ok* ]]
}

@test "a slow reply inside the timeout works, and takes its time" {
	through -f slow -d 600
	[ "$status" -eq 0 ]
	[ "$(elapsed)" -ge 550 ]
}

@test "a slow reply past the timeout: ETIMEDOUT" {
	start_proxy p1 -f slow -d 5000
	run "$SOCKSCHAIN" -c "$(hop p1) timeout=0.5" "$CLIENT" "$REMOTE" 80
	[[ $output == *"fail errno=ETIMEDOUT"* ]]
	[ "$(elapsed)" -ge 450 ]
	[ "$(elapsed)" -lt 1500 ]
}

@test "reply version byte 4 instead of 0 is accepted" {
	through -f ver4
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} == ok* ]]
}

@test "identd refusals (92, 93): EACCES" {
	through -f rep=92
	[[ $output == *"fail errno=EACCES"* ]]
	[[ $output == *"cannot reach identd"* ]]
	stop_servers
	start_target echo
	through -f rep=93
	[[ $output == *"fail errno=EACCES"* ]]
	[[ $output == *"another user id"* ]]
}

@test "a fault at hop 2 of 3 names hop 2 and what it was asked for" {
	start_proxy p1
	start_proxy p2 -f refuse
	start_proxy p3
	run "$SOCKSCHAIN" -c "$(hop p1) $(hop p2) $(hop p3)" "$CLIENT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"fail errno=ECONNREFUSED"* ]]
	[[ $output == *"hop 2 of 3 (socks4://127.0.0.1:$p2_PORT) rejected or failed (SOCKS4 reply 91) for 127.0.0.1:$p3_PORT"* ]]
	[ ! -s "$BATS_TEST_TMPDIR/p3.log" ]
	target_untouched
}

@test "a hang at hop 3 of 3 costs hop 3's timeout, reported as hop 3" {
	start_proxy p1
	start_proxy p2
	start_proxy p3 -f hang
	run "$SOCKSCHAIN" -c "$(hop p1) $(hop p2) $(hop p3) timeout=1" "$CLIENT" "$REMOTE" 80
	[[ $output == *"fail errno=ETIMEDOUT"* ]]
	[[ $output == *"hop 3 of 3"* ]]
	[ "$(elapsed)" -ge 950 ]
	[ "$(elapsed)" -lt 2000 ]
}

@test "after a failure the socket is not left connected to the hop" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	start_proxy p1 -f refuse
	run "$SOCKSCHAIN" -q -c "$(hop p1)" python3 -c "
import socket, errno
s = socket.socket()
for attempt in (1, 2):
    try:
        s.connect(('$REMOTE', 80))
    except OSError as e:
        print(attempt, errno.errorcode[e.errno])
"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1 ECONNREFUSED" ]
	[ "${lines[1]}" = "2 ECONNREFUSED" ]	# retried through the chain, not EISCONN
	[ "$(grep -c granted "$BATS_TEST_TMPDIR/p1.log")" -eq 0 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/p1.log")" -eq 2 ]
}

@test "fail closed: no failing hop, of any protocol, lets the program reach the target by itself" {
	# The destination is the target itself, on loopback, with bypass=none, and
	# the program's socket is bound to 127.0.0.2: a connection that skipped the
	# chain would reach the target from there, and its log would show it (the
	# proxies connect from 127.0.0.1).
	local scheme fault
	for scheme in socks4 socks5 http; do
		for fault in refuse close hang garbage truncate trickle rep=1 status=502 method=255 authfail noend; do
			stop_servers
			start_target echo
			start_proxy p1 -f "$fault" -d 400
			run "$SOCKSCHAIN" -q -c "$scheme://u:p@127.0.0.1:$p1_PORT bypass=none timeout=0.5" \
				"$CLIENT" --bind 127.0.0.2:0 127.0.0.1 "$target_PORT"
			[[ $scheme == socks4 ]] && run "$SOCKSCHAIN" -q -c "$scheme://u@127.0.0.1:$p1_PORT bypass=none timeout=0.5" \
				"$CLIENT" --bind 127.0.0.2:0 127.0.0.1 "$target_PORT"
			# ok: a fault this protocol does not have, served normally (by the proxy)
			[[ $output == "fail errno="* || $output == ok* ]] || { echo "$scheme $fault: $output"; false; }
			if grep -q 'peer=127.0.0.2:' "$BATS_TEST_TMPDIR/target.log"; then
				echo "$scheme $fault: the program reached the target directly"
				false
			fi
		done
	done
}
