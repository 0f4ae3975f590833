# The examples and the shell helpers: sockschain-shell.sh's on/off really
# socksifies and really undoes; the bash completion; every example chain
# parses; the corporate example's warning; ssh-hops.sh against two sshds.
bats_require_minimum_version 1.5.0
load ../lib/common
load ../lib/interop

EXAMPLES=$BATS_TEST_DIRNAME/../../examples
SHELL_ON=$EXAMPLES/sockschain-shell.sh

setup() {
	no_chain_anywhere
	unset SOCKSCHAIN_LIB
}

teardown() {
	stop_servers
}

# Two test proxy hops in front of the echo target; sets CHAIN.
two_hops() {
	start_target echo
	start_proxy p1
	start_proxy p2
	CHAIN="$(hop p1) $(hop p2)"
}

# The ASan runtime must come first in LD_PRELOAD, and `on` puts the library
# in front of everything, as the launcher does.
no_sanitizer() {
	[[ ${SANITIZE:-} != 1 ]] || skip "under SANITIZE=1 the ASan runtime must be preloaded first"
}

# in_shell SHELL SCRIPT: runs SCRIPT in SHELL (no -e), with the build's library.
in_shell() {
	run env SOCKSCHAIN_LIB="$LIB" "$1" -c "$2"
	printf '%s\n' "$output"	# shown if the test fails
}

# ---- sockschain-shell.sh ----------------------------------------------------

@test "shell on: a program started from bash goes through the chain; off: LD_PRELOAD exactly as before, and no way out" {
	need_netns
	no_sanitizer
	two_hops
	export LD_PRELOAD=libc.so.6 CHAIN CLIENT SHELL_ON
	in_shell bash '
		before=$(env | sort)
		. "$SHELL_ON" on -c "$CHAIN" || exit 9
		echo "on: LD_PRELOAD=$LD_PRELOAD SOCKS_CHAIN=$SOCKS_CHAIN"
		. "$SHELL_ON" status && echo "status: on"
		"$CLIENT" --send "shell\n" --expect "shell\n" 198.18.0.7 80
		. "$SHELL_ON" off || exit 9
		echo "off: LD_PRELOAD=$LD_PRELOAD SOCKS_CHAIN=${SOCKS_CHAIN-unset}"
		[ "$(env | sort)" = "$before" ] && echo "environment: as before"
		. "$SHELL_ON" status || echo "status: off"
		compgen -v _sockschain; declare -F | grep _sockschain
		"$CLIENT" 198.18.0.7 80
		true'
	[ "$status" -eq 0 ]
	[[ $output == *"on: LD_PRELOAD=$LIB libc.so.6 SOCKS_CHAIN=$CHAIN"* ]]
	[[ $output == *"status: on"* ]]
	[[ $output == *"ok "*" received=shell\n"* ]]
	[ "$(proxy_log p1 | cut -d' ' -f3)" = "dest=127.0.0.1:$p2_PORT" ]
	[ "$(proxy_log p2 | cut -d' ' -f3)" = "dest=198.18.0.7:80" ]
	[[ $output == *"off: LD_PRELOAD=libc.so.6 SOCKS_CHAIN=unset"* ]]
	[[ $output == *"environment: as before"* ]]
	[[ $output == *"status: off"* ]]
	[[ $output != *_sockschain* ]]	# no variable or function left behind
	# Only loopback exists here: without the chain, nowhere to go.
	[[ ${lines[-1]} == "fail errno=ENETUNREACH "* ]]
	[ "$(proxy_log p2 | wc -l)" -eq 1 ]
}

@test "shell on, LD_PRELOAD unset before: off unsets it again" {
	no_sanitizer
	two_hops
	unset LD_PRELOAD
	export CHAIN CLIENT SHELL_ON
	in_shell bash '
		. "$SHELL_ON" on -c "$CHAIN" && "$CLIENT" 198.18.0.7 80 && . "$SHELL_ON" off
		echo "LD_PRELOAD ${LD_PRELOAD+set}${LD_PRELOAD-unset}"'
	[ "$status" -eq 0 ]
	[[ $output == *"ok "* ]]
	[ "${lines[-1]}" = "LD_PRELOAD unset" ]
}

@test "shell on with a malformed chain: refused, with the parser's message, and nothing changed" {
	# something already preloaded, which must stay (sanitized, the runtime must come first)
	export LD_PRELOAD=libc.so.6 SHELL_ON
	[[ ${SANITIZE:-} != 1 ]] || LD_PRELOAD=$SAN_RT
	in_shell bash '
		before=$(env | sort; compgen -v | grep -v -e ^before$ -e ^BASH -e ^_$ -e ^PIPESTATUS$)
		. "$SHELL_ON" on -c "socks5://127.0.0.1:99999"
		echo "status=$?"
		[ "$(env | sort; compgen -v | grep -v -e ^before$ -e ^BASH -e ^_$ -e ^PIPESTATUS$)" = "$before" ] &&
			echo "nothing changed"'
	[[ $output == *'sockschain: SOCKS_CHAIN:1:1: "socks5://127.0.0.1:99999": bad port "99999" (1-65535)'* ]]
	[[ $output == *"sockschain-shell: not turned on: the chain above is not usable"* ]]
	[[ $output == *"status=1"* ]]
	[ "${lines[-1]}" = "nothing changed" ]
}

@test "shell on with no chain anywhere: refused" {
	export SHELL_ON
	in_shell bash '. "$SHELL_ON" on; echo "status=$? LD_PRELOAD=${LD_PRELOAD-unset}"'
	[[ $output == *"no chain configured"* ]]
	[ "${lines[-1]}" = "status=1 LD_PRELOAD=unset" ]
}

@test "shell on -f in dash: the file wins over SOCKS_CHAIN while on, and SOCKS_CHAIN comes back after" {
	no_sanitizer
	two_hops
	echo "$CHAIN" >"$BATS_TEST_TMPDIR/two.chain"
	export SOCKS_CHAIN="socks5://127.0.0.1:9" CLIENT SHELL_ON
	cd "$BATS_TEST_TMPDIR"
	in_shell dash '
		set -- on -f two.chain; . "$SHELL_ON"
		echo "chain=${SOCKS_CHAIN-unset} file=$SOCKS_CHAIN_FILE"
		"$CLIENT" 198.18.0.7 80
		set -- off; . "$SHELL_ON"
		echo "chain=$SOCKS_CHAIN file=${SOCKS_CHAIN_FILE-unset} LD_PRELOAD=${LD_PRELOAD-unset}"'
	[ "$status" -eq 0 ]
	[[ $output == *"chain=unset file=$BATS_TEST_TMPDIR/two.chain"* ]]
	[[ $output == *"ok "* ]]
	[ "$(proxy_log p2 | cut -d' ' -f3)" = "dest=198.18.0.7:80" ]
	[ "${lines[-1]}" = "chain=socks5://127.0.0.1:9 file=unset LD_PRELOAD=unset" ]
}

@test "shell on finds the library beside a launcher in PATH, built or installed" {
	local prefix=$BATS_TEST_TMPDIR/prefix
	mkdir -p "$prefix/bin" "$prefix/lib/sockschain"
	cp "$SOCKSCHAIN" "$prefix/bin/"
	cp "$LIB" "$prefix/lib/sockschain/"
	export SHELL_ON SOCKS_CHAIN="socks5://127.0.0.1:1080"
	for dir in "$BUILD" "$prefix/bin"; do
		run env PATH="$dir:$PATH" bash -c '. "$SHELL_ON" on && . "$SHELL_ON" status'
		printf '%s\n' "$output"
		[ "$status" -eq 0 ]
		[[ ${lines[-1]} == "sockschain-shell: on: "*"/libsockschain.so preloaded, chain from SOCKS_CHAIN" ]]
	done
	[[ ${lines[-1]} == *" $prefix/lib/sockschain/libsockschain.so preloaded"* ]]
}

@test "sockschain-shell.sh run rather than sourced says so and changes nothing" {
	run bash "$SHELL_ON" on
	[ "$status" -eq 2 ]
	[[ $output == *"source it"* ]]
}

# ---- bash completion ------------------------------------------------------

# complete WORD...: COMPREPLY for the command line WORD..., cursor on the last
# word, with the completion loaded into bash (and bash-completion first, with
# WITH_BASH_COMPLETION=1), one candidate a line.
complete_line() {
	local script='
		[ -z "$WITH_BASH_COMPLETION" ] || . /usr/share/bash-completion/bash_completion
		. "$COMPLETION"
		complete -W "alpha beta" mycommand
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_sockschain 2>/dev/null
		printf "%s\n" "${COMPREPLY[@]}"'
	run env COMPLETION="$BATS_TEST_DIRNAME/../../shim/completion/sockschain.bash" \
		WITH_BASH_COMPLETION="${WITH_BASH_COMPLETION:-}" bash -c "$script" complete "$@"
	printf '%s\n' "$output"
}

@test "completion: every option --help lists is offered" {
	local opt
	complete_line sockschain -
	[ "$status" -eq 0 ]
	for opt in $("$SOCKSCHAIN" --help | grep -oE '(^| |\[)--?[a-z][-a-z]*' | tr -d ' [' | sort -u); do
		[[ $opt == -h ]] && continue	# --help's short form: not offered
		printf '%s\n' "${lines[@]}" | grep -qxF -- "$opt" || { echo "missing: $opt"; false; }
	done
	complete_line sockschain --ch
	[ "$output" = "--check" ]
}

@test "completion: a file after -f; nothing after -c; a command after the options" {
	cd "$BATS_TEST_TMPDIR"
	touch work.chain wide.txt
	mkdir wdir
	complete_line sockschain -q -f w
	[ "$(printf '%s\n' "${lines[@]}" | sort | tr '\n' ' ')" = "wdir wide.txt work.chain " ]
	complete_line sockschain -c socks
	[ -z "$output" ]
	complete_line sockschain -v -c "socks4://127.0.0.1:1080 timeout=5" bas
	printf '%s\n' "${lines[@]}" | grep -qx bash
	complete_line sockschain --check 127
	[ -z "$output" ]
}

@test "completion with bash-completion: the command's own completion takes over" {
	[[ -r /usr/share/bash-completion/bash_completion ]] ||
		missing "bash-completion is not installed (/usr/share/bash-completion/bash_completion)"
	WITH_BASH_COMPLETION=1 complete_line sockschain -v mycommand a
	[ "$output" = alpha ]
	WITH_BASH_COMPLETION=1 complete_line sockschain -- mycommand ""
	[ "$(printf '%s\n' "${lines[@]}" | sort | tr '\n' ' ')" = "alpha beta " ]
	WITH_BASH_COMPLETION=1 complete_line sockschain --n
	[ "$output" = "--no-check" ]
}

# ---- the example files (launcher.bats checks that each *.chain parses) -----

@test "tor.chain: names go to Tor by name, onion services by their own chain" {
	run "$SOCKSCHAIN" -f "$EXAMPLES/tor.chain" --explain example.onion:80
	[ "$status" -eq 0 ]
	[[ $output == *"through chain onion"* ]]
	[[ $output == *"1. socks5://onion@127.0.0.1:9050"* ]]
	[[ $output == *"resolved by the last hop (dns=remote)"* ]]
	run "$SOCKSCHAIN" -f "$EXAMPLES/tor.chain" --explain example.org:443
	[[ $output == *"through chain default"* ]]
	[[ $output == *"1. socks5://127.0.0.1:9050"* ]]
}

@test "corporate.chain: warned about when the group or others can read it, not at 0600" {
	local f=$BATS_TEST_TMPDIR/corporate.chain warning
	install -m 0600 "$EXAMPLES/corporate.chain" "$f"
	warning="sockschain: warning: $f holds a password and others can read it (chmod 600 $f)"
	run "$SOCKSCHAIN" -f "$f" --explain 198.18.0.7:80
	[ "$status" -eq 0 ]
	[[ $output != *warning* ]]
	[[ $output == *"http://alice:***@proxy.corp.example:3128"* ]]
	[[ $output != *s3cr* ]]
	for mode in 640 604; do
		chmod "$mode" "$f"
		run "$SOCKSCHAIN" -f "$f" --explain 198.18.0.7:80
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "$warning" ]
		# Named by SOCKS_CHAIN_FILE too.
		run env SOCKS_CHAIN_FILE="$f" "$SOCKSCHAIN" --explain 198.18.0.7:80
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "$warning" ]
	done
	# A user name without a password is no secret.
	sed 's/alice:s3cr%40t@/alice@/' "$EXAMPLES/corporate.chain" >"$f"
	chmod 644 "$f"
	run "$SOCKSCHAIN" -f "$f" --explain 198.18.0.7:80
	[ "$status" -eq 0 ]
	[[ $output != *warning* ]]
}

@test "the example scripts are valid shell; git-and-packages.sh prints its notes" {
	bash -n "$EXAMPLES/ssh-hops.sh"
	bash -n "$EXAMPLES/demo.sh"
	sh -n "$EXAMPLES/git-and-packages.sh"
	sh -n "$SHELL_ON"
	! command -v dash >/dev/null || dash -n "$SHELL_ON"
	run "$EXAMPLES/git-and-packages.sh"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "Everyday tools through the chain"* ]]
	[[ $output == *"sockschain CHAIN git clone git://"* ]]
	[[ $output != *"sed -n"* ]]
	run "$EXAMPLES/ssh-hops.sh"
	[ "$status" -eq 2 ]
}

@test "ssh-hops.sh: two sshd hops, the second reached through the first; its ssh processes gone after" {
	start_target echo
	start_sshd s1
	start_sshd s2
	run env SOCKSCHAIN="$SOCKSCHAIN" timeout 120 "$EXAMPLES/ssh-hops.sh" \
		"${SSH_OPTS[@]}" -o "IdentityFile=$s1_KEY" -o "IdentityFile=$s2_KEY" \
		-o LogLevel=DEBUG2 -C "bypass=none timeout=20" \
		"ssh://root@127.0.0.1:$s1_PORT" "ssh://root@127.0.0.1:$s2_PORT" -- \
		"$CLIENT" --send 'two hops\n' --expect 'two hops\n' 127.0.0.1 "$target_PORT"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok "*" received=two hops\n"* ]]
	# Hop 1 was asked for sshd 2; hop 2, for the target.
	[[ $output == *"dynamic request: socks5 host 127.0.0.1 port $s2_PORT "* ]]
	[[ $output == *"dynamic request: socks5 host 127.0.0.1 port $target_PORT "* ]]
	grep -q "Accepted publickey for root" "$BATS_TEST_TMPDIR/s1.log"
	grep -q "Accepted publickey for root" "$BATS_TEST_TMPDIR/s2.log"
	# Both SOCKS proxies are gone.
	local port
	for port in $(sed -n 's/^ssh-hops: hop [12]: .*127\.0\.0\.1:\([0-9]*\)$/\1/p' <<<"$output"); do
		if grep -qE "^ *[0-9]+: 0100007F:$(printf %04X "$port") 00000000:0000 0A " /proc/net/tcp; then
			echo "still listening: 127.0.0.1:$port"
			false
		fi
	done
	[ "$(grep -c '^ssh-hops: hop [12]: ' <<<"$output")" -eq 2 ]
}

@test "ssh-hops.sh without a command: prints SOCKS_CHAIN, serves until TERM, then stops its ssh processes" {
	local dir=$BATS_TEST_TMPDIR pid i chain port
	start_target echo
	start_sshd s1
	start_sshd s2
	SOCKSCHAIN="$SOCKSCHAIN" "$EXAMPLES/ssh-hops.sh" "${SSH_OPTS[@]}" \
		-o "IdentityFile=$s1_KEY" -o "IdentityFile=$s2_KEY" -C bypass=none \
		"ssh://root@127.0.0.1:$s1_PORT" "ssh://root@127.0.0.1:$s2_PORT" \
		>"$dir/hops.out" 2>"$dir/hops.err" 3>&- &
	pid=$!
	echo "$pid" >>"$dir/server.pids"	# stopped by teardown if the test fails first
	for ((i = 0; i < 1000; i++)); do
		grep -q '^SOCKS_CHAIN=' "$dir/hops.out" && break
		sleep 0.02
	done
	cat "$dir/hops.out" "$dir/hops.err"
	chain=$(sed -n "s/^SOCKS_CHAIN='\(.*\)'$/\1/p" "$dir/hops.out")
	[[ $chain == "socks5://127.0.0.1:"[0-9]*" bypass=none" ]]
	run "$SOCKSCHAIN" -c "$chain" "$CLIENT" --send 'later\n' --expect 'later\n' 127.0.0.1 "$target_PORT"
	kill -TERM "$pid"
	wait "$pid" || i=$?
	[[ $output == "ok "*" received=later\n"* ]]
	[ "$i" -eq 143 ]
	for port in $(sed -n 's/^ssh-hops: hop [12]: .*127\.0\.0\.1:\([0-9]*\)$/\1/p' "$dir/hops.err"); do
		if grep -qE "^ *[0-9]+: 0100007F:$(printf %04X "$port") 00000000:0000 0A " /proc/net/tcp; then
			echo "still listening: 127.0.0.1:$port"
			false
		fi
	done
	[ "$(grep -c '^ssh-hops: hop [12]: ' "$dir/hops.err")" -eq 2 ]
}
