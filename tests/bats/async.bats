# Non-blocking connects through a chain return at once and their handshakes
# run in the background, all of a process's together: one event loop making
# many connections takes about one handshake's time, not one per connection.
load ../lib/common

EVLOOP=$BUILD/tests/evloop
PENDINGIO=$BUILD/tests/pendingio
DELAY=25	# ms before every reply of each hop: two SOCKS5 hops cost ~100 ms

# serve MODE: the target in MODE behind two hops that each wait $DELAY; sets CHAIN.
serve() {
	start_target "$1"
	start_proxy p1 -D "$DELAY"
	start_proxy p2 -D "$DELAY"
	CHAIN="socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:$p2_PORT"
}

setup() {
	serve echo
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

# timings LINE: single and all, from a line "... single_ms=N all_ms=N ...".
timings() {
	single=$(sed -nE 's/.*single_ms=([0-9]+).*/\1/p' <<<"$1")
	all=$(sed -nE 's/.*all_ms=([0-9]+).*/\1/p' <<<"$1")
}

# like_one SINGLE ALL: the many at once took about one's time (1.5 times, and 30 ms).
like_one() {
	[ "$2" -le $(($1 * 3 / 2 + 30)) ]
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
	# the loop's 10 ms timer never waited for a handshake (with async=no: for all of them;
	# LATE_DIV=2: not for one either, as when SO_ERROR was asked too early)
	[ "$(summary timer_late_ms)" -lt $((one / ${LATE_DIV:-1})) ]
}

@test "async: 20 concurrent connects from one epoll loop, edge-triggered" {
	twenty epoll-et
}

@test "async: 20 concurrent connects from one epoll loop, level-triggered" {
	twenty epoll-lt
}

@test "async: 20 sockets put in an edge-triggered epoll set before connect(), as nginx does" {
	# before: writable once hop 1 accepted, then the loop stopped in SO_ERROR for the chain
	LATE_DIV=2 twenty epoll-et --register-first
}

@test "async: 20 sockets put in a level-triggered epoll set before connect()" {
	LATE_DIV=2 twenty epoll-lt --register-first
}

@test "async: registered before connect(), a refused destination and a dead hop are SO_ERROR's, all at once" {
	local one mode
	one=$(one_connection_ms)
	stop_servers
	start_target echo
	start_proxy p1 -D "$DELAY"
	start_proxy p2 -D "$DELAY" -f refuse
	CHAIN="socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:$p2_PORT"
	for mode in epoll-et epoll-lt; do
		evloop_run --mode "$mode" --register-first -n 10 --send "x" --expect 1 "$REMOTE" 7000 1
		echo "$mode: $output"
		[ "$(grep -c ' fail errno=ECONNREFUSED$' <<<"$output")" -eq 10 ]
		# together, and the loop never stopped in SO_ERROR for a chain
		[ "$(summary elapsed_ms)" -le $((one * 3 / 2 + 20)) ]
		[ "$(summary timer_late_ms)" -lt $((one / 2)) ]
	done
	[ "$(grep -c 'result=fault:refuse' "$BATS_TEST_TMPDIR/p2.log")" -eq 20 ]
	CHAIN="socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:1"
	evloop_run --mode epoll-et --register-first -n 10 --send "x" --expect 1 "$REMOTE" 7000 1
	echo "dead hop: $output"
	[ "$(grep -c ' fail errno=ECONNREFUSED$' <<<"$output")" -eq 10 ]
	[ "$(summary elapsed_ms)" -le $((one * 3 / 2 + 20)) ]
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
	local single all
	timings "${lines[-1]}"
	like_one "$single" "$all"
}

@test "async: curl --parallel, 20 transfers in about one's time" {
	need_curl
	stop_servers
	serve http
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
	like_one "$single" "$all"
}

@test "async: node http.get x20 in about one's time" {
	command -v node >/dev/null || missing "node is not installed"
	stop_servers
	serve http
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
	local single all
	timings "${lines[1]}"
	like_one "$single" "$all"
}

@test "async: node fetch x20 in about one's time, and the hops asked for each" {
	command -v node >/dev/null || missing "node is not installed"
	stop_servers
	serve http
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
	local single all
	timings "${lines[1]}"
	like_one "$single" "$all"
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

# pendingio_run OP PORT: one call right after a non-blocking connect() through the chain.
pendingio_run() {
	run timeout 5 "$SOCKSCHAIN" -q -c "$CHAIN" "$PENDINGIO" "$1" "$REMOTE" "$2"
	echo "$1: $output"
}

@test "async: fortified read, recv, recvfrom, and recvmmsg right after connect() wait for the chain" {
	local op
	# built with _FORTIFY_SOURCE, as distributions build: the checking entry points
	for op in __read_chk __recv_chk __recvfrom_chk recvmmsg __ppoll_chk; do
		nm -D "$PENDINGIO" | grep -qE " U $op(@|$)"
	done
	stop_servers
	start_target banner
	start_proxy p1 -D "$DELAY"
	start_proxy p2 -D "$DELAY"
	CHAIN="socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:$p2_PORT"
	for op in read recv recvfrom recvmmsg; do
		# the server's first bytes, not the proxy's reply
		pendingio_run "$op" 22
		[ "$status" -eq 0 ]
		[ "$output" = "got=SSH-2.0-sockschain-target" ]
	done
	# writable once the chain is up, four replies of the hops later: not when hop 1 accepts
	pendingio_run ppoll 22
	[ "$status" -eq 0 ]
	[[ $output == "got=SSH-2.0-sockschain-target waited_ms="* ]]
	[ "${output##*=}" -ge $((3 * DELAY)) ]
}

@test "async: a copy made with fcntl(F_DUPFD) or dup(), the original closed (seen or not), gets the chain's connection" {
	local op
	stop_servers
	start_target banner
	start_proxy p1 -D "$DELAY"
	start_proxy p2 -D "$DELAY"
	CHAIN="socks5://127.0.0.1:$p1_PORT socks5://127.0.0.1:$p2_PORT"
	# dup-closerange: the original goes by close_range(), unseen; the chain goes on under the copy
	for op in dupfd dupfd-cloexec dup-closerange; do
		pendingio_run "$op" 22
		[ "$status" -eq 0 ]
		[ "$output" = "got=SSH-2.0-sockschain-target" ]
	done
	[ "$(grep -c "dest=$REMOTE:22 .*result=granted" "$BATS_TEST_TMPDIR/p2.log")" -eq 3 ]
}

@test "fcntl under the library: no argument, an int, a pointer, and errno, as libc's" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run "$SOCKSCHAIN" -q -c "$CHAIN" python3 -c "
import errno, fcntl, os, socket, struct
s = socket.socket(); fd = s.fileno()
fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.FD_CLOEXEC)              # an int
print('getfd', fcntl.fcntl(fd, fcntl.F_GETFD))                  # none
own = struct.pack('ii', 1, os.getpid())                        # F_OWNER_PID
fcntl.fcntl(fd, 15, own)                                        # F_SETOWN_EX: a pointer
got = struct.unpack('ii', fcntl.fcntl(fd, 16, bytes(8)))        # F_GETOWN_EX
print('owner', got == (1, os.getpid()))
copy = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 100)
print('dup', copy >= 100, fcntl.fcntl(copy, fcntl.F_GETFD))
for args in ((999, fcntl.F_GETFD), (fd, fcntl.F_DUPFD, -1), (987, fcntl.F_DUPFD, 0)):
    try: fcntl.fcntl(*args)
    except OSError as e: print(errno.errorcode[e.errno])
"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'getfd 1\nowner True\ndup True 1\nEBADF\nEINVAL\nEBADF')" ]
}

@test "async: sendmmsg and sendfile64 right after connect() wait for the chain" {
	local op
	for op in sendmmsg sendfile64; do
		pendingio_run "$op" 7000
		[ "$status" -eq 0 ]
		[ "$output" = "got=hello" ]
	done
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

# start_nginx: nginx through the chain, in the foreground of one process, its
# files in the test's directory, proxying /PORT to $REMOTE:PORT; sets NGINX_PORT.
start_nginx() {
	local dir=$BATS_TEST_TMPDIR i
	NGINX_PORT=$((20000 + RANDOM % 10000))	# below the ephemeral ports the servers get
	mkdir -p "$dir/nginx"
	cat >"$dir/nginx.conf" <<-CONF
		daemon off;
		master_process off;
		worker_processes 1;
		# no "env SOCKS_CHAIN;": nginx empties its environment, and the library
		# keeps the chain it was loaded with
		pid $dir/nginx.pid;
		error_log $dir/nginx.err info;
		events { worker_connections 256; }
		http {
			access_log off;
			client_body_temp_path $dir/nginx/body;
			proxy_temp_path $dir/nginx/proxy;
			fastcgi_temp_path $dir/nginx/fastcgi;
			uwsgi_temp_path $dir/nginx/uwsgi;
			scgi_temp_path $dir/nginx/scgi;
			server {
				listen 127.0.0.1:$NGINX_PORT;
				location ~ ^/(?<port>[0-9]+)\$ { proxy_pass http://$REMOTE:\$port; }
			}
		}
	CONF
	"$SOCKSCHAIN" -q -c "$CHAIN" nginx -p "$dir/nginx" -e "$dir/nginx.err" -c "$dir/nginx.conf" \
		>>"$dir/nginx.out" 2>&1 3>&- &
	echo $! >>"$dir/server.pids"
	for ((i = 0; i < 500; i++)); do
		(: <"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null && return 0
		sleep 0.01
	done
	cat "$dir/nginx.err" "$dir/nginx.out" >&2
	return 1
}

@test "async: nginx proxying through the chain serves 20 requests at once in about one's time" {
	command -v nginx >/dev/null || missing "nginx is not installed"
	# curl is the client, not under the library (need_curl's ASan skip is for curl preloaded)
	command -v curl >/dev/null || missing "curl is not installed"
	stop_servers
	serve http
	start_nginx
	local urls=() i start single all base="http://127.0.0.1:$NGINX_PORT"
	for ((i = 0; i < 20; i++)); do urls+=("$base/$((8000 + i))"); done
	# nginx is under the library, and dials its upstreams through the chain
	start=$(date +%s%N)
	run curl -sS --max-time 10 "$base/7999"
	single=$((($(date +%s%N) - start) / 1000000))
	[ "$status" -eq 0 ]
	echo "$output"
	[[ $output == *"hello from target"* ]]
	start=$(date +%s%N)
	run curl -sS --max-time 10 --parallel --parallel-immediate --parallel-max 20 "${urls[@]}"
	all=$((($(date +%s%N) - start) / 1000000))
	echo "one: $single ms, twenty: $all ms"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'hello from target' <<<"$output")" -eq 20 ]
	for ((i = 0; i < 20; i++)); do
		[[ $output == *"request: GET /$((8000 + i)) HTTP/1.0"* ]]
		[ "$(grep -c "dest=$REMOTE:$((8000 + i)) .*result=granted" "$BATS_TEST_TMPDIR/p2.log")" -eq 1 ]
	done
	like_one "$single" "$all"
}

@test "async: a chain is dialed while the program sleeps, touching nothing of the library" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	# time.sleep() is clock_nanosleep(), which the library does not see: only
	# the helper can have dialed the chain by the time the program looks.
	run "$SOCKSCHAIN" -q -c "$CHAIN" python3 -c "
import errno, select, socket, time
s = socket.socket()
s.setblocking(False)
print('connect', errno.errorcode.get(s.connect_ex(('$REMOTE', 7000)), 'ok'))
time.sleep(0.6)
p = select.poll()
p.register(s, select.POLLOUT)
print('ready at once' if p.poll(0) else 'not ready')
print('so_error', s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
s.setblocking(True)
s.sendall(b'slept\n')
print('got', s.recv(64).decode().strip())"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "connect EINPROGRESS" ]
	[ "${lines[1]}" = "ready at once" ]
	[ "${lines[2]}" = "so_error 0" ]
	[ "${lines[3]}" = "got slept" ]
	[ "$(grep -c "dest=$REMOTE:7000 .*result=granted" "$BATS_TEST_TMPDIR/p2.log")" -eq 1 ]
}

@test "async: two threads polling one pending socket both see it ready when its chain is" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	# One steps the chain; the other waits to hear it is done, not for its deadline.
	run "$SOCKSCHAIN" -q -c "$CHAIN connect_timeout=8" python3 -c "
import select, socket, threading, time
s = socket.socket()
s.setblocking(False)
s.connect_ex(('$REMOTE', 7000))
t0 = time.monotonic()
took = []
def wait():
    p = select.poll()
    p.register(s, select.POLLOUT)
    ready = p.poll(5000)
    took.append((bool(ready), int((time.monotonic() - t0) * 1000)))
ts = [threading.Thread(target=wait) for _ in range(2)]
[t.start() for t in ts]
[t.join() for t in ts]
for ready, ms in took: print('ready' if ready else 'timed out', ms)
s.setblocking(True)
s.sendall(b'both\n')
print('got', s.recv(64).decode().strip())"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]%% *}" = ready ] && [ "${lines[1]%% *}" = ready ]
	# about the chain's time (two hops, 25 ms before each reply), far from 5 s or 8 s
	[ "${lines[0]##* }" -lt 1000 ] && [ "${lines[1]##* }" -lt 1000 ]
	[ "${lines[2]}" = "got both" ]
}
