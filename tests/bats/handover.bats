# The library's exec hook hands the programs it cannot reach (static, Go,
# musl, other loaders) to the supervisor: a glibc shell under the chain runs
# them through `sockschain --supervise`. Inside a tree the supervisor already
# serves, every program runs as it is: the kernel's filter covers it.
bats_require_minimum_version 1.5.0
load ../lib/common

CLIENT_STATIC=$BUILD/tests/client-static
STATIC=$BUILD/tests/static-hello

setup() {
	start_target echo
	start_proxy p1
	export SOCKS_CHAIN="$(hop p1)"
}

teardown() {
	stop_servers
}

# What p1 was asked, one destination a line.
asked() {
	grep -o 'dest=[^ ]*' "$BATS_TEST_TMPDIR/p1.log" | tr '\n' ' '
}

# Connections the target accepted: each one the proxy's when nothing went around it.
target_connections() {
	wc -l <"$BATS_TEST_TMPDIR/target.log"
}

@test "a glibc shell under the chain starts a static C client and a Go client: both carried" {
	need_foreign goclient-static
	run "$SOCKSCHAIN" -v bash -c "'$CLIENT_STATIC' --send one --expect one $REMOTE 80 &&
		'$BUILD/tests/goclient-static' -send two -expect two $REMOTE:81"
	[ "$status" -eq 0 ]
	[[ $output == *"received=one"* ]]
	[[ $output == *"summary ok=1 fail=0"* ]]
	[[ $output == *"sockschain: $CLIENT_STATIC: carried by the supervisor"* ]]
	[[ $output == *"sockschain: $BUILD/tests/goclient-static: carried by the supervisor"* ]]
	[ "$(asked)" = "dest=$REMOTE:80 dest=$REMOTE:81 " ]
	[ "$(target_connections)" -eq 2 ]
}

@test "a dynamic Go client and a musl client started by a shell are carried too" {
	need_foreign goclient
	need_foreign musl-client
	run "$SOCKSCHAIN" sh -c "'$BUILD/tests/goclient' -send hi -expect hi $REMOTE:80 &&
		'$BUILD/tests/musl-client' $REMOTE 82"
	[ "$status" -eq 0 ]
	[[ $output == *"summary ok=1 fail=0"* ]]
	[[ $output == *"tiny client: connected"* ]]
	[ "$(asked)" = "dest=$REMOTE:80 dest=$REMOTE:82 " ]
	[ "$(target_connections)" -eq 2 ]
}

@test "every way python starts a static program hands it over: execv, posix_spawn(p), subprocess, system" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run "$SOCKSCHAIN" python3 -c "
import os, subprocess, sys
run = ['$CLIENT_STATIC', '--send', 'x', '--expect', 'x', '$REMOTE']
def wait(pid): return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
print('posix_spawn', wait(os.posix_spawn(run[0], run + ['80'], os.environ)), flush=True)
os.environ['PATH'] = '$BUILD/tests:' + os.environ['PATH']
print('posix_spawnp', wait(os.posix_spawnp('client-static', ['c'] + run[1:] + ['81'], os.environ)), flush=True)
print('subprocess', subprocess.run(run + ['82']).returncode, flush=True)
print('system', os.waitstatus_to_exitcode(os.system(' '.join(run + ['83']))), flush=True)
os.execv(run[0], run + ['84'])"
	[ "$status" -eq 0 ]
	[[ $output == *"posix_spawn 0"*"posix_spawnp 0"*"subprocess 0"*"system 0"* ]]
	[ "$(grep -c received=x <<<"$output")" -eq 5 ]
	[ "$(asked)" = "dest=$REMOTE:80 dest=$REMOTE:81 dest=$REMOTE:82 dest=$REMOTE:83 dest=$REMOTE:84 " ]
	[ "$(target_connections)" -eq 5 ]
}

@test "a program run from its descriptor (fexecve) is still refused: EPERM" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run "$SOCKSCHAIN" python3 -c "
import os, errno
fd = os.open('$CLIENT_STATIC', os.O_RDONLY)
try: os.execve(fd, ['c', '$REMOTE', '80'], os.environ)
except OSError as e: print('fexecve', errno.errorcode[e.errno])"
	[[ $output == *"fexecve EPERM"* ]]
	[[ $output == *"exec refused: /proc/self/fd/"*"is statically linked"* ]]
	[ ! -s "$BATS_TEST_TMPDIR/p1.log" ]
	[ ! -s "$BATS_TEST_TMPDIR/target.log" ]
}

@test "the chain's verbosity and exit status go through the hand-over" {
	run -1 "$SOCKSCHAIN" -q -c "socks5://127.0.0.1:1" sh -c "'$CLIENT_STATIC' $REMOTE 80"
	[[ $output == *"fail errno=ECONNREFUSED"* ]]
	[[ $output != *sockschain:* ]]
	run -0 "$SOCKSCHAIN" sh -c "'$STATIC'; '$STATIC'"
	[ "$output" = $'static hello\nstatic hello' ]
}

@test "inside the supervisor's tree every program runs as it is: a static and a glibc client" {
	run "$SOCKSCHAIN" --supervise bash -c "'$CLIENT_STATIC' --send one --expect one $REMOTE 80 &&
		'$CLIENT' --send two --expect two $REMOTE 81"
	[ "$status" -eq 0 ]
	[[ $output == *"received=one"*"received=two"* ]]
	[ "$(asked)" = "dest=$REMOTE:80 dest=$REMOTE:81 " ]
	[ "$(target_connections)" -eq 2 ]
	# the library's guard in that tree lets the static one run, with no
	# launcher to hand it to: the filter carries it
	run "$SOCKSCHAIN" --supervise env -u SOCKS_CHAIN_LAUNCHER LD_PRELOAD="$PRELOAD" \
		sh -c "'$CLIENT_STATIC' --send three --expect three $REMOTE 82"
	[ "$status" -eq 0 ]
	[[ $output == *"received=three"* ]]
	[[ $(asked) == *"dest=$REMOTE:82 " ]]
}

@test "inside the supervisor's tree a musl client started by a glibc shell runs without the library" {
	need_foreign musl-client
	run "$SOCKSCHAIN" --supervise bash -c "'$CLIENT' --send one --expect one $REMOTE 80 &&
		'$BUILD/tests/musl-client' $REMOTE 82"
	[ "$status" -eq 0 ]
	[[ $output == *"received=one"* ]]
	[[ $output == *"tiny client: connected"* ]]
	[[ $output != *"Error relocating"* ]]
	[ "$(asked)" = "dest=$REMOTE:80 dest=$REMOTE:82 " ]
	[ "$(target_connections)" -eq 2 ]
}

@test "a launcher run inside the supervisor's tree uses the supervisor already there, not a second" {
	run "$SOCKSCHAIN" --supervise bash -c "'$SOCKSCHAIN' -v '$CLIENT_STATIC' --send one --expect one $REMOTE 80 &&
		'$SOCKSCHAIN' --supervise '$CLIENT' --send two --expect two $REMOTE 81"
	[ "$status" -eq 0 ]
	[[ $output == *"carried by the supervisor already serving this tree"* ]]
	[[ $output == *"received=one"*"received=two"* ]]
	[ "$(asked)" = "dest=$REMOTE:80 dest=$REMOTE:81 " ]
	[ "$(target_connections)" -eq 2 ]
}

@test "the supervised tree's marker alone, without the kernel's filter, lets nothing through" {
	run -126 preloaded env SOCKS_CHAIN_SUPERVISED=1 sh -c "'$STATIC'"
	[[ $output == *"exec refused: $STATIC is statically linked"* ]]
	[[ $output != *"static hello"* ]]
}

@test "a SOCKS_CHAIN_LAUNCHER that is not an absolute path is not run: refused as without one" {
	run -126 preloaded env SOCKS_CHAIN_LAUNCHER=sockschain sh -c "'$STATIC'"
	[[ $output == *"exec refused: $STATIC is statically linked"* ]]
}

@test "a program of another architecture is still refused, by the launcher and at exec" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	# a 32-bit x86 ELF header and one program header: enough to be judged
	python3 -c "
import struct
h = b'\x7fELF' + bytes([1, 1, 1, 0]) + bytes(8) + struct.pack('<HHIIIIIHHHHHH', 2, 3, 1, 0x8048054, 52, 0, 0, 52, 32, 1, 0, 0, 0)
ph = struct.pack('<IIIIIIII', 1, 0, 0x8048000, 0x8048000, 84, 84, 5, 0x1000)
open('$BATS_TEST_TMPDIR/elf32', 'wb').write(h + ph)"
	chmod +x "$BATS_TEST_TMPDIR/elf32"
	run -125 "$SOCKSCHAIN" "$BATS_TEST_TMPDIR/elf32"
	[[ $output == *"refusing to run $BATS_TEST_TMPDIR/elf32 is built for another architecture"* ]]
	run -126 "$SOCKSCHAIN" sh -c "'$BATS_TEST_TMPDIR/elf32'"
	[[ $output == *"exec refused: $BATS_TEST_TMPDIR/elf32 is built for another architecture"* ]]
	[[ $output != *"carried by the supervisor"* ]]
}
