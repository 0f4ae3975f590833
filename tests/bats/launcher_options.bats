# The launcher's options (getopt_long, stopping at the command) and what its
# messages quote: never a control byte, never an argument of any length whole.
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	start_target echo
	start_proxy p1
	no_chain_anywhere
}

teardown() {
	stop_servers
}

@test "an option without its argument says so, not \"unknown option\"" {
	run "$SOCKSCHAIN" -c
	[ "$status" -eq 125 ]
	[ "$output" = "sockschain: option -c needs an argument (see sockschain --help)" ]
	run "$SOCKSCHAIN" -f
	[ "$output" = "sockschain: option -f needs an argument (see sockschain --help)" ]
	run "$SOCKSCHAIN" -c "$(hop p1)" --explain
	[ "$status" -eq 125 ]
	[ "$output" = "sockschain: option --explain needs an argument (see sockschain --help)" ]
	run "$SOCKSCHAIN" -x true
	[ "$output" = "sockschain: unknown option -x (see sockschain --help)" ]
}

@test "options end at the command: its own -v, -c, -- are its own" {
	run "$SOCKSCHAIN" -c "$(hop p1)" sh -c 'echo "$*"' sh -v -c x -- -q
	[ "$status" -eq 0 ]
	[ "$output" = "-v -c x -- -q" ]
	run "$SOCKSCHAIN" -c "$(hop p1)" -- sh -c 'echo "$*"' sh -v
	[ "$output" = "-v" ]
}

@test "short options cluster, long ones take =VALUE; -vv and -v -v are both debug" {
	run "$SOCKSCHAIN" -qc "$(hop p1)" sh -c 'echo "$SOCKS_CHAIN_VERBOSE $SOCKS_CHAIN"'
	[ "$status" -eq 0 ]
	[ "$output" = "0 $(hop p1)" ]
	run "$SOCKSCHAIN" -v -v -c "$(hop p1)" sh -c 'echo "$SOCKS_CHAIN_VERBOSE"'
	[ "${lines[-1]}" = "3" ]
	run "$SOCKSCHAIN" -vv -c "$(hop p1)" sh -c 'echo "$SOCKS_CHAIN_VERBOSE"'
	[ "${lines[-1]}" = "3" ]
	run "$SOCKSCHAIN" -c "$(hop p1)" --explain=198.18.0.1:443
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "198.18.0.1:443: through chain default" ]
}

@test "a spec error shows control bytes as '?': nothing reaches the terminal as a command" {
	run "$SOCKSCHAIN" -c $'socks5://127.0.0.1:1 col\e]0;owned\aour=1' true
	[ "$status" -eq 125 ]
	[[ $output == *'"col?]0;owned?our=1"'* ]]
	[[ $output != *$'\e'* && $output != *$'\a'* ]]
	# The library says the same, with its own lines.
	run env LD_PRELOAD="$PRELOAD" SOCKS_CHAIN=$'sock\e[2Js5://h:1' "$CLIENT" "$REMOTE" 80
	[[ $output == *'sock?[2Js5'* ]]
	[[ $output != *$'\e'* ]]
	run "$SOCKSCHAIN" -f $'/nonexistent/\e[2J.chain' true
	[ "$status" -eq 125 ]
	[[ $output == *'/nonexistent/?[2J.chain'* && $output != *$'\e'* ]]
}

@test "--explain and --check quote a bad argument cut short and escaped" {
	long=$(printf 'x%.0s' {1..5000})
	for opt in --explain --check; do
		run "$SOCKSCHAIN" -c "$(hop p1)" "$opt" "$long"
		[ "$status" -eq 125 ]
		(( ${#output} < 200 )) || { echo "$opt: ${#output} bytes"; false; }
		[[ $output == *'xxx..."' ]]
		run "$SOCKSCHAIN" -c "$(hop p1)" "$opt" $'a\e[2Jb'
		[[ $output == *'"a?[2Jb"'* && $output != *$'\e'* ]]
	done
}

@test "SOCKS_CHAIN_LOG naming a FIFO nobody reads: the launcher does not hang" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	run timeout 10 env SOCKS_CHAIN_LOG="$BATS_TEST_TMPDIR/fifo" "$SOCKSCHAIN" -c "bad://x" true
	[ "$status" -eq 125 ]	# its own refusal, not timeout's 124
}
