# pipeline=yes: a hop's messages, and the requests for the hops after it, go
# out before their replies come. What it saves is counted in round trips with
# delaylink, which makes hop 1 look far away (all but the TCP connect, which
# the kernel completes at once); what real servers do with it is recorded
# against each of them.
load ../lib/common
load ../lib/interop

teardown() {
	stop_servers
}

# far NAME PORT MS: delaylink in front of 127.0.0.1:PORT, MS each way; sets NAME_PORT.
far() {
	start_server "$1" "$BUILD/tests/delaylink" -T "127.0.0.1:$2" -d "$3"
}

# elapsed: the client's elapsed_ms from $output.
elapsed() {
	[[ $output =~ elapsed_ms=([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}

# via SPEC: the client through SPEC to the remote-looking echo destination.
via() {
	run preloaded SOCKS_CHAIN="$1" "$CLIENT" --send 'p\n' --expect 'p\n' "$REMOTE" 80
	printf '%s\n' "$output"
}

@test "pipeline=yes carries SOCKS4, SOCKS5, SOCKS5 with a password and HTTP, alone and chained" {
	start_target echo
	start_proxy p1
	start_proxy p2 -u bob:pw
	start_proxy p3
	for spec in "socks4://127.0.0.1:$p1_PORT" "socks5://127.0.0.1:$p1_PORT" \
		"socks5://bob:pw@127.0.0.1:$p2_PORT" "http://bob:pw@127.0.0.1:$p2_PORT" \
		"socks5://127.0.0.1:$p1_PORT socks5://bob:pw@127.0.0.1:$p2_PORT socks4://127.0.0.1:$p3_PORT" \
		"http://127.0.0.1:$p1_PORT socks4://bob@127.0.0.1:$p2_PORT http://127.0.0.1:$p3_PORT"; do
		via "$spec pipeline=yes"
		[ "$status" -eq 0 ]
		[[ $output == ok*"received=p\n"* ]]
	done
	# every last hop was asked for the destination, and the middle ones for the next hop
	[ "$(grep -c "dest=$REMOTE:80 .*granted" "$BATS_TEST_TMPDIR/p3.log")" -eq 2 ]
	[ "$(grep -c "user=bob dest=127.0.0.1:$p3_PORT .*granted" "$BATS_TEST_TMPDIR/p2.log")" -eq 2 ]
}

@test "pipelined SOCKS5 greetings offer one method: none without a user, username/password with one" {
	start_target echo
	start_proxy p1 -u bob:pw
	via "socks5://127.0.0.1:$p1_PORT pipeline=yes timeout=2"
	[ "$status" -ne 0 ]
	[[ $output == *"hop 1 of 1"*"wants authentication, and the chain gives no user for it"*EACCES* ]]
	via "socks5://bob:wrong@127.0.0.1:$p1_PORT pipeline=yes timeout=2"
	[ "$status" -ne 0 ]
	[[ $output == *"hop 1 of 1"*EACCES* ]]
	[[ $(proxy_log p1) == *"result=auth-failed"* ]]
	[[ $(proxy_log p1) != *granted* ]]
}

@test "pipelined, a hop that refuses the next one is named, and the destination is never asked" {
	start_target echo
	start_proxy p2
	start_proxy p1 -f refuse
	via "socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:$p2_PORT pipeline=yes"
	[ "$status" -ne 0 ]
	[[ $output == *"hop 1 of 2"*ECONNREFUSED* ]]
	[ -z "$(proxy_log p2)" ]
}

# round_trips SPEC RTT_MS: how many round trips of RTT_MS a connection through
# SPEC took (rounded down: a round trip is never shorter than RTT_MS).
round_trips() {
	via "$1" >&2
	[ "$status" -eq 0 ] || return 1
	echo $(($(elapsed) / $2))
}

@test "round trips through a far hop 1: SOCKS5 with a password takes 3, pipelined 1" {
	start_target echo
	start_proxy p1 -u bob:pw
	far link "$p1_PORT" 100	# a round trip: 200 ms
	# greeting, credentials, request; then everything at once
	[ "$(round_trips "socks5://bob:pw@127.0.0.1:$link_PORT" 200)" -eq 3 ]
	[ "$(round_trips "socks5://bob:pw@127.0.0.1:$link_PORT pipeline=yes" 200)" -eq 1 ]
}

@test "round trips through a far hop 1: three SOCKS5 hops take 6, pipelined 1" {
	start_target echo
	start_proxy p1
	start_proxy p2
	start_proxy p3
	far link "$p1_PORT" 100	# a round trip: 200 ms, well above valgrind's first-run slowness
	chain="socks5://127.0.0.1:$link_PORT socks5://127.0.0.1:$p2_PORT socks5://127.0.0.1:$p3_PORT"
	[ "$(round_trips "$chain" 200)" -eq 6 ]
	[ "$(round_trips "$chain pipeline=yes" 200)" -eq 1 ]
}

@test "round trips: an HTTP hop is a barrier, nothing is sent past its request before its reply" {
	start_target echo
	start_proxy p1
	start_proxy p2
	far link "$p1_PORT" 100	# a round trip: 200 ms, well above valgrind's first-run slowness
	# HTTP hop 1 then SOCKS5 hop 2: CONNECT, then greeting and request together
	[ "$(round_trips "http://127.0.0.1:$link_PORT socks5://127.0.0.1:$p2_PORT pipeline=yes" 200)" -eq 2 ]
}

# What real servers do with pipelined handshakes. They connect for real, so the
# destination is the target on loopback and the chain bypasses nothing.
real() {
	run timeout 30 "$SOCKSCHAIN" -c "$1 bypass=none timeout=2 pipeline=yes" \
		"$CLIENT" --send 'r\n' --expect 'r\n' 127.0.0.1 "$target_PORT"
	printf '%s\n' "$output"
}

@test "Dante 1.4 takes a pipelined SOCKS5 greeting and request, and SOCKS4; also behind another hop" {
	start_target echo
	start_proxy p1
	start_danted d1
	real "socks5://127.0.0.1:$d1_PORT"
	[ "$status" -eq 0 ]
	real "socks4://127.0.0.1:$d1_PORT"
	[ "$status" -eq 0 ]
	real "socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:$d1_PORT"
	[ "$status" -eq 0 ]
	[ "$(danted_asked d1 | grep -c "127.0.0.1:$target_PORT")" -eq 3 ]
}

@test "OpenSSH's ssh -D takes a pipelined SOCKS5 greeting and request, and SOCKS4" {
	start_target echo
	start_sshd s1
	start_ssh_socks j1 s1
	real "socks5://127.0.0.1:$j1_PORT"
	[ "$status" -eq 0 ]
	real "socks4://127.0.0.1:$j1_PORT"
	[ "$status" -eq 0 ]
	[ "$(ssh_socks_asked j1)" = "socks5 127.0.0.1:$target_PORT
socks4 127.0.0.1:$target_PORT" ]
}

@test "tinyproxy, an HTTP hop, carries a pipelined SOCKS5 hop after it (the barrier waits for its 200)" {
	start_target echo
	start_tinyproxy t1
	start_danted d1
	real "http://127.0.0.1:$t1_PORT socks5://127.0.0.1:$d1_PORT"
	[ "$status" -eq 0 ]
	[[ $(tinyproxy_asked t1) == "CONNECT 127.0.0.1:"*" HTTP/1.1" ]]
}

@test "microsocks 1.0.3 drops what follows the greeting: pipelined it times out, and fails closed" {
	start_target echo
	start_microsocks m1
	real "socks5://127.0.0.1:$m1_PORT"
	[ "$status" -ne 0 ]
	[[ $output == *"hop 1 of 1"*"did not answer in time"*ETIMEDOUT* ]]
	[ -z "$(microsocks_asked m1)" ]
	run timeout 30 "$SOCKSCHAIN" -c "socks5://127.0.0.1:$m1_PORT bypass=none timeout=2" \
		"$CLIENT" --send 'r\n' --expect 'r\n' 127.0.0.1 "$target_PORT"
	[ "$status" -eq 0 ]	# the same server without pipeline
}

@test "pipelined, nine hops with the longest credentials overflow one batch and go in two" {
	start_target echo
	user=$(printf 'u%.0s' {1..255})
	pass=$(printf 'p%.0s' {1..255})
	chain="pipeline=yes"
	# 526 bytes a hop: a 4 KiB batch takes seven
	for i in 1 2 3 4 5 6 7 8 9; do
		start_proxy "q$i" -u "$user:$pass"
	done
	for i in 1 2 3 4 5 6 7 8 9; do
		port=q${i}_PORT
		chain+=" socks5://$user:$pass@127.0.0.1:${!port}"
	done
	via "$chain"
	[ "$status" -eq 0 ]
	[[ $output == ok*"received=p\n"* ]]
	for i in 1 2 3 4 5 6 7 8 9; do
		[[ $(proxy_log "q$i") == *"user=$user "*granted ]]
	done
}
