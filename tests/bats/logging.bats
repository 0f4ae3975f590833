# The library's lines: they go only to the stderr the program started with,
# or to SOCKS_CHAIN_LOG, and writing one never blocks, signals or fails it.
bats_require_minimum_version 1.5.0
load ../lib/common

DEAD_HOP="socks5://127.0.0.1:1"	# nothing listens there: every connect fails at once

setup() {
	command -v python3 >/dev/null || missing "python3 is not installed"
	start_target echo
	start_proxy p1
}

teardown() {
	stop_servers
}

# fd2_peer_gets [-v] SPEC: a program closes fd 2, so its next socket lands there,
# then makes a connection through SPEC; prints what that socket's peer got.
fd2_peer_gets() {
	"$SOCKSCHAIN" "$@" python3 -c "
import os, socket
server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen(1)
os.close(2)
mine = socket.create_connection(server.getsockname())
peer, _ = server.accept()
try:
    socket.create_connection(('$REMOTE', 80), timeout=5).close()
except OSError:
    pass
peer.settimeout(0.5)
try:
    got = peer.recv(4096)
except socket.timeout:
    got = b''
print('fd', mine.fileno(), 'peer got', repr(got))"
}

@test "fd 2 closed: the program's own socket there gets none of the library's lines" {
	run fd2_peer_gets -v -c "socks5://127.0.0.1:$p1_PORT"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "fd 2 peer got b''" ]
	[[ $(proxy_log p1) == *"dest=$REMOTE:80 "*granted ]]
	run fd2_peer_gets -c "$DEAD_HOP"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "fd 2 peer got b''" ]
}

@test "a stderr pipe or socket whose reader is gone: no SIGPIPE, the program goes on" {
	run timeout 20 python3 -c "
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stderr=w, stdout=subprocess.PIPE)
print('status', p.returncode, p.stdout.decode().split()[0])" \
		env LD_PRELOAD="$PRELOAD" SOCKS_CHAIN="$DEAD_HOP" "$CLIENT" "$REMOTE" 80
	[ "$status" -eq 0 ]
	[ "$output" = "status 1 fail" ]	# the client's own failure, not -13 (SIGPIPE)
	run timeout 20 python3 -c "
import socket, subprocess, sys
mine, peer = socket.socketpair()
peer.close()
p = subprocess.run(sys.argv[1:], stderr=mine.fileno(), stdout=subprocess.PIPE)
print('status', p.returncode, p.stdout.decode().split()[0])" \
		env LD_PRELOAD="$PRELOAD" SOCKS_CHAIN="$DEAD_HOP" "$CLIENT" "$REMOTE" 80
	[ "$output" = "status 1 fail" ]
}

@test "a stderr pipe nobody reads: 3000 failures still finish, and quickly" {
	run timeout 60 python3 -c "
import os, subprocess, sys, time
r, w = os.pipe()
start = time.monotonic()
p = subprocess.run(sys.argv[1:], stderr=w, stdout=subprocess.PIPE, timeout=30)
print('status', p.returncode, p.stdout.decode().count('fail'), 'in', int(time.monotonic() - start))" \
		env LD_PRELOAD="$PRELOAD" SOCKS_CHAIN="$DEAD_HOP" "$CLIENT" --count 3000 "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output =~ ^status\ 1\ 3000\ in\ ([0-9]+)$ ]]
	(( BASH_REMATCH[1] < 20 ))
}

@test "SOCKS_CHAIN_LOG naming a FIFO: nobody reading, or nobody any more, never hangs" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	run timeout 10 env LD_PRELOAD="$PRELOAD" SOCKS_CHAIN="$DEAD_HOP" \
		SOCKS_CHAIN_LOG="$BATS_TEST_TMPDIR/fifo" "$CLIENT" "$REMOTE" 80
	[ "$status" -eq 1 ]	# not 124: timeout(1) never had to stop it
	[[ $output == "fail errno=ECONNREFUSED"* ]]
	# A reader that opened it and then stopped reading: a full FIFO drops lines.
	run timeout 30 python3 -c "
import os, subprocess, sys
r = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
p = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE, timeout=20)
print('status', p.returncode, p.stdout.decode().count('fail'))" "$BATS_TEST_TMPDIR/fifo" \
		env LD_PRELOAD="$PRELOAD" SOCKS_CHAIN="$DEAD_HOP" \
		SOCKS_CHAIN_LOG="$BATS_TEST_TMPDIR/fifo" "$CLIENT" --count 3000 "$REMOTE" 80
	[ "$output" = "status 1 3000" ]
}

@test "stderr still the one it started with: lines arrive whole, one per failure" {
	run env LD_PRELOAD="$PRELOAD" SOCKS_CHAIN="$DEAD_HOP" "$CLIENT" --count 3 "$REMOTE" 80
	[ "$(grep -c '^sockschain: .*198.18.0.7:80' <<<"$output")" -eq 3 ]
}

@test "what a line quotes never reaches the terminal raw: ESC shown as '?'" {
	run env LD_PRELOAD="$PRELOAD" SOCKS_CHAIN_FILE=$'/nonexistent/\e[2J' "$CLIENT" "$REMOTE" 80
	[[ $output == *"sockschain: $REMOTE:80: refused, not connecting directly: /nonexistent/?[2J: "* ]]
	[[ $output != *$'\e'* ]]
}

@test "a SIGPIPE the program had pending stays pending; the library's own is taken back" {
	# A socket whose peer is gone: poll says writable, the write raises SIGPIPE.
	run timeout 20 python3 -c "
import socket, subprocess, sys
mine, peer = socket.socketpair()
peer.close()
p = subprocess.run(sys.argv[1:], stderr=mine.fileno(), stdout=subprocess.PIPE)
print(p.returncode, p.stdout.decode().strip())" \
		env LD_PRELOAD="$PRELOAD" SOCKS_CHAIN="$DEAD_HOP" python3 -c "
import os, signal, socket, threading
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGPIPE])
def attempt():
    try:
        socket.create_connection(('$REMOTE', 80), timeout=5)
    except OSError:
        pass
attempt()
before = signal.SIGPIPE in signal.sigpending()
signal.pthread_kill(threading.get_ident(), signal.SIGPIPE)  # this thread's, as ours is
attempt()
print(before, signal.SIGPIPE in signal.sigpending())"
	[ "$output" = "0 False True" ]
}
