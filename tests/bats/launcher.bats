# The launcher: where the chain comes from, what it refuses to run, exit statuses.
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

@test "--help and --version" {
	run "$SOCKSCHAIN" --help
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "usage: sockschain [-c SPEC | -f FILE]"* ]]
	run "$SOCKSCHAIN" --version
	[ "$status" -eq 0 ]
	[[ $output =~ ^sockschain\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "the command's own exit status comes back" {
	run "$SOCKSCHAIN" -c "$(hop p1)" sh -c 'exit 7'
	[ "$status" -eq 7 ]
}

@test "a bad -c spec: exit 125, the position, the item and what is wrong" {
	run "$SOCKSCHAIN" -c "$(hop p1) socks4://127.0.0.1:99999" true
	[ "$status" -eq 125 ]
	[ "$output" = "sockschain: -c:1:$(( ${#p1_PORT} + 21 )): \"socks4://127.0.0.1:99999\": bad port \"99999\" (1-65535)" ]
}

@test "a bad chain file: file:line:column" {
	printf '# work chain\n%s\n\n   timeout=soon\n' "$(hop p1)" >"$BATS_TEST_TMPDIR/work.chain"
	run "$SOCKSCHAIN" -f "$BATS_TEST_TMPDIR/work.chain" true
	[ "$status" -eq 125 ]
	[[ $output == "sockschain: $BATS_TEST_TMPDIR/work.chain:4:4: \"timeout=soon\": timeout wants seconds"* ]]
}

@test "a chain file with a password that others can read gets a warning; 0600 does not" {
	printf 'socks5://u:pw@127.0.0.1:%s\n' "$p1_PORT" >"$BATS_TEST_TMPDIR/pw.chain"
	chmod 644 "$BATS_TEST_TMPDIR/pw.chain"
	run "$SOCKSCHAIN" -f "$BATS_TEST_TMPDIR/pw.chain" true
	[ "$status" -eq 0 ]
	[ "$output" = "sockschain: warning: $BATS_TEST_TMPDIR/pw.chain holds a password and others can read it (chmod 600 $BATS_TEST_TMPDIR/pw.chain)" ]
	chmod 600 "$BATS_TEST_TMPDIR/pw.chain"
	run "$SOCKSCHAIN" -f "$BATS_TEST_TMPDIR/pw.chain" true
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "-f with a missing file: exit 125" {
	run "$SOCKSCHAIN" -f "$BATS_TEST_TMPDIR/none.chain" true
	[ "$status" -eq 125 ]
	[[ $output == *"none.chain: No such file or directory"* ]]
}

@test "a missing command: 127; a file that cannot run: 126" {
	run -127 env PATH=/usr/bin:/bin "$SOCKSCHAIN" -c "$(hop p1)" no-such-command-here
	[ "$status" -eq 127 ]
	[ "$output" = "sockschain: no-such-command-here: command not found" ]
	printf 'x' >"$BATS_TEST_TMPDIR/not-executable"
	run -126 "$SOCKSCHAIN" -c "$(hop p1)" "$BATS_TEST_TMPDIR/not-executable"
	[ "$status" -eq 126 ]
}

@test "no command, unknown option: 125" {
	run "$SOCKSCHAIN" -c "$(hop p1)"
	[ "$status" -eq 125 ]
	run "$SOCKSCHAIN" --frobnicate true
	[ "$status" -eq 125 ]
	[[ $output == *"unknown option --frobnicate"* ]]
}

# carried: the program got its bytes back through the hop, the hop was asked
# for the destination, and the target saw only the hop's connection.
carried_through_p1() {
	[[ $(proxy_log p1) == "proto=socks4 "*"dest=$REMOTE:80 "*granted ]]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/target.log")" -eq 1 ]
}

@test "a statically linked program is carried by the supervisor, and -v says so" {
	run "$SOCKSCHAIN" -v -c "$(hop p1)" "$BUILD/tests/client-static" --send hi --expect hi "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"ok elapsed_ms="*"received=hi"* ]]
	[[ $output == *"sockschain: $BUILD/tests/client-static: carried by the supervisor (seccomp user notification)"* ]]
	carried_through_p1
	run "$SOCKSCHAIN" --no-check -c "$(hop p1)" "$BUILD/tests/static-hello"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "static hello" ]
}

@test "a Go program, dynamic or static, is carried by the supervisor: its bytes through the chain" {
	need_foreign goclient
	need_foreign goclient-static
	for go in "$BUILD/tests/goclient" "$BUILD/tests/goclient-static"; do
		: >"$BATS_TEST_TMPDIR/p1.log"
		: >"$BATS_TEST_TMPDIR/target.log"
		run "$SOCKSCHAIN" -v -c "$(hop p1)" "$go" -send hi -expect hi "$REMOTE:80"
		[ "$status" -eq 0 ]
		[[ $output == *"summary ok=1 fail=0"* ]]
		[[ $output == *"sockschain: $go: carried by the supervisor"* ]]
		carried_through_p1
	done
}

@test "a program linked against musl is carried by the supervisor" {
	need_foreign musl-client
	run "$SOCKSCHAIN" -v -c "$(hop p1)" "$BUILD/tests/musl-client" "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"tiny client: connected"* ]]
	[[ $output == *"sockschain: $BUILD/tests/musl-client: carried by the supervisor"* ]]
	carried_through_p1
}

@test "a loader named like glibc's that is not glibc's: carried by the supervisor" {
	command -v cc >/dev/null || missing "cc is not installed"
	# what the loader is matters, not its name (gcompat names musl's loader so):
	# here the "loader" is a static program, which the kernel runs in its place
	cp "$BUILD/tests/static-hello" "$BATS_TEST_TMPDIR/ld-linux-x86-64.so.2"
	cc -o "$BATS_TEST_TMPDIR/prog" -Wl,--dynamic-linker="$BATS_TEST_TMPDIR/ld-linux-x86-64.so.2" \
		"$BATS_TEST_DIRNAME/../tools/static-hello.c"
	run "$BATS_TEST_TMPDIR/prog"	# that "loader" is no loader: it dies on its own
	alone=$status
	run "$SOCKSCHAIN" -v -c "$(hop p1)" "$BATS_TEST_TMPDIR/prog"
	[ "$status" -eq "$alone" ]
	[ "$status" -ne 125 ]
	[[ $output == *"sockschain: $BATS_TEST_TMPDIR/prog: carried by the supervisor"* ]]
}

@test "a script whose interpreter is missing: 127 and the kernel's words, as env(1) gives" {
	printf '#!%s/no-such-interpreter\n' "$BATS_TEST_TMPDIR" >"$BATS_TEST_TMPDIR/orphan"
	chmod +x "$BATS_TEST_TMPDIR/orphan"
	run -127 "$SOCKSCHAIN" -c "$(hop p1)" "$BATS_TEST_TMPDIR/orphan"
	[ "$output" = "sockschain: $BATS_TEST_TMPDIR/orphan: No such file or directory" ]
}

@test "a FIFO as the chain file: the launcher and the library fail at once, naming it" {
	mkfifo "$BATS_TEST_TMPDIR/chain.fifo"
	run -125 timeout 5 "$SOCKSCHAIN" -f "$BATS_TEST_TMPDIR/chain.fifo" true
	[ "$output" = "sockschain: $BATS_TEST_TMPDIR/chain.fifo: not a regular file (a FIFO, a device or a socket)" ]
	run -1 timeout 5 env SOCKS_CHAIN_FILE="$BATS_TEST_TMPDIR/chain.fifo" LD_PRELOAD="$PRELOAD" \
		"$CLIENT" "$REMOTE" 80
	[[ $output == *"fail errno=EACCES"* ]]
	[[ $output == *"refused, not connecting directly: $BATS_TEST_TMPDIR/chain.fifo: not a regular file"* ]]
	[ ! -s "$BATS_TEST_TMPDIR/target.log" ]
}

@test "a script whose interpreter is static is carried by the supervisor; one run by env(1) is checked too" {
	printf '#!%s\n' "$BUILD/tests/static-hello" >"$BATS_TEST_TMPDIR/s1"
	printf '#!/usr/bin/env static-hello\n' >"$BATS_TEST_TMPDIR/s2"
	printf '#!/usr/bin/env bash\necho dynamic script\n' >"$BATS_TEST_TMPDIR/s3"
	chmod +x "$BATS_TEST_TMPDIR"/s?
	run -0 "$SOCKSCHAIN" -v -c "$(hop p1)" "$BATS_TEST_TMPDIR/s1"
	[[ $output == *"sockschain: $BATS_TEST_TMPDIR/s1: carried by the supervisor"* ]]
	[ "${lines[-1]}" = "static hello" ]
	run -0 env PATH="$BUILD/tests:$PATH" "$SOCKSCHAIN" -v -c "$(hop p1)" "$BATS_TEST_TMPDIR/s2"
	[[ $output == *"sockschain: $BATS_TEST_TMPDIR/s2: carried by the supervisor"* ]]
	run "$SOCKSCHAIN" -v -c "$(hop p1)" "$BATS_TEST_TMPDIR/s3"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "dynamic script" ]
	[[ $output == *"carried by the library"* ]]
}

@test "a set-user-ID program of another user is refused" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make a set-user-ID file of another user"
	cp "$BUILD/tests/client" "$BATS_TEST_TMPDIR/suid-client"	# the program, not valgrind's wrapper script
	chown 65534 "$BATS_TEST_TMPDIR/suid-client" 2>/dev/null ||
		skip "cannot give a file to another user here (a user namespace)"
	chmod 4755 "$BATS_TEST_TMPDIR/suid-client"
	run "$SOCKSCHAIN" -c "$(hop p1)" "$BATS_TEST_TMPDIR/suid-client" "$REMOTE" 80
	[ "$status" -eq 125 ]
	[[ $output == *"suid-client is set-user-ID: the loader would drop the library"* ]]
	chmod 2755 "$BATS_TEST_TMPDIR/suid-client"
	chgrp 65534 "$BATS_TEST_TMPDIR/suid-client"
	chmod g+s "$BATS_TEST_TMPDIR/suid-client"
	run "$SOCKSCHAIN" -c "$(hop p1)" "$BATS_TEST_TMPDIR/suid-client" "$REMOTE" 80
	[ "$status" -eq 125 ]
	[[ $output == *"is set-group-ID"* ]]
}

@test "a launcher started under the chain runs without the library in it" {
	# the supervisor is the launcher's child: its maps are the launcher's
	run "$SOCKSCHAIN" -c "$(hop p1)" bash -c \
		"'$SOCKSCHAIN' -c '$(hop p1)' --supervise sh -c 'grep -c libsockschain /proc/\$PPID/maps; echo \"[\$LD_PRELOAD]\"'"
	[ "${lines[0]}" = "0" ]
	[[ ${lines[1]} == *libsockschain* ]]	# the program, a glibc one, keeps it: both carry it
	run "$SOCKSCHAIN" -c "$(hop p1)" bash -c "'$SOCKSCHAIN' -c '$(hop p1)' --check"
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) != *dest=* ]]	# dialed, not asked to go anywhere
}

@test "LD_PRELOAD entries already there are kept, ours first" {
	old=libc.so.6
	[[ ${SANITIZE:-} != 1 ]] || old="$SAN_RT libc.so.6"	# its runtime must stay first
	run env LD_PRELOAD="$old" "$SOCKSCHAIN" -c "$(hop p1)" sh -c 'echo "$LD_PRELOAD"'
	[ "$status" -eq 0 ]
	[[ $output == *"$LIB"*"libc.so.6"* ]]
}

@test "an LD_PRELOAD entry that only contains the library's path does not stand for it" {
	run env LD_PRELOAD="$LIB.old" "$SOCKSCHAIN" -c "$(hop p1)" "$CLIENT" --send x --expect x "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == *"dest=$REMOTE:80 "*granted ]]
}

@test "where the chain comes from: -c, SOCKS_CHAIN, SOCKS_CHAIN_FILE, XDG, HOME, in that order" {
	mkdir -p "$HOME/.config/sockschain" "$BATS_TEST_TMPDIR/xdg/sockschain"
	echo "home-wins-if-alone" >"$HOME/.config/sockschain/chain"
	run "$SOCKSCHAIN" true
	[[ $output == *"$HOME/.config/sockschain/chain:1:1:"* ]]
	echo "xdg-wins" >"$BATS_TEST_TMPDIR/xdg/sockschain/chain"
	run env XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/xdg" "$SOCKSCHAIN" true
	[[ $output == *"xdg/sockschain/chain:1:1:"* ]]
	echo "file-wins" >"$BATS_TEST_TMPDIR/f.chain"
	run env XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/xdg" SOCKS_CHAIN_FILE="$BATS_TEST_TMPDIR/f.chain" "$SOCKSCHAIN" true
	[[ $output == *"f.chain:1:1: \"file-wins\""* ]]
	run env SOCKS_CHAIN="env-wins" SOCKS_CHAIN_FILE="$BATS_TEST_TMPDIR/f.chain" "$SOCKSCHAIN" true
	[[ $output == *"SOCKS_CHAIN:1:1: \"env-wins\""* ]]
	run env SOCKS_CHAIN="env-loses" "$SOCKSCHAIN" -c "c-wins" true
	[[ $output == *"-c:1:1: \"c-wins\""* ]]
	run env SOCKS_CHAIN="env-loses" "$SOCKSCHAIN" -f "$BATS_TEST_TMPDIR/f.chain" true
	[[ $output == *"\"file-wins\""* ]]
}

@test "no chain anywhere: exit 125 saying where to put one" {
	[ ! -e /etc/sockschain/chain ] || skip "this machine has /etc/sockschain/chain"
	run "$SOCKSCHAIN" true
	[ "$status" -eq 125 ]
	[[ $output == *"no chain configured"* ]]
}

@test "the chain reaches child processes: a shell's children go through it" {
	run "$SOCKSCHAIN" -c "$(hop p1)" sh -c "'$CLIENT' --send child --expect child $REMOTE 81; \
		'$CLIENT' --send grandchild --expect grandchild $REMOTE 82"
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == *"dest=$REMOTE:81 "*"dest=$REMOTE:82 "* ]]
}

@test "-v: one line per connection with every hop and its time; -q: failures are silent" {
	start_proxy p2
	run "$SOCKSCHAIN" -v -c "$(hop p1) $(hop p2)" "$CLIENT" "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output =~ "sockschain: $REMOTE:80: via socks4://127.0.0.1:$p1_PORT ("[0-9.]+" ms) -> socks4://127.0.0.1:$p2_PORT ("[0-9.]+" ms) -> $REMOTE:80: connected" ]]
	stop_servers
	start_target echo
	start_proxy p1 -f refuse
	run "$SOCKSCHAIN" -q -c "$(hop p1)" "$CLIENT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == "fail errno=ECONNREFUSED"* ]]
	[[ $output != *sockschain:* ]]
}

@test "SOCKS_CHAIN_LOG takes the messages; stdout never gets any" {
	stop_servers
	start_target echo
	start_proxy p1 -f refuse
	run env SOCKS_CHAIN_LOG="$BATS_TEST_TMPDIR/sc.log" "$SOCKSCHAIN" -c "$(hop p1)" "$CLIENT" "$REMOTE" 80
	[[ $output == "fail errno=ECONNREFUSED"* ]]
	[[ $output != *sockschain:* ]]
	[[ $(cat "$BATS_TEST_TMPDIR/sc.log") == "sockschain: $REMOTE:80: hop 1 of 1"*"[ECONNREFUSED]" ]]
	run bash -c "SOCKS_CHAIN='$(hop p1)' LD_PRELOAD='$PRELOAD' '$CLIENT' $REMOTE 80 2>/dev/null"
	[ "$output" = "${output#*sockschain}" ]
}

@test "SOCKS_CHAIN_LOG naming a FIFO nobody reads: the launcher's line goes to stderr at once" {
	mkfifo "$BATS_TEST_TMPDIR/log.fifo"
	run -125 timeout 5 env SOCKS_CHAIN_LOG="$BATS_TEST_TMPDIR/log.fifo" "$SOCKSCHAIN" --frobnicate true
	[ "$output" = "sockschain: unknown option --frobnicate (see sockschain --help)" ]
}

@test "library without any chain: connections fail closed with EACCES, loopback still direct" {
	run preloaded "$CLIENT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"sockschain: $REMOTE:80: refused, not connecting directly: no chain configured"* ]]
	[[ $output == *"fail errno=EACCES"* ]]
	run preloaded "$CLIENT" --send 'lo' --expect 'lo' 127.0.0.1 "$target_PORT"
	[ "$status" -eq 0 ]
}

@test "library with a broken SOCKS_CHAIN: fails closed naming the error, every time" {
	run preloaded SOCKS_CHAIN="socks4://127.0.0.1:$p1_PORT bypass=0.0.0.0/0 oops" \
		"$CLIENT" --count 2 "$REMOTE" 80
	[ "$status" -eq 1 ]
	[ "$(grep -c 'fail errno=EACCES' <<<"$output")" -eq 2 ]
	[ "$(grep -c 'SOCKS_CHAIN:1:.*"oops": expected a proxy' <<<"$output")" -eq 2 ]
	[ ! -s "$BATS_TEST_TMPDIR/p1.log" ]
	[ ! -s "$BATS_TEST_TMPDIR/target.log" ]
	# -q silences failed connections, not a chain that cannot be loaded
	run preloaded SOCKS_CHAIN="oops" SOCKS_CHAIN_VERBOSE=0 "$CLIENT" "$REMOTE" 80
	[[ $output == *'sockschain: 198.18.0.7:80: refused, not connecting directly: SOCKS_CHAIN:1:1: "oops"'* ]]
}

@test "every example chain file parses" {
	for f in "$BATS_TEST_DIRNAME"/../../examples/*.chain; do
		run "$SOCKSCHAIN" -f "$f" --explain 198.18.0.1:443
		[ "$status" -eq 0 ] || { echo "$f: $output"; false; }
		# corporate.chain holds a (sample) password, and a checkout is 0644.
		[[ $(grep -v ' holds a password and others can read it ' <<<"$output" | head -n 1) == "198.18.0.1:443: "* ]]
	done
}
