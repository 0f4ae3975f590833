# Migrating from proxychains: its proxychains.conf read as it is, --print, and
# PROXYCHAINS_CONF_FILE.
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	start_target echo
	no_chain_anywhere
	CONF=$BATS_TEST_TMPDIR/pc.conf
}

teardown() {
	stop_servers
}

# write_conf < TEXT: the proxychains.conf under test, readable by its owner only.
write_conf() {
	cat >"$CONF"
	chmod 600 "$CONF"
}

# A port nothing listens on: a server started and stopped again.
dead_port() {
	start_server dead "$TESTPROXY"
	kill "$(tail -n 1 "$BATS_TEST_TMPDIR/server.pids")"
	wait "$(tail -n 1 "$BATS_TEST_TMPDIR/server.pids")" 2>/dev/null || true
	echo "$dead_PORT"
}

@test "--print: every proxychains directive lands on its option" {
	write_conf <<-EOF
	# from proxychains
	round_robin_chain
	chain_len = 2
	quiet_mode
	proxy_dns
	remote_dns_subnet 10
	tcp_read_time_out 15000
	tcp_connect_time_out 8000
	localnet 127.0.0.0/255.0.0.0
	localnet 192.168.1.0:80/255.255.255.0
	localnet ::1/128
	localnet [fd00::]:443/8

	[ProxyList]
	socks5	127.0.0.1 1080 alice s3cr@t:%#x
	http 198.18.0.1 3128 bob hidden
	socks4 127.0.0.1 1081 carol
	socks5://dave:pw@[::1]:1082
	EOF
	run "$SOCKSCHAIN" -f "$CONF" --print
	[ "$status" -eq 0 ]
	[[ ${lines[1]} == "# from $CONF (-f), translated from proxychains format" ]]
	[[ $output == *"# passwords are shown as ***"* ]]
	[[ $output == *"# quiet_mode: messages as with -q"* ]]
	[[ $output == *$'\nmode=round_robin hops=2 timeout=15 pipeline=no\nsocks5://alice:***@127.0.0.1:1080\nhttp://bob:***@198.18.0.1:3128\nsocks4://carol@127.0.0.1:1081\nsocks5://dave:***@[::1]:1082\n'* ]]
	[[ $output == *$'\nretry_after=30 dns=remote fake_range=10.0.0.0/8 fake_reuse_after=3600 udp=block\n'* ]]
	[[ $output == *$'\nbypass=none bypass=127.0.0.0/8 bypass=::1/128\n'* ]]
	[[ $output == *$'\nroute=192.168.1.0/24:80->direct\nroute=[fd00::]/8:443->direct'* ]]
	[[ $output != *s3cr* && $output != *hidden* && $output != *:pw@* ]]
}

@test "chain types, chain_len and the timeouts; proxychains' defaults where the file is silent" {
	for mode in strict dynamic random round_robin; do
		printf '%s_chain\n[ProxyList]\nsocks5 127.0.0.1 1080\n' "$mode" | write_conf
		run "$SOCKSCHAIN" -f "$CONF" --print
		[ "$status" -eq 0 ]
		[[ $output == *$'\nmode='"$mode "* ]]
	done
	# random takes one proxy per connection unless chain_len says more
	[[ $output == *$'\nmode=round_robin hops=1 timeout=10 pipeline=no\n'* ]]
	printf 'tcp_read_time_out 2500\ntcp_connect_time_out 1200\n[ProxyList]\nhttp 127.0.0.1 3128\n' | write_conf
	run "$SOCKSCHAIN" -f "$CONF" --print
	[[ $output == *$'\nmode=dynamic timeout=2.5 pipeline=no\n'* ]]
	[[ $output == *" dns=local "* ]]
	[[ $output == *"# note: no proxy_dns: names are resolved here"* ]]
	# the launcher says so when it runs something
	run "$SOCKSCHAIN" -f "$CONF" true
	[ "$status" -eq 0 ]
	[ "$output" = "sockschain: $CONF: note: no proxy_dns: names are resolved here, by the local resolver, which tells the local network every name (dns=local, as proxychains does)" ]
}

@test "proxy_dns_old and proxy_dns_daemon resolve by the last hop, with a note saying how" {
	printf 'proxy_dns_daemon 127.0.0.1:1053\n[ProxyList]\nsocks5 127.0.0.1 1080\n' | write_conf
	run "$SOCKSCHAIN" -f "$CONF" --print
	[[ $output == *" dns=remote "* ]]
	[[ $output == *"# note: line 1: proxy_dns_daemon: names are resolved by the last hop"* ]]
	printf 'proxy_dns_old\n[ProxyList]\nsocks5 127.0.0.1 1080\n' | write_conf
	run "$SOCKSCHAIN" -f "$CONF" true
	[ "$status" -eq 0 ]
	[[ $output == "sockschain: $CONF:1: note: proxy_dns_old: names are resolved by the last hop"* ]]
}

@test "--print's output is a chain file that prints the same" {
	printf 'strict_chain\nproxy_dns\nlocalnet 10.0.0.0/8\n[ProxyList]\nsocks5 127.0.0.1 1080 u p\n' | write_conf
	run "$SOCKSCHAIN" -f "$CONF" --print
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/saved.chain"
	chmod 600 "$BATS_TEST_TMPDIR/saved.chain"
	run "$SOCKSCHAIN" -f "$BATS_TEST_TMPDIR/saved.chain" --print
	[ "$status" -eq 0 ]
	diff <(grep -v '^#' "$BATS_TEST_TMPDIR/saved.chain") <(grep -v '^#' <<<"$output")
	[[ ${lines[1]} == "# from $BATS_TEST_TMPDIR/saved.chain (-f)" ]]
}

@test "--print of our own spec: the source, the password as ***, and a bad spec exits 125" {
	run "$SOCKSCHAIN" -c "socks5://me:Secret1@127.0.0.1:1080 chain=tor socks5h://127.0.0.1:9050 route=*.onion->tor" --print
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "# from -c" ]
	[[ $output == *$'\nsocks5://me:***@127.0.0.1:1080\n'* ]]
	[[ $output == *$'\nchain=tor\nmode=strict timeout=10 pipeline=no\nsocks5://127.0.0.1:9050\n'* ]]
	[[ $output == *$'\nroute=*.onion->tor'* ]]
	[[ $output != *Secret1* ]]
	run "$SOCKSCHAIN" -c "socks5://me:Secret1@127.0.0.1:99999" --print
	[ "$status" -eq 125 ]
	[[ $output == *'"socks5://me:***@127.0.0.1:99999": bad port'* && $output != *Secret1* ]]
}

@test "a strict chain from a proxychains.conf carries a connection through both hops" {
	start_proxy p1
	start_proxy p2
	printf 'strict_chain\n[ProxyList]\nsocks4 127.0.0.1 %s\nsocks5 127.0.0.1 %s\n' "$p1_PORT" "$p2_PORT" | write_conf
	run "$SOCKSCHAIN" -f "$CONF" "$CLIENT" --send hello --expect hello "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == "proto=socks4 user=- dest=127.0.0.1:$p2_PORT "*granted ]]
	[[ $(proxy_log p2) == "proto=socks5 user=- dest=$REMOTE:80 "*granted ]]
}

@test "a dynamic chain from a proxychains.conf skips a dead proxy" {
	start_proxy p2
	dead=$(dead_port)
	printf 'dynamic_chain\n[ProxyList]\nsocks5 127.0.0.1 %s\nsocks5 127.0.0.1 %s\n' "$dead" "$p2_PORT" | write_conf
	run "$SOCKSCHAIN" -f "$CONF" "$CLIENT" --send hi --expect hi "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p2) == "proto=socks5 user=- dest=$REMOTE:80 "*granted ]]
	# strict, the same proxies fail
	sed -i 's/^dynamic_chain/strict_chain/' "$CONF"
	run "$SOCKSCHAIN" -f "$CONF" "$CLIENT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"fail errno=ECONNREFUSED"* ]]
}

@test "proxy_dns: the proxy is asked for the name" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	start_proxy p1
	printf 'proxy_dns\n[ProxyList]\nsocks5 127.0.0.1 %s\n' "$p1_PORT" | write_conf
	run "$SOCKSCHAIN" -f "$CONF" python3 -c "
import socket
s = socket.create_connection(('www.secret.test', 80), timeout=10)
s.sendall(b'by name'); print(s.recv(100).decode())"
	[ "$status" -eq 0 ]
	[ "$output" = "by name" ]
	[[ $(proxy_log p1) == "proto=socks5 user=- dest=www.secret.test:80 "*granted ]]
}

@test "loopback goes through the proxies as in proxychains, unless a localnet says otherwise" {
	start_proxy p1
	printf '[ProxyList]\nsocks4 127.0.0.1 %s\n' "$p1_PORT" | write_conf
	run "$SOCKSCHAIN" -q -f "$CONF" "$CLIENT" --send a --expect a 127.0.0.1 "$target_PORT"
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == *"dest=127.0.0.1:$target_PORT "*granted ]]
	: >"$BATS_TEST_TMPDIR/p1.log"
	printf 'localnet 127.0.0.0/255.0.0.0\n[ProxyList]\nsocks4 127.0.0.1 %s\n' "$p1_PORT" | write_conf
	run "$SOCKSCHAIN" -q -f "$CONF" "$CLIENT" --send b --expect b 127.0.0.1 "$target_PORT"
	[ "$status" -eq 0 ]
	[ ! -s "$BATS_TEST_TMPDIR/p1.log" ]
	# with a port: only that port goes direct
	printf 'localnet 127.0.0.1:%s/32\n[ProxyList]\nsocks4 127.0.0.1 %s\n' "$target_PORT" "$p1_PORT" | write_conf
	run "$SOCKSCHAIN" -q -f "$CONF" "$CLIENT" --send c --expect c 127.0.0.1 "$target_PORT"
	[ "$status" -eq 0 ]
	[ ! -s "$BATS_TEST_TMPDIR/p1.log" ]
	run "$SOCKSCHAIN" -q -f "$CONF" "$CLIENT" --send d --expect d "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == *"dest=$REMOTE:80 "*granted ]]
}

@test "credentials reach the proxy exactly: socks5 and http" {
	start_proxy p1 -5 -u 'alice:s3cr@t:%#x'
	start_proxy p2 -H -u 'bob:p%40ss'
	printf '[ProxyList]\nsocks5 127.0.0.1 %s alice s3cr@t:%%#x\nhttp 127.0.0.1 %s bob p%%40ss\n' \
		"$p1_PORT" "$p2_PORT" | write_conf
	run "$SOCKSCHAIN" -q -f "$CONF" "$CLIENT" --send k --expect k "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == "proto=socks5 user=alice dest=127.0.0.1:$p2_PORT "*granted ]]
	[[ $(proxy_log p2) == "proto=http user=bob dest=$REMOTE:80 "*granted ]]
	printf '[ProxyList]\nsocks5 127.0.0.1 %s alice wrong\n' "$p1_PORT" | write_conf
	run "$SOCKSCHAIN" -q -f "$CONF" "$CLIENT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"fail errno=EACCES"* ]]
}

@test "unsupported directives and proxies: file:line, what, exit 125; the library fails closed" {
	printf 'strict_chain\ndnat 1.1.1.1 1.1.1.2\n[ProxyList]\nsocks5 127.0.0.1 1080\n' | write_conf
	run "$SOCKSCHAIN" -f "$CONF" true
	[ "$status" -eq 125 ]
	[ "$output" = "sockschain: $CONF:2: \"dnat 1.1.1.1 1.1.1.2\": dnat is not supported: sockschain never rewrites a destination" ]
	printf '[ProxyList]\nraw 127.0.0.1 1080\n' | write_conf
	run "$SOCKSCHAIN" -f "$CONF" --print
	[ "$status" -eq 125 ]
	[[ $output == "sockschain: $CONF:2: \"raw 127.0.0.1 1080\": raw proxies are not supported"* ]]
	printf 'strict_chain\nblock_everything\n[ProxyList]\nsocks5 127.0.0.1 1080\n' | write_conf
	run "$SOCKSCHAIN" -f "$CONF" true
	[ "$status" -eq 125 ]
	[[ $output == *"$CONF:2: \"block_everything\": unknown proxychains directive"* ]]
	printf '[ProxyList]\nsocks5 127.0.0.1 99999 u hunter2\n' | write_conf
	run "$SOCKSCHAIN" -f "$CONF" true
	[ "$status" -eq 125 ]
	[ "$output" = "sockschain: $CONF:2: \"socks5 127.0.0.1 99999 u ***\": bad port \"99999\" (1-65535)" ]
	run preloaded SOCKS_CHAIN_FILE="$CONF" "$CLIENT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"refused, not connecting directly: $CONF:2:"*"bad port"* ]]
	[[ $output == *"fail errno=EACCES"* && $output != *hunter2* ]]
}

@test "the library reads a proxychains.conf from SOCKS_CHAIN_FILE as the launcher does" {
	start_proxy p1
	printf 'strict_chain\n[ProxyList]\nsocks5 127.0.0.1 %s\n' "$p1_PORT" | write_conf
	run preloaded SOCKS_CHAIN_FILE="$CONF" SOCKS_CHAIN_VERBOSE=3 "$CLIENT" --send x --expect x "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"chain from $CONF (SOCKS_CHAIN_FILE, proxychains format)"* ]]
	[[ $(proxy_log p1) == "proto=socks5 user=- dest=$REMOTE:80 "*granted ]]
}

@test "quiet_mode: failures are silent unless -v or SOCKS_CHAIN_VERBOSE asks" {
	start_proxy p1 -f refuse
	printf 'quiet_mode\nproxy_dns\n[ProxyList]\nsocks5 127.0.0.1 %s\n' "$p1_PORT" | write_conf
	run "$SOCKSCHAIN" -f "$CONF" "$CLIENT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == "fail errno=ECONNREFUSED"* && $output != *sockschain:* ]]
	run "$SOCKSCHAIN" -v -f "$CONF" "$CLIENT" "$REMOTE" 80
	[[ $output == *"sockschain: $REMOTE:80: hop 1 of 1"* ]]
	run preloaded SOCKS_CHAIN_FILE="$CONF" "$CLIENT" "$REMOTE" 80
	[[ $output == "fail errno=ECONNREFUSED"* && $output != *sockschain:* ]]
	run preloaded SOCKS_CHAIN_FILE="$CONF" SOCKS_CHAIN_VERBOSE=1 "$CLIENT" "$REMOTE" 80
	[[ $output == *"sockschain: $REMOTE:80: hop 1 of 1"* ]]
}

@test "PROXYCHAINS_CONF_FILE: after SOCKS_CHAIN and SOCKS_CHAIN_FILE, before the default files" {
	start_proxy p1
	printf 'proxy_dns\n[ProxyList]\nsocks5 127.0.0.1 %s\n' "$p1_PORT" | write_conf
	mkdir -p "$HOME/.config/sockschain"
	echo "home-loses" >"$HOME/.config/sockschain/chain"
	echo "file-wins" >"$BATS_TEST_TMPDIR/f.chain"
	export PROXYCHAINS_CONF_FILE=$CONF
	run "$SOCKSCHAIN" -v "$CLIENT" --send pc --expect pc "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "sockschain: chain from $CONF (PROXYCHAINS_CONF_FILE, proxychains format)" ]]
	[[ $(proxy_log p1) == *"dest=$REMOTE:80 "*granted ]]
	run preloaded "$CLIENT" --send lib --expect lib "$REMOTE" 81
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == *"dest=$REMOTE:81 "*granted ]]
	run env SOCKS_CHAIN_FILE="$BATS_TEST_TMPDIR/f.chain" "$SOCKSCHAIN" true
	[[ $output == *"f.chain:1:1: \"file-wins\""* ]]
	run env SOCKS_CHAIN="env-wins" "$SOCKSCHAIN" true
	[[ $output == *"SOCKS_CHAIN:1:1: \"env-wins\""* ]]
	run env PROXYCHAINS_CONF_FILE="$BATS_TEST_TMPDIR/none.conf" "$SOCKSCHAIN" true
	[ "$status" -eq 125 ]
	[[ $output == *"none.conf: No such file or directory"* ]]
	unset PROXYCHAINS_CONF_FILE
	run "$SOCKSCHAIN" true
	[[ $output == *"chain/chain:1:1: \"home-loses\""* ]]
}

@test "no proxychains file is read unless named" {
	[ ! -e /etc/sockschain/chain ] || skip "this machine has /etc/sockschain/chain"
	printf '[ProxyList]\nsocks5 127.0.0.1 1080\n' >"$BATS_TEST_TMPDIR/proxychains.conf"
	mkdir -p "$HOME/.proxychains"
	cp "$BATS_TEST_TMPDIR/proxychains.conf" "$HOME/.proxychains/proxychains.conf"
	cd "$BATS_TEST_TMPDIR"
	run "$SOCKSCHAIN" --print
	[ "$status" -eq 125 ]
	[[ $output == *"no chain configured"* ]]
}

@test "the proxychains4 package's own /etc/proxychains4.conf reads as it is, and carries a connection" {
	[[ -f /etc/proxychains4.conf ]] || missing "proxychains4 (its /etc/proxychains4.conf)"
	run "$SOCKSCHAIN" -f /etc/proxychains4.conf --print
	[ "$status" -eq 0 ]
	# Debian's file: strict_chain, proxy_dns, remote_dns_subnet 224, 15 s and 8 s, Tor's SOCKS4
	[[ $output == *$'\nmode=strict timeout=15 pipeline=no\nsocks4://127.0.0.1:9050\n'* ]]
	[[ $output == *"dns=remote fake_range=224.0.0.0/8"* ]]
	# The same file with its proxy pointed at a test proxy, the rest untouched.
	start_proxy p1
	sed "s/^socks4[[:space:]]*127.0.0.1[[:space:]]*9050/socks4 127.0.0.1 $p1_PORT/" \
		/etc/proxychains4.conf | write_conf
	run "$SOCKSCHAIN" -f "$CONF" "$CLIENT" --send x --expect x "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == *"proto=socks4 user=- dest=$REMOTE:80 "*granted* ]]
}
