# Bypass rules: what goes directly and what goes through the chain.
load ../lib/common

setup() {
	start_target echo
	start_proxy p1
}

teardown() {
	stop_servers
}

@test "loopback is bypassed by default: the target sees the program itself" {
	run "$SOCKSCHAIN" -c "$(hop p1)" "$CLIENT" --send 'direct' --expect 'direct' 127.0.0.1 "$target_PORT"
	[ "$status" -eq 0 ]
	[ ! -s "$BATS_TEST_TMPDIR/p1.log" ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/target.log")" -eq 1 ]
}

@test "bypass=none sends loopback through the chain too" {
	run "$SOCKSCHAIN" -c "$(hop p1) bypass=none" "$CLIENT" --send 'via' --expect 'via' 127.0.0.1 "$target_PORT"
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == "proto=socks4 user=- dest=127.0.0.1:$target_PORT "*granted ]]
}

@test "bypass=CIDR goes direct, which in this namespace cannot reach anything" {
	need_netns
	run "$SOCKSCHAIN" -c "$(hop p1) bypass=198.18.0.0/15" "$CLIENT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"errno=ENETUNREACH"* ]]
	[ ! -s "$BATS_TEST_TMPDIR/p1.log" ]
	run "$SOCKSCHAIN" -c "$(hop p1) bypass=198.18.0.0/24" "$CLIENT" 198.18.1.7 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == *"dest=198.18.1.7:80 "* ]]
}

@test "::1 is bypassed by default, IPv4-mapped loopback too" {
	run "$SOCKSCHAIN" -c "$(hop p1)" "$CLIENT" --v6 --send 'm' --expect 'm' 127.0.0.1 "$target_PORT"
	[ "$status" -eq 0 ]
	[ ! -s "$BATS_TEST_TMPDIR/p1.log" ]
}
