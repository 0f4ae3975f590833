# Non-blocking connects through a chain return at once and their handshakes
# run in the background, all of a process's together: one event loop making
# many connections takes about one handshake's time, not one per connection.
load ../lib/common

EVLOOP=$BUILD/tests/evloop
DELAY=25	# ms before every reply of each hop: two SOCKS5 hops cost ~100 ms

setup() {
	start_target echo
	start_proxy p1 -D "$DELAY"
	start_proxy p2 -D "$DELAY"
	CHAIN="socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:$p2_PORT"
}

teardown() {
	stop_servers
}

# evloop_run [SPEC-PREFIX] ARGS...: the event-loop client through the chain.
evloop_run() {
	run "$SOCKSCHAIN" -q -c "$CHAIN${SPEC_EXTRA:+ $SPEC_EXTRA}" "$EVLOOP" "$@"
}

# summary KEY: a value from evloop's last line.
summary() {
	sed -nE "s/.*\\b$1=([0-9]+).*/\\1/p" <<<"${lines[-1]}"
}

# one_connection_ms: how long one connection takes, the same way.
one_connection_ms() {
	evloop_run -n 1 --send "one" --expect 3 "$REMOTE" 6999
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "0 ok got=one" ]
	summary elapsed_ms
}

# twenty MODE [EVLOOP-FLAGS...]: 20 connections from one loop, to 20 ports, each echoing its own line.
twenty() {
	local one
	one=$(one_connection_ms)
	evloop_run --mode "$1" "${@:2}" -n 20 --send "hello" --expect 5 "$REMOTE" 7000 1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c ' ok got=hello$' <<<"$output")" -eq 20 ]
	[ "$(summary ok)" -eq 20 ]
	# what the last hop was asked: each of the 20 destinations, once
	for ((i = 0; i < 20; i++)); do
		[ "$(grep -c "dest=$REMOTE:$((7000 + i)) .*result=granted" "$BATS_TEST_TMPDIR/p2.log")" -eq 1 ]
	done
	local elapsed=$(summary elapsed_ms)
	echo "one connection: $one ms; twenty: $elapsed ms; timer late: $(summary timer_late_ms) ms"
	# the target: 20 together within 1.5 times one (today 20 times)
	[ "$elapsed" -le $((one * 3 / 2 + 20)) ]
	# the loop's 10 ms timer never waited for a handshake (with async=no: for all of them)
	[ "$(summary timer_late_ms)" -lt "$one" ]
}

@test "async: 20 concurrent connects from one epoll loop, edge-triggered" {
	twenty epoll-et
}

@test "async: 20 concurrent connects from one epoll loop, level-triggered" {
	twenty epoll-lt
}

@test "async: 20 concurrent connects from one poll loop" {
	twenty poll
}

@test "async: 20 concurrent connects from one select loop" {
	twenty select
}

@test "async: SO_ERROR asked right after each connect (as Chromium does) is 0 at once: 20 still together" {
	twenty epoll-et --early-check
}

@test "async=no: the connects of one loop take their turns, as before" {
	SPEC_EXTRA="async=no"
	evloop_run -n 5 --send "hello" --expect 5 "$REMOTE" 7000 1
	[ "$status" -eq 0 ]
	[ "$(summary ok)" -eq 5 ]
	# five handshakes of ~100 ms one after another, and the loop stopped for them
	[ "$(summary elapsed_ms)" -ge 450 ]
	[ "$(summary timer_late_ms)" -ge 400 ]
}

@test "async: a server that speaks first, the client waiting only for readability" {
	stop_servers
	start_target banner
	start_proxy p1 -D "$DELAY"
	start_proxy p2 -D "$DELAY"
	CHAIN="socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:$p2_PORT"
	for mode in epoll-et epoll-lt poll select; do
		evloop_run --mode "$mode" --banner -n 20 --expect 27 "$REMOTE" 22
		echo "$mode: $output"
		[ "$status" -eq 0 ]
		[ "$(grep -c ' ok got=SSH-2.0-sockschain-target$' <<<"$output")" -eq 20 ]
		[ "$(summary elapsed_ms)" -lt 1000 ]
	done
}

@test "async: a dead first hop is ECONNREFUSED from SO_ERROR" {
	CHAIN="socks5://127.0.0.1:1 socks5://127.0.0.1:$p2_PORT"
	evloop_run -n 3 --send "x" --expect 1 "$REMOTE" 7000
	[ "$status" -eq 0 ]
	[ "$(grep -c ' fail errno=ECONNREFUSED$' <<<"$output")" -eq 3 ]
	[ "$(summary failed)" -eq 3 ]
	[ ! -s "$BATS_TEST_TMPDIR/p2.log" ]
}

@test "async: a destination the last hop refuses is ECONNREFUSED, and nothing goes direct" {
	stop_servers
	start_target echo
	start_proxy p1 -D "$DELAY"
	start_proxy p2 -D "$DELAY" -f refuse
	CHAIN="socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:$p2_PORT"
	for mode in epoll-et poll; do
		evloop_run --mode "$mode" -n 10 --send "x" --expect 1 "$REMOTE" 7000 1
		echo "$output"
		[ "$(grep -c ' fail errno=ECONNREFUSED$' <<<"$output")" -eq 10 ]
	done
	[ "$(grep -c 'result=fault:refuse' "$BATS_TEST_TMPDIR/p2.log")" -eq 20 ]
}

@test "async: a hop that never answers is ETIMEDOUT after timeout=, for all at once" {
	stop_servers
	start_target echo
	start_proxy p1
	start_proxy p2 -f hang
	CHAIN="socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:$p2_PORT timeout=0.5"
	evloop_run -n 10 --send "x" --expect 1 "$REMOTE" 7000 1
	echo "$output"
	[ "$(grep -c ' fail errno=ETIMEDOUT$' <<<"$output")" -eq 10 ]
	# one timeout, not ten in a row
	[ "$(summary elapsed_ms)" -ge 450 ]
	[ "$(summary elapsed_ms)" -lt 1500 ]
}

@test "async: sockets closed while their chain is pending go, the others connect" {
	evloop_run -n 10 --close-first 4 --send "hello" --expect 5 "$REMOTE" 7000 1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(summary ok)" -eq 6 ]
	[ "$(summary failed)" -eq 0 ]
	# every socket closed: what stays open is the helper's wake descriptor alone
	local fds=$(summary fds)
	SPEC_EXTRA="async=no"
	evloop_run -n 1 --send "hello" --expect 5 "$REMOTE" 7000 1
	[ "$fds" -eq $(($(summary fds) + 1)) ]
}

@test "async: a socket used through a dup() of it, the original closed while pending" {
	evloop_run --mode poll -n 10 --dup --send "hello" --expect 5 "$REMOTE" 7000 1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(summary ok)" -eq 10 ]
}

@test "async: fork while a chain is pending: the child sees ECONNABORTED, the parent connects" {
	evloop_run -n 3 --fork --send "hello" --expect 5 "$REMOTE" 7000 1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "child so_error=ECONNABORTED" ]
	[ "$(summary ok)" -eq 3 ]
}

@test "async: python asyncio gathers 20 connections in about one's time" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run "$SOCKSCHAIN" -q -c "$CHAIN" python3 -c "
import asyncio, time
async def one(i):
    r, w = await asyncio.open_connection('$REMOTE', 7000 + i)
    w.write(b'asyncio %d\n' % i)
    await w.drain()
    line = await r.readline()
    w.close()
    return line.decode().strip()
async def main():
    t = time.monotonic(); await one(99); single = time.monotonic() - t
    t = time.monotonic(); got = await asyncio.gather(*(one(i) for i in range(20)))
    print(*got, sep='\n')
    print('single_ms=%d all_ms=%d' % (single * 1000, (time.monotonic() - t) * 1000))
asyncio.run(main())"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[7]}" = "asyncio 7" ]
	[ "$(grep -c '^asyncio ' <<<"$output")" -eq 20 ]
	local single=$(sed -nE 's/single_ms=([0-9]+).*/\1/p' <<<"${lines[-1]}")
	local all=$(sed -nE 's/.*all_ms=([0-9]+)/\1/p' <<<"${lines[-1]}")
	[ "$all" -le $((single * 3 / 2 + 30)) ]
}

@test "async: curl --parallel, 20 transfers in about one's time" {
	need_curl
	stop_servers
	start_target http
	start_proxy p1 -D "$DELAY"
	start_proxy p2 -D "$DELAY"
	CHAIN="socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:$p2_PORT"
	local urls=() i start single all
	for ((i = 0; i < 20; i++)); do urls+=("http://$REMOTE:$((8000 + i))/$i"); done
	start=$(date +%s%N)
	run "$SOCKSCHAIN" -q -c "$CHAIN" curl -sS --max-time 10 "http://$REMOTE:7999/one"
	single=$((($(date +%s%N) - start) / 1000000))
	[ "$status" -eq 0 ]
	start=$(date +%s%N)
	run "$SOCKSCHAIN" -q -c "$CHAIN" curl -sS --max-time 10 --parallel --parallel-immediate \
		--parallel-max 20 "${urls[@]}"
	all=$((($(date +%s%N) - start) / 1000000))
	echo "one: $single ms, twenty: $all ms"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'hello from target' <<<"$output")" -eq 20 ]
	[[ $output == *"request: GET /13 HTTP/1.1"* ]]
	for ((i = 0; i < 20; i++)); do
		grep -q "dest=$REMOTE:$((8000 + i)) " "$BATS_TEST_TMPDIR/p2.log"
	done
	[ "$all" -le $((single * 3 / 2 + 30)) ]
}

@test "async: node http.get x20 in about one's time" {
	command -v node >/dev/null || missing "node is not installed"
	stop_servers
	start_target http
	start_proxy p1 -D "$DELAY"
	start_proxy p2 -D "$DELAY"
	CHAIN="socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:$p2_PORT"
	run "$SOCKSCHAIN" -q -c "$CHAIN" node -e "
const http = require('http');
const get = i => new Promise((ok, bad) => http.get({ host: '$REMOTE', port: 8000 + i, path: '/' + i, agent: false },
  r => { let b = ''; r.on('data', d => b += d); r.on('end', () => ok(b)); }).on('error', bad));
(async () => {
  let t = Date.now(); await get(99); const single = Date.now() - t;
  let late = 0, due = Date.now() + 10;
  const timer = setInterval(() => { late = Math.max(late, Date.now() - due); due = Date.now() + 10; }, 10);
  t = Date.now(); const bodies = await Promise.all([...Array(20).keys()].map(get));
  clearInterval(timer);
  console.log(bodies.filter(b => b.startsWith('hello from target')).length);
  console.log('single_ms=' + single + ' all_ms=' + (Date.now() - t) + ' late_ms=' + late);
})().catch(e => { console.log('error', e.code); process.exit(1); });"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "20" ]
	local single=$(sed -nE 's/single_ms=([0-9]+).*/\1/p' <<<"${lines[1]}")
	local all=$(sed -nE 's/.*all_ms=([0-9]+).*/\1/p' <<<"${lines[1]}")
	[ "$all" -le $((single * 3 / 2 + 30)) ]
}

@test "async: node fetch x20 in about one's time, and the hops asked for each" {
	command -v node >/dev/null || missing "node is not installed"
	stop_servers
	start_target http
	start_proxy p1 -D "$DELAY"
	start_proxy p2 -D "$DELAY"
	CHAIN="socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:$p2_PORT"
	run "$SOCKSCHAIN" -q -c "$CHAIN" node -e "
const get = i => fetch('http://$REMOTE:' + (8000 + i) + '/' + i).then(r => r.text());
(async () => {
  let t = Date.now(); await get(99); const single = Date.now() - t;
  t = Date.now(); const bodies = await Promise.all([...Array(20).keys()].map(get));
  console.log(bodies.filter(b => b.startsWith('hello from target')).length);
  console.log('single_ms=' + single + ' all_ms=' + (Date.now() - t));
})().catch(e => { console.log('error', e.cause ? e.cause.code : e); process.exit(1); });"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "20" ]
	local single=$(sed -nE 's/single_ms=([0-9]+).*/\1/p' <<<"${lines[1]}")
	local all=$(sed -nE 's/.*all_ms=([0-9]+).*/\1/p' <<<"${lines[1]}")
	[ "$all" -le $((single * 3 / 2 + 30)) ]
	local i
	for i in 99 $(seq 0 19); do
		[[ $(proxy_log p2) == *"dest=$REMOTE:$((8000 + i)) "* ]]
	done
}

@test "async: a dead hop of a dynamic chain is skipped in the background" {
	CHAIN="mode=dynamic socks5://127.0.0.1:1 socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:$p2_PORT"
	evloop_run -n 10 --send "hello" --expect 5 "$REMOTE" 7000 1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(summary ok)" -eq 10 ]
	[ "$(grep -c "dest=$REMOTE:70" "$BATS_TEST_TMPDIR/p2.log")" -eq 10 ]
	[ "$(summary elapsed_ms)" -lt 1000 ]
}

@test "async: an edge-triggered one-shot registration gets its one event when the chain is up" {
	stop_servers
	start_target banner
	start_proxy p1 -D "$DELAY"
	start_proxy p2 -D "$DELAY"
	CHAIN="socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:$p2_PORT"
	run "$SOCKSCHAIN" -q -c "$CHAIN" python3 -c "
import select, socket, time
s = socket.socket(); s.setblocking(False)
try: s.connect(('$REMOTE', 22))
except BlockingIOError: pass
ep = select.epoll(); ep.register(s.fileno(), select.EPOLLIN | select.EPOLLET | select.EPOLLONESHOT)
t = time.monotonic(); ev = ep.poll(5)
print(len(ev), s.recv(100).decode().strip(), int((time.monotonic() - t) * 1000) >= 80)"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "1 SSH-2.0-sockschain-target True" ]
}

@test "async: a pipelined chain of a SOCKS5 and an HTTP hop, 20 at once" {
	CHAIN="pipeline=yes socks5://127.0.0.1:$p1_PORT http://127.0.0.1:$p2_PORT"
	local one
	one=$(one_connection_ms)
	evloop_run --mode epoll-et -n 20 --send "hello" --expect 5 "$REMOTE" 7000 1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(summary ok)" -eq 20 ]
	[ "$(grep -c "proto=http .*dest=$REMOTE:70[01][0-9] .*result=granted" "$BATS_TEST_TMPDIR/p2.log")" -eq 20 ]
	[ "$(summary elapsed_ms)" -le $((one * 3 / 2 + 20)) ]
}
