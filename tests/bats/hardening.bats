# What the library must never do inside other people's programs, and
# proxies that misbehave on purpose.
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	start_target echo
}

teardown() {
	stop_servers
}

@test "the library calls nothing that writes to stdout, exits or aborts" {
	run nm -D --undefined-only "$LIB"
	[ "$status" -eq 0 ]
	for fn in exit _exit _Exit abort printf puts putchar fputs fputc fwrite fprintf vprintf perror \
		  stdout system popen strtok; do
		! grep -qE "^ +U ${fn}(@|$)" <<<"$output" || { echo "the library uses $fn"; false; }
	done
}

@test "passwords never appear, whatever the verbosity, the protocol, success or failure" {
	start_proxy good -u 'alice:Sekr3tPw'
	start_proxy bad -u 'alice:other'
	for v in -q "" -v -vv; do
		for scheme in socks5 http; do
			for p in good bad; do
				port=${p}_PORT
				run "$SOCKSCHAIN" $v -c "$scheme://alice:Sekr3tPw@127.0.0.1:${!port}" \
					"$CLIENT" "$REMOTE" 80
				[[ $output != *Sekr3tPw* ]] || { echo "$v $scheme $p: $output"; false; }
			done
		done
	done
	run env SOCKS_CHAIN_LOG="$BATS_TEST_TMPDIR/log" "$SOCKSCHAIN" -vv \
		-c "socks5://alice:Sekr3tPw@127.0.0.1:$bad_PORT badhop://alice:Sekr3tPw@x" true
	[ "$status" -eq 125 ]
	grep -q 'badhop://alice:\*\*\*@x' "$BATS_TEST_TMPDIR/log"
	! grep -q Sekr3tPw "$BATS_TEST_TMPDIR/log"
}

@test "by default, one stderr line per failed connection, and none per success" {
	start_proxy p1 -f refuse -n 3
	run bash -c "'$SOCKSCHAIN' -c 'socks4://127.0.0.1:$p1_PORT' '$CLIENT' --count 5 $REMOTE 80 \
		2>'$BATS_TEST_TMPDIR/stderr'"
	[ "$(grep -c '^fail' <<<"$output")" -eq 3 ]
	[ "$(grep -c '^ok' <<<"$output")" -eq 2 ]
	[ "$(grep -c '' "$BATS_TEST_TMPDIR/stderr")" -eq 3 ]
	[ "$(grep -c '^sockschain: ' "$BATS_TEST_TMPDIR/stderr")" -eq 3 ]
}
