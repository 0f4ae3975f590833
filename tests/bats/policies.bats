# Chain modes (strict, dynamic, random, round_robin), the hop cool-down,
# routing rules with named chains, --explain and --check.
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	start_target echo
	for p in p1 p2 p3 p4; do
		start_proxy "$p"
	done
}

teardown() {
	stop_servers
}

# requests NAME: how many requests a proxy logged.
requests() {
	wc -l <"$BATS_TEST_TMPDIR/$1.log"
}

# restart NAME FLAGS...: the proxy again, on a new port, misbehaving as told.
restart() {
	local name=$1 pid
	shift
	start_proxy "$name" "$@"
	: >"$BATS_TEST_TMPDIR/$name.log"
}

# A port where nothing listens any more: a proxy that is down.
dead_port() {
	local file=$BATS_TEST_TMPDIR/dead.port pid
	rm -f "$file"
	"$TESTPROXY" -P "$file" -l /dev/null >/dev/null 2>&1 3>&- &
	pid=$!
	wait_port "$file"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
}

elapsed() {
	local e=${1##*elapsed_ms=}
	echo "${e%%[^0-9]*}"
}

@test "strict: a dead hop fails the connection" {
	dead=$(dead_port)
	run "$SOCKSCHAIN" -c "$(hop p1) socks5://127.0.0.1:$dead $(hop p3)" "$CLIENT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"fail errno=ECONNREFUSED"* ]]
	[ "$(requests p3)" -eq 0 ]
}

@test "dynamic: a dead hop is skipped inside one connect, the others used in order" {
	dead=$(dead_port)
	run "$SOCKSCHAIN" -v -c "mode=dynamic $(hop p1) socks5://127.0.0.1:$dead $(hop p3)" \
		"$CLIENT" --send d --expect d "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"skipped hop 2 (socks5://127.0.0.1:$dead)"* ]]
	[[ $(sed -n 1p "$BATS_TEST_TMPDIR/p1.log") == *"dest=127.0.0.1:$dead "*upstream-failed* ]]
	[[ $(sed -n 2p "$BATS_TEST_TMPDIR/p1.log") == *"dest=127.0.0.1:$p3_PORT "*granted* ]]
	[[ $(proxy_log p3) == *"dest=$REMOTE:80 "*granted* ]]
}

@test "dynamic: a dead first hop and a refusing hop are skipped too" {
	dead=$(dead_port)
	restart p2 -f refuse
	run "$SOCKSCHAIN" -c "mode=dynamic socks4://127.0.0.1:$dead $(hop p1) $(hop p2) $(hop p3)" \
		"$CLIENT" --send r --expect r "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $(tail -n 1 "$BATS_TEST_TMPDIR/p1.log") == *"dest=127.0.0.1:$p3_PORT "*granted* ]]
	[[ $(proxy_log p3) == *"dest=$REMOTE:80 "*granted* ]]
}

@test "dynamic: a hanging hop costs its timeout once, then nothing while it cools down" {
	restart p2 -f hang
	run "$SOCKSCHAIN" -c "mode=dynamic timeout=1 $(hop p1) $(hop p2) $(hop p3)" \
		"$CLIENT" --count 3 --send h --expect h "$REMOTE" 80
	[ "$status" -eq 0 ]
	[ "$(elapsed "${lines[0]}")" -ge 950 ]
	[ "$(elapsed "${lines[1]}")" -lt 200 ]
	[ "$(elapsed "${lines[2]}")" -lt 200 ]
	[ "$(requests p2)" -eq 1 ]		# asked once, then left alone
	[ "$(grep -c "dest=127.0.0.1:$p3_PORT .*granted" "$BATS_TEST_TMPDIR/p1.log")" -eq 3 ]
}

@test "the cool-down is shared with a forked child, and ends after retry_after" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	restart p2 -f hang
	run "$SOCKSCHAIN" -c "mode=dynamic timeout=1 retry_after=1.5 $(hop p1) $(hop p2) $(hop p3)" python3 -c "
import os, socket, time
def timed():
    t = time.monotonic(); socket.create_connection(('$REMOTE', 80), timeout=10).close()
    return round(time.monotonic() - t, 2)
print('parent', timed())
pid = os.fork()
if pid == 0:
    print('child', timed()); os._exit(0)
os.waitpid(pid, 0)
time.sleep(1.6)
print('after', timed())"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^parent\ (0\.9[5-9]|1\.[0-9]+)$ ]]
	[[ ${lines[1]} =~ ^child\ 0\.[01][0-9]?$ ]]
	[[ ${lines[2]} =~ ^after\ (0\.9[5-9]|1\.[0-9]+)$ ]]	# tried again, and paid again
	[ "$(requests p2)" -eq 2 ]
}

@test "dynamic: every hop down fails with the last reason; connect_timeout bounds the whole" {
	restart p1 -f hang
	restart p2 -f hang
	restart p3 -f hang
	run "$SOCKSCHAIN" -c "mode=dynamic timeout=1 connect_timeout=1.5 $(hop p1) $(hop p2) $(hop p3)" \
		"$CLIENT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"fail errno=ETIMEDOUT"* ]]
	[ "$(elapsed "$output")" -ge 1400 ]
	[ "$(elapsed "$output")" -lt 2200 ]	# not 3 s: the whole connection had 1.5
}

@test "dynamic: without connect_timeout, a connection gets three hop timeouts, not one per hop" {
	restart p1 -f hang
	restart p2 -f hang
	restart p3 -f hang
	restart p4 -f hang
	run "$SOCKSCHAIN" -q -c "mode=dynamic timeout=0.5 $(hop p1) $(hop p2) $(hop p3) $(hop p4)" \
		"$CLIENT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"fail errno=ETIMEDOUT"* ]]
	[ "$(elapsed "$output")" -ge 1400 ]
	[ "$(elapsed "$output")" -lt 1900 ]	# not 2 s: 3 x 0.5 s for the whole connection
	[ "$(( $(requests p1) + $(requests p2) + $(requests p3) + $(requests p4) ))" -eq 3 ]
}

@test "dynamic: a destination that refuses blames no hop" {
	restart p3 -f refuse
	run "$SOCKSCHAIN" -q -c "mode=dynamic $(hop p3)" "$CLIENT" --count 2 "$REMOTE" 80
	[ "$(grep -c 'fail errno=ECONNREFUSED' <<<"$output")" -eq 2 ]
	[ "$(requests p3)" -eq 2 ]	# asked again the second time: not cooling down
}

@test "random: hops=2 of 4 per connection, spread evenly, reproducible with SOCKS_CHAIN_SEED" {
	spec="mode=random hops=2 $(hop p1) $(hop p2) $(hop p3) $(hop p4)"
	run env SOCKS_CHAIN_SEED=7 "$SOCKSCHAIN" -v -c "$spec" "$CLIENT" --count 200 --send x --expect x "$REMOTE" 80
	[ "$status" -eq 0 ]
	first=$(grep -o 'via [^ ]*' <<<"$output" | sort | uniq -c)
	for p in p1 p2 p3 p4; do
		n=$(requests "$p")
		[ "$n" -ge 60 ] && [ "$n" -le 140 ] || { echo "$p: $n"; false; }
	done
	[ $(( $(requests p1) + $(requests p2) + $(requests p3) + $(requests p4) )) -eq 400 ]
	paths1=$(grep -o 'via .*connected' <<<"$output")
	run env SOCKS_CHAIN_SEED=7 "$SOCKSCHAIN" -v -c "$spec" "$CLIENT" --count 200 "$REMOTE" 80
	paths2=$(grep -o 'via .*connected' <<<"$output" | sed 's/([0-9.]* ms)//g')
	[ "$(sed 's/([0-9.]* ms)//g' <<<"$paths1")" = "$paths2" ]
	run env SOCKS_CHAIN_SEED=8 "$SOCKSCHAIN" -v -c "$spec" "$CLIENT" --count 200 "$REMOTE" 80
	[ "$status" -eq 0 ]	# other paths, not none
	[ "$(grep -o 'via .*connected' <<<"$output" | sed 's/([0-9.]* ms)//g')" != "$paths2" ]
}

@test "round_robin: each connection starts at the next hop, across threads" {
	run "$SOCKSCHAIN" -v -c "mode=round_robin hops=1 $(hop p1) $(hop p2) $(hop p3) $(hop p4)" \
		"$CLIENT" --count 8 "$REMOTE" 80
	[ "$status" -eq 0 ]
	order=$(grep -o 'via socks4://127.0.0.1:[0-9]*' <<<"$output" | sed 's/.*://' | tr '\n' ' ')
	[ "$order" = "$p1_PORT $p2_PORT $p3_PORT $p4_PORT $p1_PORT $p2_PORT $p3_PORT $p4_PORT " ]
	run "$SOCKSCHAIN" -c "mode=round_robin hops=1 $(hop p1) $(hop p2) $(hop p3) $(hop p4)" \
		"$CLIENT" --threads 8 --count 10 --summary "$REMOTE" 80
	[[ $output == *"connections=80 ok=80 fail=0"* ]]
	for p in p1 p2 p3 p4; do [ "$(requests "$p")" -eq 22 ]; done	# 2 + 20 each
}

@test "round_robin: a forked child takes the next turn" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run "$SOCKSCHAIN" -v -c "mode=round_robin hops=1 $(hop p1) $(hop p2) $(hop p3)" python3 -c "
import os, socket
socket.create_connection(('$REMOTE', 80), timeout=10).close()
pid = os.fork()
if pid == 0:
    socket.create_connection(('$REMOTE', 80), timeout=10).close(); os._exit(0)
os.waitpid(pid, 0)
socket.create_connection(('$REMOTE', 80), timeout=10).close()"
	[ "$status" -eq 0 ]
	order=$(grep -o 'via socks4://127.0.0.1:[0-9]*' <<<"$output" | sed 's/.*://' | tr '\n' ' ')
	[ "$order" = "$p1_PORT $p2_PORT $p3_PORT " ]
}

@test "routes: by port, by range, to direct and to refuse, first match wins, else the default" {
	need_netns
	spec="$(hop p1) chain=web http://127.0.0.1:$p2_PORT route=*:8080->web
	      route=198.18.1.0/24->refuse route=198.18.2.0/24->direct route=*:8080->refuse"
	run "$SOCKSCHAIN" -c "$spec" "$CLIENT" --send w --expect w "$REMOTE" 8080
	[ "$status" -eq 0 ]
	[[ $(proxy_log p2) == "proto=http "*"dest=$REMOTE:8080 "*granted ]]
	run "$SOCKSCHAIN" -c "$spec" "$CLIENT" 198.18.1.5 80
	[[ $output == *"sockschain: 198.18.1.5:80: refused, not connecting directly: 198.18.1.0/24->refuse"* ]]
	[[ $output == *"fail errno=EACCES"* ]]
	run "$SOCKSCHAIN" -c "$spec" "$CLIENT" 198.18.2.5 80
	[[ $output == *"fail errno=ENETUNREACH"* ]]	# direct: nothing here to reach
	run "$SOCKSCHAIN" -c "$spec" "$CLIENT" --send d --expect d "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == "proto=socks4 "*"dest=$REMOTE:80 "*granted ]]
	[ "$(requests p3)" -eq 0 ]
}

@test "routes by name: *.onion goes to its chain, the name intact" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run "$SOCKSCHAIN" -c "$(hop p1) chain=tor socks5://127.0.0.1:$p2_PORT route=*.onion->tor" python3 -c "
import socket
s = socket.create_connection(('abcdef.onion', 80), timeout=10); s.sendall(b'o'); print(s.recv(10).decode())
s = socket.create_connection(('plain.example', 80), timeout=10); s.sendall(b'p'); print(s.recv(10).decode())"
	[ "$status" -eq 0 ]
	[ "$output" = $'o\np' ]
	[[ $(proxy_log p2) == "proto=socks5 "*"dest=abcdef.onion:80 "*granted ]]
	[[ $(proxy_log p1) == "proto=socks4a "*"dest=plain.example:80 "*granted ]]
}

@test "--explain names the rule and the chain, without connecting" {
	spec="$(hop p1) chain=tor socks5://127.0.0.1:$p2_PORT route=*.onion->tor route=*:22->refuse bypass=10.0.0.0/8"
	run "$SOCKSCHAIN" -c "$spec" --explain abc.onion:443
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "abc.onion:443: through chain tor" ]
	[[ ${lines[1]} == "  by rule 1, route=*.onion->tor (-c:1:"* ]]
	[ "${lines[3]}" = "  1. socks5://127.0.0.1:$p2_PORT" ]
	run "$SOCKSCHAIN" -c "$spec" --explain 198.18.0.1:22
	[ "${lines[0]}" = "198.18.0.1:22: refused" ]
	run "$SOCKSCHAIN" -c "$spec" --explain 10.1.1.1
	[ "${lines[0]}" = "10.1.1.1:80: direct, not through any chain" ]
	[ "${lines[1]}" = "  because the address is bypassed" ]
	run "$SOCKSCHAIN" -c "$spec" --explain '[2001:2::1]:443'
	[ "${lines[0]}" = "[2001:2::1]:443: through chain default" ]
	[ "${lines[1]}" = "  by default: no rule matched" ]
	for p in p1 p2 p3 p4; do [ "$(requests "$p")" -eq 0 ]; done
	run "$SOCKSCHAIN" -c "$spec" --explain 'bad host'
	[ "$status" -eq 125 ]
}

@test "--check: a healthy chain, one row per hop and the destination, exit 0" {
	run "$SOCKSCHAIN" -c "$(hop p1) socks5://localhost:$p2_PORT http://127.0.0.1:$p3_PORT" --check "$REMOTE:80"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "chain default (strict, timeout 10 s per hop)" ]
	[[ ${lines[2]} =~ ^\ \ 1\ +socks4://127.0.0.1:$p1_PORT\ +socks4\ +answered\ +[0-9.]+\ ms\ *$ ]]
	[[ ${lines[3]} =~ ^\ \ 2\ +socks5://localhost:$p2_PORT\ +socks5\ +answered ]]
	[[ ${lines[4]} =~ ^\ \ 3\ +http://127.0.0.1:$p3_PORT\ +http\ +answered ]]
	[[ ${lines[5]} =~ ^\ \ -\>\ +$REMOTE:80\ +answered ]]
	[[ $(proxy_log p3) == *"dest=$REMOTE:80 "*granted ]]
}

@test "--check: a broken chain shows which hop, why, and what was not tried; exit 1" {
	restart p2 -f hang
	run "$SOCKSCHAIN" -c "$(hop p1) $(hop p2) $(hop p3) timeout=0.5" --check
	[ "$status" -eq 1 ]
	[[ ${lines[2]} == *"answered"* ]]
	[[ ${lines[3]} == *"answered"* ]]
	[[ ${lines[4]} =~ ^\ \ 3\ .*FAILED\ +[0-9.]+\ ms\ +hop\ 2\ \(socks4://127.0.0.1:$p2_PORT\)\ did\ not\ answer\ in\ time$ ]]
	dead=$(dead_port)
	run "$SOCKSCHAIN" -c "socks4://127.0.0.1:$dead $(hop p1)" --check "$REMOTE:80"
	[ "$status" -eq 1 ]
	[[ ${lines[2]} == *"FAILED"*"Connection refused"* ]]
	[[ ${lines[3]} == *"not tried"* ]]
	[[ ${lines[4]} == *"$REMOTE:80"*"not tried"* ]]
}
