# Programs through chains of one and three SOCKS4 hops: what they receive and
# what each hop was asked.
load ../lib/common

setup() {
	start_target http
}

teardown() {
	stop_servers
}

@test "one hop: curl gets the page, the hop was asked for the destination" {
	need_curl
	start_proxy p1
	run env SOCKS_CHAIN="$(hop p1)" "$SOCKSCHAIN" curl -sS --max-time 10 "http://$REMOTE/hello"
	[ "$status" -eq 0 ]
	[[ $output == *"hello from target"* ]]
	[[ $output == *"request: GET /hello HTTP/1.1"* ]]
	run proxy_log p1
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == "proto=socks4 user=- dest=$REMOTE:80 "*"result=granted" ]]
}

@test "three hops: each hop is asked for the next, with its own user id, in order" {
	need_curl
	start_proxy p1
	start_proxy p2
	start_proxy p3
	chain="socks4://alice@127.0.0.1:$p1_PORT, socks4://bob@127.0.0.1:$p2_PORT
	       socks4://127.0.0.1:$p3_PORT"
	run "$SOCKSCHAIN" -c "$chain" curl -sS --max-time 10 "http://$REMOTE:8080/three"
	[ "$status" -eq 0 ]
	[[ $output == *"request: GET /three HTTP/1.1"* ]]
	[[ $(proxy_log p1) == "proto=socks4 user=alice dest=127.0.0.1:$p2_PORT "*granted ]]
	[[ $(proxy_log p2) == "proto=socks4 user=bob dest=127.0.0.1:$p3_PORT "*granted ]]
	[[ $(proxy_log p3) == "proto=socks4 user=- dest=$REMOTE:8080 "*granted ]]
}

@test "curl reports the destination as its peer, not the first hop" {
	need_curl
	start_proxy p1
	run "$SOCKSCHAIN" -c "$(hop p1)" curl -sS -o /dev/null -w '%{remote_ip}:%{remote_port}' \
		--max-time 10 "http://$REMOTE:81/"
	[ "$status" -eq 0 ]
	[ "$output" = "$REMOTE:81" ]
}

@test "nc talks to a server that speaks first, through two hops" {
	command -v nc >/dev/null || missing "nc is not installed"
	stop_servers
	start_target banner
	start_proxy p1
	start_proxy p2
	run bash -c "printf 'ping\n' | timeout 10 '$SOCKSCHAIN' -c '$(hop p1) $(hop p2)' nc -N $REMOTE 22"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = $'SSH-2.0-sockschain-target\r' ]
	[ "${lines[1]}" = "ping" ]
	[[ $(proxy_log p2) == *"dest=$REMOTE:22 "* ]]
}

@test "socat through the chain" {
	command -v socat >/dev/null || missing "socat is not installed"
	stop_servers
	start_target echo
	start_proxy p1
	run bash -c "printf 'hello socat\n' | timeout 10 '$SOCKSCHAIN' -c '$(hop p1)' socat - TCP:$REMOTE:7"
	[ "$status" -eq 0 ]
	[ "$output" = "hello socat" ]
	[[ $(proxy_log p1) == *"dest=$REMOTE:7 "* ]]
}

@test "three hops for the test client: each hop asked for the next, in order" {
	stop_servers
	start_target echo
	start_proxy p1
	start_proxy p2
	start_proxy p3
	run "$SOCKSCHAIN" -c "socks4://u1@127.0.0.1:$p1_PORT socks4://u2@127.0.0.1:$p2_PORT $(hop p3)" \
		"$CLIENT" --send 'abc\n' --expect 'abc\n' "$REMOTE" 4242
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == "proto=socks4 user=u1 dest=127.0.0.1:$p2_PORT "*granted ]]
	[[ $(proxy_log p2) == "proto=socks4 user=u2 dest=127.0.0.1:$p3_PORT "*granted ]]
	[[ $(proxy_log p3) == "proto=socks4 user=- dest=$REMOTE:4242 "*granted ]]
}

@test "the test client sees its echo come back through the chain" {
	stop_servers
	start_target echo
	start_proxy p1
	start_proxy p2
	run "$SOCKSCHAIN" -c "$(hop p1) $(hop p2)" "$CLIENT" --send 'abc\n' --expect 'abc\n' "$REMOTE" 7
	[ "$status" -eq 0 ]
	[[ $output == ok* ]]
}

@test "a connection that skips the chain cannot reach anything here (the namespace is proven)" {
	need_netns
	run "$CLIENT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"errno=ENETUNREACH"* ]]
}
