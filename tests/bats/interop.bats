# sockschain against real proxy servers written by others: Dante, microsocks,
# OpenSSH's ssh -D and tinyproxy, alone and chained, started here on loopback.
# They connect for real, so the destination is the target at 127.0.0.1, and
# every chain says bypass=none (loopback is bypassed by default). Each test
# checks what the program received and what each server says it was asked.
load ../lib/common
load ../lib/interop

teardown() {
	local stopped=0
	stop_servers || stopped=$?
	unhosts
	return "$stopped"
}

# through SPEC COMMAND...: runs COMMAND under the chain SPEC, bypassing nothing.
through() {
	local spec=$1
	shift
	run timeout 120 "$SOCKSCHAIN" -c "$spec bypass=none timeout=5" "$@"
	printf '%s\n' "$output"	# shown if the test fails
}

# echo_through SPEC: the client's line comes back from the echo target through
# SPEC, and getpeername() names the target.
echo_through() {
	through "$1" "$CLIENT" --peer --send 'interop\n' --expect 'interop\n' 127.0.0.1 "$target_PORT"
	[ "$status" -eq 0 ]
	[[ $output == "ok "*" peer=127.0.0.1:$target_PORT "*" received=interop\n"* ]]
}

# curl_through SPEC PATH: curl gets PATH from the http target through SPEC.
curl_through() {
	need_curl
	through "$1" curl -sS --max-time 20 "http://127.0.0.1:$target_PORT$2"
	[ "$status" -eq 0 ]
	[[ $output == *"hello from target"* ]]
	[[ $output == *"request: GET $2 HTTP/1.1"* ]]
}

# curl_by_name SPEC PATH: curl gets PATH from the http target, by name (see the
# last section).
curl_by_name() {
	need_curl
	through "$1" curl -sS --max-time 20 "http://$TARGET_NAME:$target_PORT$2"
	[ "$status" -eq 0 ]
	[[ $output == *"request: GET $2 HTTP/1.1"* ]]
}

# target_peers: how many connections the target accepted.
target_peers() {
	grep -c '^peer=' "$BATS_TEST_TMPDIR/target.log"
}

# alone SERVER SCHEME ASKED [USER PASSWORD USERINFO]: SERVER started alone (with
# USER and PASSWORD, written USERINFO in the chain), the echo comes back through
# it speaking SCHEME, and it says it was asked ASKED, one request, a pattern with
# {port} for the target's port. The target's one peer is the server (for Dante,
# whose log names its own end, exactly that end).
alone() {
	local server=$1 scheme=$2 asked login=("${@:4:2}") name port
	start_target echo
	asked=${3//\{port\}/$target_PORT}
	case $server in
	danted) name=d; start_danted d ;;
	microsocks) name=m; start_microsocks m "${login[@]}" ;;
	ssh) name=sd; start_sshd sshd; start_ssh_socks sd sshd ;;
	tinyproxy) name=t; start_tinyproxy t "${login[@]}" ;;
	*) echo "alone: no server $server"; false ;;
	esac
	port=${name}_PORT
	echo_through "$scheme://${6:+$6@}127.0.0.1:${!port}"
	run "${server/#ssh/ssh_socks}_asked" "$name"
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == $asked ]]
	[ "$(target_peers)" -eq 1 ]
	if [[ $server == danted ]]; then
		[ "$(cat "$BATS_TEST_TMPDIR/target.log")" = "peer=${lines[0]##* from }" ]
	fi
}

# ---- each server alone ------------------------------------------------------

@test "danted, SOCKS4: the echo comes back, and the target's one peer is Dante" {
	alone danted socks4 "socks4 127.0.0.1:{port} from 127.0.0.1:*"
}

@test "danted, SOCKS5: the echo comes back, and the target's one peer is Dante" {
	alone danted socks5 "socks5 127.0.0.1:{port} from 127.0.0.1:*"
}

@test "danted has no SOCKS4A: a next hop by name fails closed with reply 91 and a hint" {
	start_target echo
	start_danted d
	start_microsocks m
	through "socks4://127.0.0.1:$d_PORT socks5://localhost:$m_PORT" \
		"$CLIENT" 127.0.0.1 "$target_PORT"
	[ "$status" -eq 1 ]
	[[ ${lines[-1]} == "fail errno=ECONNREFUSED "* ]]
	[[ $output == *"sockschain: 127.0.0.1:$target_PORT: hop 1 of 2 (socks4://127.0.0.1:$d_PORT) rejected or failed (SOCKS4 reply 91) for localhost:$m_PORT (a SOCKS4 server without SOCKS4A refuses host names)"* ]]
	[ -z "$(microsocks_asked m)" ]
	[ "$(target_peers)" -eq 0 ]
}

@test "microsocks: SOCKS5 without a password" {
	alone microsocks socks5 "127.0.0.1:{port}"
}

@test "microsocks: a password with @ : % and a space, percent-encoded in the chain" {
	alone microsocks socks5 "127.0.0.1:{port}" alice 'p@ss: w%rd' 'alice:p%40ss%3A%20w%25rd'
}

@test "microsocks: a wrong password is EACCES for hop 1, and the password appears nowhere" {
	start_target echo
	start_microsocks m alice 'p@ss: w%rd'
	through "socks5://alice:Wr0ngSecret@127.0.0.1:$m_PORT" "$CLIENT" 127.0.0.1 "$target_PORT"
	[ "$status" -eq 1 ]
	[[ ${lines[-1]} == "fail errno=EACCES "* ]]
	[[ $output == *"sockschain: 127.0.0.1:$target_PORT: hop 1 of 1 (socks5://alice:***@127.0.0.1:$m_PORT) "*"[EACCES]"* ]]
	[[ $output != *Wr0ngSecret* ]]
	[ -z "$(microsocks_asked m)" ]
	[ "$(target_peers)" -eq 0 ]
}

@test "ssh -D, SOCKS4: asked for the target's address" {
	alone ssh socks4 "socks4 127.0.0.1:{port}"
}

@test "ssh -D, SOCKS4A: hop 2 written as a name is asked for by that name" {
	start_target echo
	start_sshd sshd
	start_ssh_socks sd sshd
	start_microsocks m
	echo_through "socks4://127.0.0.1:$sd_PORT socks5://localhost:$m_PORT"
	[ "$(ssh_socks_asked sd)" = "socks4a localhost:$m_PORT" ]
	[ "$(microsocks_asked m)" = "127.0.0.1:$target_PORT" ]
}

@test "ssh -D, SOCKS5: curl gets the page" {
	start_target http
	start_sshd sshd
	start_ssh_socks sd sshd
	curl_through "socks5://127.0.0.1:$sd_PORT" /ssh-socks5
	[ "$(ssh_socks_asked sd)" = "socks5 127.0.0.1:$target_PORT" ]
}

@test "ssh -D, SOCKS5: hop 2 written as a name is asked for by that name" {
	start_target echo
	start_sshd sshd
	start_ssh_socks sd sshd
	start_danted d
	echo_through "socks5://127.0.0.1:$sd_PORT socks4://localhost:$d_PORT"
	[ "$(ssh_socks_asked sd)" = "socks5 localhost:$d_PORT" ]
	[[ $(danted_asked d) == "socks4 127.0.0.1:$target_PORT from "* ]]
}

@test "ssh -D refusing a forward just hangs up: EPROTO, naming the hop, nothing reaches the target" {
	start_target echo
	start_sshd sshd
	start_ssh_socks sd sshd
	# 127.0.0.2 is not in the sshd's PermitOpen.
	through "socks5://127.0.0.1:$sd_PORT" "$CLIENT" 127.0.0.2 "$target_PORT"
	[ "$status" -eq 1 ]
	[[ ${lines[-1]} == "fail errno=EPROTO "* ]]
	[[ $output == *"sockschain: 127.0.0.2:$target_PORT: hop 1 of 1 (socks5://127.0.0.1:$sd_PORT) closed the connection during its reply [EPROTO]"* ]]
	[ "$(ssh_socks_asked sd)" = "socks5 127.0.0.2:$target_PORT" ]
	grep -q 'open failed: administratively prohibited' "$BATS_TEST_TMPDIR/sd.log"
	[ "$(target_peers)" -eq 0 ]
}

@test "tinyproxy: HTTP CONNECT, the echo comes back" {
	alone tinyproxy http "CONNECT 127.0.0.1:{port} HTTP/1.1"
}

@test "tinyproxy with Basic auth: curl gets the page" {
	start_target http
	start_tinyproxy t bob open-sesame.1
	# %2D is "-": HTTP userinfo is percent-decoded too
	curl_through "http://bob:open%2Dsesame.1@127.0.0.1:$t_PORT" /basic-auth
	[ "$(tinyproxy_asked t)" = "CONNECT 127.0.0.1:$target_PORT HTTP/1.1" ]
}

@test "tinyproxy, wrong password: EACCES, and the message quotes its status line" {
	start_target echo
	start_tinyproxy t bob open-sesame.1
	through "http://bob:Wr0ngSecret@127.0.0.1:$t_PORT" "$CLIENT" 127.0.0.1 "$target_PORT"
	[ "$status" -eq 1 ]
	[[ ${lines[-1]} == "fail errno=EACCES "* ]]
	[ "$(tinyproxy_asked t)" = "CONNECT 127.0.0.1:$target_PORT HTTP/1.1" ]
	[ "$(target_peers)" -eq 0 ]
	[[ $output != *Wr0ngSecret* ]]
	# What tinyproxy answers a wrong password: 401 up to 1.11.1, 407 after.
	refusal=$(http_refusal "$t_PORT")
	[[ $refusal == "HTTP/1."[01]" 40"[17]" "* ]]
	[[ $output == *"sockschain: 127.0.0.1:$target_PORT: hop 1 of 1 (http://bob:***@127.0.0.1:$t_PORT) "*"for 127.0.0.1:$target_PORT: \"$refusal\" [EACCES]"* ]]
}

# ---- chains of them ---------------------------------------------------------

@test "microsocks, danted (SOCKS5), tinyproxy: curl gets the page, each asked for the next" {
	start_target http
	start_microsocks m
	start_danted d
	start_tinyproxy t
	curl_through "socks5://127.0.0.1:$m_PORT socks5://127.0.0.1:$d_PORT
	              http://127.0.0.1:$t_PORT" /three-servers
	[ "$(microsocks_asked m)" = "127.0.0.1:$d_PORT" ]
	[[ $(danted_asked d) == "socks5 127.0.0.1:$t_PORT from "* ]]
	[ "$(tinyproxy_asked t)" = "CONNECT 127.0.0.1:$target_PORT HTTP/1.1" ]
}

@test "ssh -D (SOCKS4), tinyproxy, microsocks with a password: the echo comes back" {
	start_target echo
	start_sshd sshd
	start_ssh_socks sd sshd
	start_tinyproxy t
	start_microsocks m alice 'p@ss: w%rd'
	echo_through "socks4://127.0.0.1:$sd_PORT http://127.0.0.1:$t_PORT
	              socks5://alice:p%40ss%3A%20w%25rd@127.0.0.1:$m_PORT"
	[ "$(ssh_socks_asked sd)" = "socks4 127.0.0.1:$t_PORT" ]
	[ "$(tinyproxy_asked t)" = "CONNECT 127.0.0.1:$m_PORT HTTP/1.1" ]
	[ "$(microsocks_asked m)" = "127.0.0.1:$target_PORT" ]
}

@test "every server in one chain of five hops, with passwords: curl gets the page" {
	start_target http
	start_danted d1
	start_sshd sshd
	start_ssh_socks sd sshd
	start_tinyproxy t bob open-sesame.1
	start_microsocks m alice 'p@ss: w%rd'
	start_danted d2
	curl_through "socks4://127.0.0.1:$d1_PORT socks5://127.0.0.1:$sd_PORT
	              http://bob:open-sesame.1@127.0.0.1:$t_PORT
	              socks5://alice:p%40ss%3A%20w%25rd@127.0.0.1:$m_PORT
	              socks5://127.0.0.1:$d2_PORT" /five-hops
	[[ $(danted_asked d1) == "socks4 127.0.0.1:$sd_PORT from "* ]]
	[ "$(ssh_socks_asked sd)" = "socks5 127.0.0.1:$t_PORT" ]
	[ "$(tinyproxy_asked t)" = "CONNECT 127.0.0.1:$m_PORT HTTP/1.1" ]
	[ "$(microsocks_asked m)" = "127.0.0.1:$d2_PORT" ]
	[[ $(danted_asked d2) == "socks5 127.0.0.1:$target_PORT from "* ]]
}

# ---- servers that speak first -----------------------------------------------

@test "ssh logs in to sshd through microsocks and tinyproxy: the banner survives the HTTP reply" {
	start_sshd sshd
	start_microsocks m
	start_tinyproxy t
	require ssh ssh
	through "socks5://127.0.0.1:$m_PORT http://127.0.0.1:$t_PORT" \
		"$ssh" "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$sshd_KEY" -p "$sshd_PORT" \
		root@127.0.0.1 echo through-the-chain
	[ "$status" -eq 0 ]
	[[ $'\n'$output$'\n' == *$'\nthrough-the-chain\n'* ]]
	[ "$(microsocks_asked m)" = "127.0.0.1:$t_PORT" ]
	[ "$(tinyproxy_asked t)" = "CONNECT 127.0.0.1:$sshd_PORT HTTP/1.1" ]
	[ "$(grep -c 'Accepted publickey for root from 127.0.0.1' <(sshd_log sshd))" -eq 1 ]
}

@test "a banner right behind tinyproxy's 200 reaches the client whole, ten times over" {
	start_target banner
	start_tinyproxy t
	# Whether the banner arrives along with the 200 is up to timing: most of
	# the time it does, so ten connections all but surely include such a case.
	through "http://127.0.0.1:$t_PORT" "$CLIENT" --count 10 --summary \
		--read-first 'SSH-2.0-sockschain-target\r\n' --send 'after the banner\n' \
		--expect 'after the banner\n' 127.0.0.1 "$target_PORT"
	[ "$status" -eq 0 ]
	[ "$output" = "connections=10 ok=10 fail=0" ]
	run tinyproxy_asked t
	[ "${#lines[@]}" -eq 10 ]
	[ "$(sort -u <<<"$output")" = "CONNECT 127.0.0.1:$target_PORT HTTP/1.1" ]
}

# ---- names asked of a hop ---------------------------------------------------

@test "tinyproxy asked for a name: hop 2 written as localhost is CONNECT localhost" {
	start_target echo
	start_tinyproxy t
	start_microsocks m
	echo_through "http://127.0.0.1:$t_PORT socks5://localhost:$m_PORT"
	[ "$(tinyproxy_asked t)" = "CONNECT localhost:$m_PORT HTTP/1.1" ]
	[ "$(microsocks_asked m)" = "127.0.0.1:$target_PORT" ]
}

@test "microsocks asked for a name: hop 2 written as localhost goes to it as a name" {
	start_target http
	start_microsocks m
	start_tinyproxy t
	curl_through "socks5://127.0.0.1:$m_PORT http://localhost:$t_PORT" /socks5-name
	[ "$(microsocks_asked m)" = "localhost:$t_PORT" ]
	[ "$(tinyproxy_asked t)" = "CONNECT 127.0.0.1:$target_PORT HTTP/1.1" ]
}

# ---- a destination by name, resolved by the last hop -----------------------

# The program's own lookup gets a stand-in address (dns=remote, the default),
# and the last hop is asked for the name, which it resolves from /etc/hosts.

@test "ssh -D, SOCKS4A: curl by name, ssh is asked for the name and resolves it" {
	hosts_name
	start_target http
	start_sshd sshd
	start_ssh_socks sd sshd
	curl_by_name "socks4://127.0.0.1:$sd_PORT" /ssh-by-name
	[ "$(ssh_socks_asked sd)" = "socks4a $TARGET_NAME:$target_PORT" ]
}

@test "microsocks then tinyproxy: curl by name, tinyproxy is asked to CONNECT the name" {
	hosts_name
	start_target http
	start_microsocks m
	start_tinyproxy t
	curl_by_name "socks5://127.0.0.1:$m_PORT http://127.0.0.1:$t_PORT" /http-by-name
	[ "$(microsocks_asked m)" = "127.0.0.1:$t_PORT" ]
	[ "$(tinyproxy_asked t)" = "CONNECT $TARGET_NAME:$target_PORT HTTP/1.1" ]
}

@test "tinyproxy then microsocks: curl by name, microsocks is asked for the name" {
	hosts_name
	start_target http
	start_tinyproxy t
	start_microsocks m
	curl_by_name "http://127.0.0.1:$t_PORT socks5://127.0.0.1:$m_PORT" /socks5-by-name
	[ "$(tinyproxy_asked t)" = "CONNECT 127.0.0.1:$m_PORT HTTP/1.1" ]
	[ "$(microsocks_asked m)" = "$TARGET_NAME:$target_PORT" ]
}

@test "danted, SOCKS4, asked for a destination by name: reply 91, and the message says why" {
	hosts_name
	start_target http
	start_danted d
	need_curl
	through "socks4://127.0.0.1:$d_PORT" curl -sS --max-time 20 "http://$TARGET_NAME:$target_PORT/"
	[ "$status" -ne 0 ]
	[[ $output == *"sockschain: $TARGET_NAME:$target_PORT: hop 1 of 1 (socks4://127.0.0.1:$d_PORT) rejected or failed (SOCKS4 reply 91) for $TARGET_NAME:$target_PORT (a SOCKS4 server without SOCKS4A refuses host names) [ECONNREFUSED]"* ]]
	[ "$(target_peers)" -eq 0 ]
}
