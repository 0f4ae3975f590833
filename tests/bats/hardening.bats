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
				# and it did get through, or fail, as the password says
				[ "$status" -eq "$([[ $p == good ]] && echo 0 || echo 1)" ] ||
					{ echo "$v $scheme $p: status $status: $output"; false; }
			done
		done
	done
	run env SOCKS_CHAIN_LOG="$BATS_TEST_TMPDIR/log" "$SOCKSCHAIN" -vv \
		-c "socks5://alice:Sekr3tPw@127.0.0.1:$bad_PORT badhop://alice:Sekr3tPw@x" true
	[ "$status" -eq 125 ]
	grep -q 'badhop://alice:\*\*\*@x' "$BATS_TEST_TMPDIR/log"
	run ! grep -q Sekr3tPw "$BATS_TEST_TMPDIR/log"
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

# [delay=MS] hostile FAULT ERRNO WHY SCHEMES...: each scheme's hop misbehaves
# (pacing its bytes by MS, default 1000); the client gets ERRNO within the 1 s
# timeout, the line says WHY, no descriptor is left behind, and the program
# itself (bound to 127.0.0.2) never reached the target.
hostile() {
	local fault=$1 errno=$2 why=$3 scheme e
	shift 3
	for scheme in "$@"; do
		stop_servers
		start_target echo
		start_proxy p1 -f "$fault" -d "${delay:-1000}"
		run "$SOCKSCHAIN" -c "$scheme://127.0.0.1:$p1_PORT timeout=1" "$CLIENT" --count 3 --fds \
			--bind 127.0.0.2:0 "$REMOTE" 80
		[ "$(grep -c "^fail errno=$errno " <<<"$output")" -eq 3 ] || { echo "$fault $scheme: $output"; false; }
		[[ $output == *"$why"* ]] || { echo "$fault $scheme: $output"; false; }
		e=${output##*elapsed_ms=}
		[ "${e%%[^0-9]*}" -lt 1500 ]
		[[ $output == *"open_fds=$baseline_fds"* ]] || { echo "$fault $scheme: $output"; false; }
		if grep -q 'peer=127.0.0.2:' "$BATS_TEST_TMPDIR/target.log"; then	# never the program itself
			echo "$fault $scheme: the program reached the target itself"
			false
		fi
	done
}

# What the client has open under the launcher by itself: its own, and the
# tree's fake address map the launcher hands down (sockschain(1), Names).
baseline() {
	run "$SOCKSCHAIN" -c "socks4://127.0.0.1:1" "$CLIENT" --fds 127.0.0.1 "$target_PORT"
	[[ $output =~ open_fds=([0-9]+) ]]
	baseline_fds=${BASH_REMATCH[1]}
}

@test "hostile: 64 KiB of garbage instead of a reply" {
	baseline
	hostile flood EPROTO "not SOCKS4" socks4
	hostile flood EPROTO "not SOCKS5" socks5
	hostile flood EPROTO "response headers longer than 8192 bytes" http
}

@test "hostile: an HTTP header that never ends, one byte a second, silence" {
	baseline
	hostile noend ETIMEDOUT "did not answer in time" http	# the 8 KiB cap: protocols.bats
	hostile trickle ETIMEDOUT "did not answer in time" socks4 socks5 http
	hostile hang ETIMEDOUT "did not answer in time" socks4 socks5 http
}

@test "hostile: a reset in the middle of a reply" {
	baseline
	hostile reset ECONNRESET "Connection reset by peer" socks4 socks5 http
}

@test "hostile: the longest SOCKS5 reply, tunnel data right behind it, reaches the program exact" {
	start_proxy p1 -f bigdomain
	run "$SOCKSCHAIN" -c "socks5://127.0.0.1:$p1_PORT" "$CLIENT" --read-first 'TUNNEL-FIRST\n' \
		--send x --expect x "$REMOTE" 80
	[ "$status" -eq 0 ]
}
