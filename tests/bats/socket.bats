# The program's own socket: blocking and non-blocking, its options, flags and
# errno, getpeername, fork, signals, and what must pass through untouched.
load ../lib/common

setup() {
	start_target echo
	start_proxy p1
	start_proxy p2
	export SOCKS_CHAIN="$(hop p1) $(hop p2)"
}

teardown() {
	stop_servers
}

@test "blocking connect: ok, errno left as it was" {
	run preloaded "$CLIENT" --errno-preserve --send 'hi' --expect 'hi' "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"errno_kept=1"* ]]
}

@test "non-blocking connect: EINPROGRESS, then poll and SO_ERROR show a connected socket" {
	run preloaded "$CLIENT" --nonblock --send 'hi' --expect 'hi' "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output != *"immediate=1"* ]]	# EINPROGRESS: the chain is dialed in the background
	[[ $output == *"so_error=0"* ]]
	[[ $output == *"flags_kept=1"* ]]
	[[ $output == *"received=hi"* ]]
}

@test "non-blocking connect with async=no completes at once, as before" {
	run preloaded SOCKS_CHAIN="$SOCKS_CHAIN async=no" "$CLIENT" --nonblock --send 'hi' \
		--expect 'hi' "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"immediate=1"* ]]
	[[ $output == *"so_error=0"* ]]
	[[ $output == *"flags_kept=1"* ]]
}

@test "non-blocking connect waited on with epoll" {
	run preloaded "$CLIENT" --epoll --send 'hi' --expect 'hi' "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"epollout=1"* ]]
	[[ $output == *"flags_kept=1"* ]]
}

@test "non-blocking connect that fails reports the chain's errno, not EINPROGRESS" {
	stop_servers
	start_target echo
	start_proxy p1 -f refuse
	run preloaded SOCKS_CHAIN="$(hop p1)" "$CLIENT" --nonblock "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"errno=ECONNREFUSED"* ]]
}

# Python connects twice on one socket. Arguments: blocking, nonblocking, or
# fastopen (the second time by a Fast Open sendto).
SECOND_CONNECT="
import errno, select, socket, sys
s = socket.socket()
if sys.argv[1] == 'nonblocking':
    s.setblocking(False)
print(1, errno.errorcode.get(s.connect_ex(('$REMOTE', 80)), 'ok'))
if sys.argv[1] == 'fastopen':
    try:
        s.sendto(b'greeting?', socket.MSG_FASTOPEN, ('$REMOTE', 80))
        print(2, 'ok')
    except OSError as e:
        print(2, errno.errorcode[e.errno])
else:
    print(2, errno.errorcode.get(s.connect_ex(('$REMOTE', 80)), 'ok'))
select.select([], [s], [], 5)
s.sendall(b'still here\\n')
select.select([s], [], [], 5)
print(s.recv(100).decode().strip())"

@test "a second connect on a socket the chain connected: EISCONN, nothing sent, the tunnel unharmed" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	# async=no: a non-blocking socket's chain is dialed inside connect(), as a blocking one's
	for mode in blocking nonblocking fastopen; do
		: >"$BATS_TEST_TMPDIR/p1.log"
		run preloaded SOCKS_CHAIN="$SOCKS_CHAIN async=no" python3 -c "$SECOND_CONNECT" "$mode"
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "1 ok" ]
		[ "${lines[1]}" = "2 EISCONN" ]
		[ "${lines[2]}" = "still here" ]
		[ "${#lines[@]}" -eq 3 ]	# and no line from the library
		[ "$(wc -l <"$BATS_TEST_TMPDIR/p1.log")" -eq 1 ]	# one greeting, one request
	done
	# in the background: EINPROGRESS, then what the kernel says of a connect under way or done
	: >"$BATS_TEST_TMPDIR/p1.log"
	run preloaded python3 -c "$SECOND_CONNECT" nonblocking
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1 EINPROGRESS" ]
	[[ ${lines[1]} == "2 EALREADY" || ${lines[1]} == "2 EISCONN" ]]
	[ "${lines[2]}" = "still here" ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/p1.log")" -eq 1 ]
}

# A tunnel's socket asked to connect again where the library would not dial
# (an address the default bypass sends straight out), or in a program it
# was handed to across exec, whose library never saw it made.
CONNECTED_ELSEWHERE="
import errno, os, socket, sys
s = socket.socket()
print(1, errno.errorcode.get(s.connect_ex(('$REMOTE', 80)), 'ok'))
if sys.argv[1] == 'bypassed':
    print(2, errno.errorcode.get(s.connect_ex(('127.0.0.1', 9)), 'ok'))
    s.sendall(b'still here\\n')
    print(s.recv(100).decode().strip())
else:
    os.set_inheritable(s.fileno(), True)
    os.execv(sys.executable, [sys.executable, '-c', sys.argv[2], str(s.fileno())])"
EXECED_CHILD="
import errno, socket, sys
s = socket.socket(fileno=int(sys.argv[1]))
print(2, errno.errorcode.get(s.connect_ex(('$REMOTE', 80)), 'ok'))
s.sendall(b'still here\\n')
print(s.recv(100).decode().strip())"

@test "a tunnel connected again, to a bypassed address or after exec: EISCONN, nothing sent into it" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	for how in bypassed exec; do
		: >"$BATS_TEST_TMPDIR/p1.log"
		run preloaded python3 -c "$CONNECTED_ELSEWHERE" "$how" "$EXECED_CHILD"
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "1 ok" ]
		[ "${lines[1]}" = "2 EISCONN" ]
		[ "${lines[2]}" = "still here" ]	# no handshake went to the target
		[ "${#lines[@]}" -eq 3 ]
		[ "$(wc -l <"$BATS_TEST_TMPDIR/p1.log")" -eq 1 ]
	done
}

# Thread B connects the socket thread A is still connecting. Arguments: MODE DELAY_MS.
TWO_THREADS="
import errno, socket, sys, threading, time
s = socket.socket()
if sys.argv[1] == 'nonblocking':
    s.setblocking(False)
out = {}
def go(who, wait):
    time.sleep(wait)
    start = time.monotonic()
    rc = s.connect_ex(('$REMOTE', 80))
    out[who] = '%s %s %d' % (who, errno.errorcode.get(rc, 'ok'), (time.monotonic() - start) * 1000)
a = threading.Thread(target=go, args=('A', 0))
b = threading.Thread(target=go, args=('B', int(sys.argv[2]) / 1000))
a.start(); b.start(); a.join(); b.join()
print(out['A']); print(out['B'])"

@test "a second thread's connect while the first is still dialing: what the kernel would give" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	stop_servers
	start_target echo
	start_proxy p1 -D 600	# every reply 0.6 s late
	export SOCKS_CHAIN="$(hop p1)"
	# blocking: B waits for A, and shares its result
	run preloaded python3 -c "$TWO_THREADS" blocking 200
	[ "$status" -eq 0 ]
	read -r who result ms <<<"${lines[1]}"
	[ "$who $result" = "B ok" ]
	[ "$ms" -ge 300 ]	# the reply came 0.6 s after A began, B began 0.2 s after A
	[[ ${lines[0]} == "A ok "* ]]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/p1.log")" -eq 1 ]	# one handshake, not two
	# non-blocking, dialed inside connect() (async=no): EALREADY at once
	run preloaded SOCKS_CHAIN="$SOCKS_CHAIN async=no" python3 -c "$TWO_THREADS" nonblocking 200
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "A ok "* ]]
	read -r who result ms <<<"${lines[1]}"
	[ "$who $result" = "B EALREADY" ]
	[ "$ms" -lt 100 ]
	# non-blocking, in the background: A at once EINPROGRESS, B EALREADY at once
	run preloaded python3 -c "$TWO_THREADS" nonblocking 200
	[ "$status" -eq 0 ]
	read -r who result ms <<<"${lines[0]}"
	[ "$who $result" = "A EINPROGRESS" ]
	[ "$ms" -lt 100 ]
	read -r who result ms <<<"${lines[1]}"
	[ "$who $result" = "B EALREADY" ]
	[ "$ms" -lt 100 ]
	# a failure: both get the chain's errno, and it is reported once
	stop_servers
	start_target echo
	rm "$BATS_TEST_TMPDIR/p1.log"
	start_proxy p1 -D 600 -f refuse
	export SOCKS_CHAIN="$(hop p1)"
	run preloaded python3 -c "$TWO_THREADS" blocking 200
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == *"[ECONNREFUSED]" ]]	# the library's line
	[[ ${lines[1]} == "A ECONNREFUSED "* ]]
	[[ ${lines[2]} == "B ECONNREFUSED "* ]]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/p1.log")" -eq 1 ]
}

@test "socket options, close-on-exec, send buffer and bind() survive" {
	run preloaded "$CLIENT" --nodelay --keepalive --cloexec --sndbuf 65536 \
		--bind 127.0.0.2:0 --send 'hi' --expect 'hi' "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"nodelay=1"* ]]
	[[ $output == *"keepalive=1"* ]]
	[[ $output == *"cloexec=1"* ]]
	[[ $output == *"local=127.0.0.2:"* ]]
	[[ $output =~ sndbuf=([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -ge 65536 ]
	[[ $(proxy_log p1) == *"peer=127.0.0.2:"* ]]	# the hop saw the bound address
}

@test "getpeername gives the destination, also after dup and close, not a new socket" {
	run preloaded "$CLIENT" --peer "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"peer=$REMOTE:80"* ]]
	run preloaded "$CLIENT" --dup-peer "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"peer=$REMOTE:80"* ]]
	[[ $output == *"newsock_peer_errno=ENOTCONN"* ]]
}

@test "getpeername from many threads, each its own destination" {
	run preloaded "$CLIENT" --threads 8 --count 5 --peer "$REMOTE" 443
	[ "$status" -eq 0 ]
	[ "$(grep -c "peer=$REMOTE:443" <<<"$output")" -eq 40 ]
}

@test "an IPv6 socket to an IPv4-mapped destination goes through the chain" {
	run preloaded "$CLIENT" --v6 --peer --send 'v6' --expect 'v6' "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"peer=[::ffff:$REMOTE]:80"* ]]
	[[ $(proxy_log p2) == *"dest=$REMOTE:80 "* ]]
}

@test "an IPv6 destination cannot be carried by SOCKS4: EAFNOSUPPORT and a clear line" {
	run preloaded "$CLIENT" 2001:2::7 80
	[ "$status" -eq 1 ]
	[[ $output == *"errno=EAFNOSUPPORT"* ]]
	[[ $output == *"cannot carry the IPv6 address [2001:2::7]:80"* ]]
	[ ! -s "$BATS_TEST_TMPDIR/target.log" ]
}

@test "connect in a forked child" {
	run preloaded "$CLIENT" --fork --send 'child' --expect 'child' "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p2) == *"dest=$REMOTE:80 "* ]]
}

@test "a signal every millisecond during slow handshakes breaks nothing" {
	stop_servers
	start_target echo
	start_proxy p1 -f slow -d 200
	run preloaded SOCKS_CHAIN="$(hop p1)" "$CLIENT" --signals 1000 --count 3 \
		--send 'sig' --expect 'sig' "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output =~ signals=([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -ge 100 ]
}

@test "64 threads x 50 connections: none fails, every path exactly the chain" {
	start_proxy p3
	run preloaded SOCKS_CHAIN="$(hop p1) $(hop p2) $(hop p3)" \
		"$CLIENT" --threads 64 --count 50 --spread --summary --send 'x' --expect 'x' "$REMOTE" 10000
	[ "$status" -eq 0 ]
	[[ $output == *"connections=3200 ok=3200 fail=0"* ]]
	# each hop asked for the next one 3200 times, and for nothing else
	[ "$(grep -c "dest=127.0.0.1:$p2_PORT .*granted" "$BATS_TEST_TMPDIR/p1.log")" -eq 3200 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/p1.log")" -eq 3200 ]
	[ "$(grep -c "dest=127.0.0.1:$p3_PORT .*granted" "$BATS_TEST_TMPDIR/p2.log")" -eq 3200 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/p2.log")" -eq 3200 ]
	# the last hop was asked for each connection's own destination, once
	[ "$(grep -c "dest=$REMOTE:[0-9]* .*granted" "$BATS_TEST_TMPDIR/p3.log")" -eq 3200 ]
	[ "$(grep -o "dest=$REMOTE:[0-9]*" "$BATS_TEST_TMPDIR/p3.log" | sort -u | wc -l)" -eq 3200 ]
	[ "$(grep -o "dest=$REMOTE:[0-9]*" "$BATS_TEST_TMPDIR/p3.log" | sort -t: -k2 -n | sed -n '1p;$p' | tr '\n' ' ')" = "dest=$REMOTE:10000 dest=$REMOTE:13199 " ]
}

@test "no descriptor is left behind, whether connections succeed or fail" {
	run "$CLIENT" --fds 127.0.0.1 "$target_PORT"	# what the client has open by itself
	[[ $output =~ open_fds=([0-9]+) ]]
	baseline=${BASH_REMATCH[1]}
	run preloaded "$CLIENT" --count 20 --send x --expect x --fds "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"open_fds=$baseline"* ]]
	stop_servers
	start_target echo
	start_proxy p1 -f garbage
	run preloaded SOCKS_CHAIN="$(hop p1)" "$CLIENT" --count 20 --fds "$REMOTE" 80
	[ "$status" -eq 1 ]
	[ "$(grep -c 'errno=EPROTO' <<<"$output")" -eq 20 ]
	[[ $output == *"open_fds=$baseline"* ]]
}

@test "UDP with udp=allow is untouched: its connect goes straight to the kernel" {
	need_netns
	run preloaded SOCKS_CHAIN="$SOCKS_CHAIN udp=allow" "$CLIENT" --udp --send 'u' "$REMOTE" 5000
	[ "$status" -eq 1 ]
	[[ $output == *"errno=ENETUNREACH"* ]]	# the kernel's answer here, not the chain's
	[ ! -s "$BATS_TEST_TMPDIR/p1.log" ]
	run preloaded "$CLIENT" --udp --send 'u' 127.0.0.1 9
	[ "$status" -eq 0 ]
}

@test "AF_UNIX sockets are untouched" {
	command -v nc >/dev/null || missing "nc is not installed"
	nc -lU "$BATS_TEST_TMPDIR/sock" >"$BATS_TEST_TMPDIR/unix.out" 3>&- &
	echo $! >>"$BATS_TEST_TMPDIR/server.pids"
	for i in $(seq 100); do [ -S "$BATS_TEST_TMPDIR/sock" ] && break; sleep 0.02; done
	run preloaded "$CLIENT" --unix "$BATS_TEST_TMPDIR/sock" --send 'unix'
	[ "$status" -eq 0 ]
	run preloaded "$CLIENT" --unix "$BATS_TEST_TMPDIR/nothing-here"
	[[ $output == *"errno=ENOENT"* ]]
	[ ! -s "$BATS_TEST_TMPDIR/p1.log" ]
}

@test "loading the library starts no thread and opens no descriptor" {
	# Counted by bash itself: a pipeline's own pipes would be in the count, or
	# not, as the race with its other end goes.
	run preloaded bash -c 'grep Threads /proc/$$/status; fds=(/proc/$$/fd/*); echo "${#fds[@]}"'
	preloaded_out=$output
	run bash -c 'grep Threads /proc/$$/status; fds=(/proc/$$/fd/*); echo "${#fds[@]}"'
	[ "$preloaded_out" = "$output" ]
	[[ $output == *"Threads:"*"1"* ]]
}

@test "programs that unshare a user namespace or close every descriptor keep working" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run preloaded unshare -r true
	[ "$status" -eq 0 ]
	run preloaded python3 -c "
import os, socket
os.closerange(3, 4096)
s = socket.create_connection(('$REMOTE', 80), timeout=10)
s.sendall(b'closefrom'); print(s.recv(100).decode())"
	[ "$status" -eq 0 ]
	[ "$output" = "closefrom" ]
}

@test "a program that empties its environment before connecting keeps its chain" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run preloaded python3 -c "
import os, socket
os.environ.clear()
print('SOCKS_CHAIN' in os.environ)
s = socket.create_connection(('$REMOTE', 80), timeout=10)
s.sendall(b'no environment'); print(s.recv(100).decode())"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "False" ]
	[ "${lines[1]}" = "no environment" ]
	[[ $(proxy_log p2) == *"dest=$REMOTE:80 "*granted* ]]
}

@test "a chain too long for the room kept at load survives an emptied environment too" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	local pad
	pad=$(printf '%1500s' '')	# the spec's own whitespace: 1.5 kB, past the 1 kB kept in place
	run preloaded SOCKS_CHAIN="$(hop p1)$pad$(hop p2)" python3 -c "
import os, socket
print(len(os.environ['SOCKS_CHAIN']) > 1500)
os.environ.clear()
s = socket.create_connection(('$REMOTE', 80), timeout=10)
s.sendall(b'long chain'); print(s.recv(100).decode())"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "True" ]
	[ "${lines[1]}" = "long chain" ]
	[[ $(proxy_log p1) == *granted* ]]
	[[ $(proxy_log p2) == *"dest=$REMOTE:80 "*granted* ]]
}
