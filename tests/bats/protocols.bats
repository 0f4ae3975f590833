# SOCKS4A, SOCKS5 (with and without a password) and HTTP CONNECT against the
# test proxy, alone and mixed, and every way each can fail.
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	start_target echo
}

teardown() {
	stop_servers
}

# via SPEC CLIENT_ARGS...: the client through SPEC.
via() {
	local spec=$1
	shift
	run "$SOCKSCHAIN" -c "$spec timeout=2" "$CLIENT" "$@"
}

# The rows of the tables below start a fresh test proxy, p1, with FLAGS (its
# log empty), and write its port as PORT in SPEC.
proxy_again() {
	stop_servers
	rm -f "$BATS_TEST_TMPDIR/p1.log"
	start_target echo
	start_proxy p1 "$@"
}

# carries SPEC DEST_PORT LOGGED [FLAGS...]: the client's bytes come back from
# $REMOTE:DEST_PORT through SPEC, and the proxy logged "LOGGED dest=...".
carries() {
	local spec=$1 port=$2 logged=$3
	shift 3
	proxy_again "$@"
	via "${spec//PORT/$p1_PORT}" --send c --expect c "$REMOTE" "$port"
	[ "$status" -eq 0 ] || { echo "$spec: $output"; false; }
	[[ $(proxy_log p1) == "$logged dest=$REMOTE:$port "*granted ]]
}

# fails SPEC ERRNO WHY [FLAGS...]: the client's connection through SPEC fails
# with ERRNO, and the message says WHY (if not empty).
fails() {
	local spec=$1 errno=$2 why=$3
	shift 3
	proxy_again "$@"
	via "${spec//PORT/$p1_PORT}" "$REMOTE" 80
	[[ $output == *"fail errno=$errno"* ]] || { echo "$spec: $output"; false; }
	[[ $output == *"$why"* ]]
}

@test "SOCKS5 without a password" {
	carries "socks5://127.0.0.1:PORT" 80 "proto=socks5 user=-"
}

@test "SOCKS5 with a password that holds @ : % and a space, percent-encoded in the URL" {
	carries "socks5://alice:p%40ss%3Aw%25rd%20x@127.0.0.1:PORT" 80 "proto=socks5 user=alice" -u 'alice:p@ss:w%rd x'
}

@test "SOCKS5 wrong password: EACCES, and the password appears nowhere" {
	start_proxy p1 -u 'alice:right'
	run "$SOCKSCHAIN" -v -c "socks5://alice:Wr0ngSecret@127.0.0.1:$p1_PORT" "$CLIENT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"fail errno=EACCES"* ]]
	[[ $output == *"(socks5://alice:***@127.0.0.1:$p1_PORT) rejected the user name or password"* ]]
	[[ $output != *Wr0ngSecret* ]]
}

@test "SOCKS5 server that wants a password the chain does not give: EACCES" {
	fails "socks5://127.0.0.1:PORT" EACCES "wants authentication, and the chain gives no user for it" -u 'alice:right'
}

@test "SOCKS5 server picks a method we did not offer: EPROTO" {
	fails "socks5://127.0.0.1:PORT" EPROTO "chose an authentication method that was not offered" -f method=2
}

@test "SOCKS5 auth failure reply: EACCES" {
	fails "socks5://bob:pw@127.0.0.1:PORT" EACCES "" -f authfail
}

@test "SOCKS5 reply codes map to the errno table" {
	# EOPNOTSUPP and ENOTSUP are one value on Linux; the client prints the latter
	local want=(x ECONNREFUSED EACCES ENETUNREACH EHOSTUNREACH ECONNREFUSED ETIMEDOUT ENOTSUP EAFNOSUPPORT)
	for code in 1 2 3 4 5 6 7 8; do
		fails "socks5://127.0.0.1:PORT" "${want[$code]} " "(SOCKS5 reply $code: " -f "rep=$code"
	done
	[ ! -s "$BATS_TEST_TMPDIR/target.log" ]
}

@test "SOCKS5 truncated, garbage and hanging replies" {
	fails "socks5://127.0.0.1:PORT" EPROTO "" -f truncate
	fails "socks5://127.0.0.1:PORT" EPROTO "not SOCKS5" -f garbage
	fails "socks5://127.0.0.1:PORT" ETIMEDOUT "" -f hang
}

@test "SOCKS5 reply read exactly: tunnel bytes sent with it reach the program" {
	start_proxy p1 -f dataafter
	via "socks5://127.0.0.1:$p1_PORT" --read-first 'TUNNEL-FIRST\n' "$REMOTE" 80
	[ "$status" -eq 0 ]
}

@test "SOCKS5 and HTTP carry IPv6 destinations; SOCKS4 refuses them clearly" {
	start_proxy p1
	via "socks5://127.0.0.1:$p1_PORT" --send v6 --expect v6 2001:2::7 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == "proto=socks5 user=- dest=[2001:2::7]:80 "*granted ]]
	start_proxy p2
	via "http://127.0.0.1:$p2_PORT" --send v6 --expect v6 2001:2::8 443
	[ "$status" -eq 0 ]
	[[ $(proxy_log p2) == "proto=http user=- dest=[2001:2::8]:443 "*granted ]]
	via "socks4://127.0.0.1:$p1_PORT" 2001:2::9 80
	[[ $output == *"fail errno=EAFNOSUPPORT"* ]]
}

@test "an IPv6 first hop, for an IPv6 socket; an IPv6 later hop, for any socket" {
	start_server p6 "$TESTPROXY" -b ::1 -T "127.0.0.1:$target_PORT"
	start_proxy p1
	via "socks5://[::1]:$p6_PORT" --v6 --send a --expect a "$REMOTE" 80
	[ "$status" -eq 0 ]
	via "socks5://127.0.0.1:$p1_PORT socks5://[::1]:$p6_PORT" --send b --expect b "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == *"dest=[::1]:$p6_PORT "*granted ]]
	via "socks5://[::1]:$p6_PORT" "$REMOTE" 80
	[[ $output == *"fail errno=EAFNOSUPPORT"* ]]
	[[ $output == *"is an IPv6 address, and the program's socket is IPv4"* ]]
	via "socks4://127.0.0.1:$p1_PORT socks5://[::1]:$p6_PORT" "$REMOTE" 80
	[[ $output == *"speaks SOCKS4, which cannot carry the IPv6 address [::1]:$p6_PORT"* ]]
}

@test "SOCKS4A: a hop written as a name is asked for by name, never looked up here" {
	start_proxy p1
	start_proxy p2
	via "socks4://127.0.0.1:$p1_PORT socks4a://localhost:$p2_PORT" --send a --expect a "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == "proto=socks4a user=- dest=localhost:$p2_PORT "*granted ]]
	[[ $(proxy_log p2) == "proto=socks4 user=- dest=$REMOTE:80 "*granted ]]
}

@test "a SOCKS4 hop refusing a name says it may lack SOCKS4A" {
	start_proxy p1 -f refuse
	via "socks4://127.0.0.1:$p1_PORT socks5://localhost:1" "$REMOTE" 80
	[[ $output == *"fail errno=ECONNREFUSED"* ]]
	[[ $output == *"for localhost:1 (a SOCKS4 server without SOCKS4A refuses host names)"* ]]
}

@test "HTTP CONNECT, plain and with Basic auth" {
	carries "http://127.0.0.1:PORT" 80 "proto=http user=-"
	carries "http://carol:s3%20cr%40t@127.0.0.1:PORT" 81 "proto=http user=carol" -u 'carol:s3 cr@t'
}

@test "HTTP 407: EACCES with the status line quoted, no password shown" {
	start_proxy p1 -u 'carol:right'
	via "http://carol:Wr0ngSecret@127.0.0.1:$p1_PORT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"fail errno=EACCES"* ]]
	[[ $output == *"(http://carol:***@127.0.0.1:$p1_PORT) wants proxy credentials, or rejected ours for $REMOTE:80: \"HTTP/1.1 407 Proxy Authentication Required\""* ]]
	[[ $output != *Wr0ngSecret* ]]
}

@test "HTTP statuses: any 2xx opens, others fail with their errno" {
	local -A want=([201]=ok [299]=ok [403]=EACCES [502]=ECONNREFUSED [504]=ETIMEDOUT [404]=ECONNREFUSED)
	for code in "${!want[@]}"; do
		stop_servers
		start_target echo
		start_proxy p1 -f "status=$code"
		via "http://127.0.0.1:$p1_PORT" --send s --expect s "$REMOTE" 80
		if [[ ${want[$code]} == ok ]]; then
			[ "$status" -eq 0 ] || { echo "status=$code: $output"; false; }
		else
			[[ $output == *"fail errno=${want[$code]} "* ]] || { echo "status=$code: $output"; false; }
			[[ $output == *"\"HTTP/1.1 $code "* ]]
		fi
	done
}

@test "HTTP headers that never end: EPROTO at the cap, well before the timeout" {
	start_proxy p1 -f noend
	run "$SOCKSCHAIN" -c "http://127.0.0.1:$p1_PORT timeout=20" "$CLIENT" "$REMOTE" 80
	[[ $output == *"fail errno=EPROTO"* ]]
	[[ $output == *"sent response headers longer than 8192 bytes"* ]]
}

@test "HTTP garbage and truncated responses: EPROTO" {
	fails "http://127.0.0.1:PORT" EPROTO "not HTTP" -f garbage
	fails "http://127.0.0.1:PORT" EPROTO "" -f truncate
}

@test "HTTP: bytes after the headers belong to the program (a server that speaks first)" {
	start_proxy p1 -f dataafter
	via "http://127.0.0.1:$p1_PORT" --read-first 'TUNNEL-FIRST\n' "$REMOTE" 80
	[ "$status" -eq 0 ]
	stop_servers
	start_target banner
	start_proxy p1 -f split
	via "http://127.0.0.1:$p1_PORT" --read-first 'SSH-2.0-sockschain-target\r\n' --send x --expect x "$REMOTE" 22
	[ "$status" -eq 0 ]
}

@test "HTTP: 1xx interim responses before the 200 are skipped, exactly (RFC 9110 section 15.2)" {
	start_proxy p1 -f interim
	via "http://127.0.0.1:$p1_PORT" --read-first 'TUNNEL-FIRST\n' --send x --expect x "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == "ok "* ]]
	# pipelined too, behind a SOCKS5 hop; and a refusal after them is still a refusal
	start_proxy p2
	via "socks5://127.0.0.1:$p2_PORT http://127.0.0.1:$p1_PORT pipeline=yes" \
		--read-first 'TUNNEL-FIRST\n' "$REMOTE" 80
	[ "$status" -eq 0 ]
	stop_servers; start_target echo
	start_proxy p1 -f interim -u user:right
	via "http://user:wrong@127.0.0.1:$p1_PORT" "$REMOTE" 80
	[[ $output == *"fail errno=EACCES"* ]]
	[[ $output == *'"HTTP/1.1 407 '* ]]
}

@test "a mixed chain: SOCKS5 with password, HTTP named by the hop before, SOCKS4A, SOCKS4" {
	start_proxy p1 -u 'u1:pw1'
	start_proxy p2
	start_proxy p3
	start_proxy p4
	via "socks5://u1:pw1@127.0.0.1:$p1_PORT http://localhost:$p2_PORT socks4://localhost:$p3_PORT socks4://127.0.0.1:$p4_PORT" \
		--send mixed --expect mixed "$REMOTE" 9999
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == "proto=socks5 user=u1 dest=localhost:$p2_PORT "*granted ]]
	[[ $(proxy_log p2) == "proto=http user=- dest=localhost:$p3_PORT "*granted ]]
	[[ $(proxy_log p3) == "proto=socks4 user=- dest=127.0.0.1:$p4_PORT "*granted ]]
	[[ $(proxy_log p4) == "proto=socks4 user=- dest=$REMOTE:9999 "*granted ]]
}

@test "-v shows each hop with its scheme and masks passwords" {
	start_proxy p1 -u 'u:topsecret'
	start_proxy p2
	run "$SOCKSCHAIN" -v -c "socks5://u:topsecret@127.0.0.1:$p1_PORT http://127.0.0.1:$p2_PORT" "$CLIENT" "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"via socks5://u:***@127.0.0.1:$p1_PORT ("*" ms) -> http://127.0.0.1:$p2_PORT ("*"connected"* ]]
	[[ $output != *topsecret* ]]
}
