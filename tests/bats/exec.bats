# Fail closed across exec: a proxied program cannot start a program the
# library cannot reach, nor drop the library on the way; and syscall(2)
# cannot go around connect(). With the library preloaded by hand (no
# launcher to hand them to) such programs are refused; under the launcher
# they go to the supervisor (handover.bats).
bats_require_minimum_version 1.5.0
load ../lib/common

STATIC=$BUILD/tests/static-hello

setup() {
	start_target echo
	start_proxy p1
	export SOCKS_CHAIN="$(hop p1)"
}

teardown() {
	stop_servers
}

@test "a shell with the library preloaded by hand cannot run a static program: EPERM and one line" {
	run -126 preloaded sh -c "'$STATIC'"
	[[ $output == *"sockschain: exec refused: $STATIC is statically linked: the library cannot reach it"* ]]
	[[ $output != *"static hello"* ]]
	run "$SOCKSCHAIN" --no-check sh -c "'$STATIC'"
	[ "$status" -eq 0 ]
	[ "$output" = "static hello" ]
}

@test "every way python starts a program is checked: execv, posix_spawn, subprocess, system" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run preloaded python3 -c "
import os, subprocess, errno
def attempt(what, f):
    try:
        r = f(); print(what, 'ran', r)
    except OSError as e:
        print(what, errno.errorcode[e.errno])
attempt('posix_spawn', lambda: os.waitpid(os.posix_spawn('$STATIC', ['x'], os.environ), 0)[1])
os.environ['PATH'] = '$BUILD/tests:' + os.environ['PATH']	# posix_spawnp searches the caller's PATH
attempt('posix_spawnp', lambda: os.waitpid(os.posix_spawnp('static-hello', ['x'], os.environ), 0)[1])
attempt('subprocess', lambda: subprocess.run(['$STATIC']).returncode)
print('system', os.waitstatus_to_exitcode(os.system('$STATIC 2>/dev/null')))
attempt('execv', lambda: os.execv('$STATIC', ['x']))"
	[[ $output == *"posix_spawn EPERM"* ]]
	[[ $output == *"posix_spawnp EPERM"* ]]
	[[ $output == *"subprocess EPERM"* ]]
	[[ $output == *"system 126"* ]]
	[[ $output == *"execv EPERM"* ]]
	[[ $output != *"static hello"* ]]
}

@test "a script whose interpreter is static is refused at exec too" {
	printf '#!%s\n' "$STATIC" >"$BATS_TEST_TMPDIR/s"
	chmod +x "$BATS_TEST_TMPDIR/s"
	run preloaded sh -c "'$BATS_TEST_TMPDIR/s'"
	[[ $output == *"exec refused: $STATIC is statically linked"* ]]
	[[ $output != *"static hello"* ]]
}

@test "a set-user-ID program of another user is refused at exec" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make a set-user-ID file of another user"
	cp "$CLIENT" "$BATS_TEST_TMPDIR/suid-client"
	chown 65534 "$BATS_TEST_TMPDIR/suid-client" 2>/dev/null ||
		skip "cannot give a file to another user here (a user namespace)"
	chmod 4755 "$BATS_TEST_TMPDIR/suid-client"
	run "$SOCKSCHAIN" sh -c "'$BATS_TEST_TMPDIR/suid-client' $REMOTE 80"
	[[ $output == *"exec refused: $BATS_TEST_TMPDIR/suid-client is set-user-ID"* ]]
	[[ $output != *"elapsed_ms"* ]]
}

@test "an environment without LD_PRELOAD does not take the library away" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	# the child is given only the chain, not the library: it is proxied all the same
	run "$SOCKSCHAIN" python3 -c "
import os
os.execve('$CLIENT', ['client', '--send', 'e', '--expect', 'e', '$REMOTE', '80'],
          {'SOCKS_CHAIN': os.environ['SOCKS_CHAIN']})"
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == *"dest=$REMOTE:80 "*granted ]]
	# given nothing at all, it has the library but no chain: it fails closed
	run "$SOCKSCHAIN" python3 -c "
import os
os.execve('$CLIENT', ['client', '$REMOTE', '81'], {})"
	[[ $output == *"fail errno=EACCES"* ]]
	[[ $output == *"refused, not connecting directly: no chain configured"* ]]
}

@test "syscall(SYS_connect) goes through the chain like connect()" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run "$SOCKSCHAIN" python3 -c "
import ctypes, socket, struct, errno
libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket()
addr = struct.pack('=H', socket.AF_INET) + struct.pack('!H4s8x', 8081, socket.inet_aton('$REMOTE'))
rc = libc.syscall(42, s.fileno(), addr, len(addr))
print('rc', rc)
s.sendall(b'sys'); print(s.recv(10).decode())"
	[ "$status" -eq 0 ]
	[ "$output" = $'rc 0\nsys' ]
	[[ $(proxy_log p1) == *"dest=$REMOTE:8081 "*granted ]]
}

@test "syscall(SYS_connect) fails closed like connect()" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	stop_servers
	start_target echo
	start_proxy p1 -f refuse
	run "$SOCKSCHAIN" -c "$(hop p1)" python3 -c "
import ctypes, socket, struct, errno
libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket()
addr = struct.pack('=H', socket.AF_INET) + struct.pack('!H4s8x', 80, socket.inet_aton('$REMOTE'))
print(libc.syscall(42, s.fileno(), addr, len(addr)), errno.errorcode[ctypes.get_errno()])"
	[[ $output == *"-1 ECONNREFUSED"* ]]
	[ ! -s "$BATS_TEST_TMPDIR/target.log" ]
}

# nothing_connected: neither the proxy nor the target was reached.
nothing_connected() {
	[ ! -s "$BATS_TEST_TMPDIR/p1.log" ]
	[ ! -s "$BATS_TEST_TMPDIR/target.log" ]
}

@test "a Go program, dynamic or static, is refused at exec without the launcher: EPERM, the line, nothing connects" {
	need_foreign go-client
	need_foreign go-static-client
	for go in "$BUILD/tests/go-client" "$BUILD/tests/go-static-client"; do
		run -126 preloaded sh -c "'$go' $REMOTE 80"
		[[ $output == *"sockschain: exec refused: $go is a Go program: it makes its own system calls, the library cannot reach it"* ]]
		[[ $output != *"go client:"* ]]
		command -v python3 >/dev/null || missing "python3 is not installed"
		run preloaded python3 -c "
import os, errno
try: os.execv('$go', ['go-client', '$REMOTE', '80'])
except OSError as e: print('execv', errno.errorcode[e.errno])"
		[[ $output == *"execv EPERM"* ]]
		[[ $output == *"exec refused: $go is a Go program"* ]]
		nothing_connected
	done
	# what the guard prevents: run anyway, it goes around the library (and the
	# namespace has no route for it)
	run "$SOCKSCHAIN" --no-check "$BUILD/tests/go-client" "$REMOTE" 80
	[[ $output == *"go client: fail:"* ]]
	nothing_connected
}

@test "a program linked against musl is refused at exec without the launcher: EPERM, the line, nothing connects" {
	need_foreign musl-client
	musl=$BUILD/tests/musl-client
	run -126 preloaded sh -c "'$musl' $REMOTE 80"
	[[ $output == *"sockschain: exec refused: $musl is linked against musl (its loader is /lib/ld-musl-"*".so.1): the library is built for glibc"* ]]
	[[ $output != *"tiny client:"* ]]
	nothing_connected
}

@test "an exec the kernel refuses anyway fails with the kernel's errno, and the library says nothing" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	d=$BATS_TEST_TMPDIR/dir
	mkdir "$d"
	printf 'no shebang\n' >"$d/plain" && chmod +x "$d/plain"
	printf 'x' >"$d/not-executable"
	printf '#!%s/no-such-interpreter\n' "$d" >"$d/orphan" && chmod +x "$d/orphan"
	run "$SOCKSCHAIN" python3 -c "
import os, errno
for path in ['$d/missing', '$d/not-executable', '$d', '$d/plain', '$d/orphan']:
    try: os.execv(path, ['x'])
    except OSError as e: print(path.rsplit('/', 1)[-1], errno.errorcode[e.errno])
try: os.posix_spawn('$d/missing', ['x'], os.environ)
except OSError as e: print('posix_spawn', errno.errorcode[e.errno])"
	[ "$output" = "missing ENOENT
not-executable EACCES
dir EACCES
plain ENOEXEC
orphan ENOENT
posix_spawn ENOENT" ]
}

@test "subprocess: a missing tool is FileNotFoundError, and the PATH entries on the way are passed over silently" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	run "$SOCKSCHAIN" python3 -c "
import os, subprocess
os.environ['PATH'] = '$BATS_TEST_TMPDIR/empty:/nonexistent:' + os.environ['PATH']
try: subprocess.run(['no-such-tool-here'])
except OSError as e: print(type(e).__name__)
print(subprocess.run(['sh', '-c', 'echo found'], capture_output=True).stdout.decode().strip())"
	[ "$output" = $'FileNotFoundError\nfound' ]
}

@test "execvp and posix_spawnp search PATH as libc does, and judge the program that would run" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	need_foreign go-client
	d=$BATS_TEST_TMPDIR
	mkdir -p "$d/a" "$d/b" "$d/c" "$d/g"
	printf '#!/bin/sh\necho tool ran\n' >"$d/b/tool"	# not executable: passed over
	printf '#!/bin/sh\necho tool ran\n' >"$d/c/tool" && chmod +x "$d/c/tool"
	cp "$BUILD/tests/go-client" "$d/g/tool"
	# env(1) runs its command with execvp
	run preloaded /usr/bin/env PATH="$d/a:$d/b:$d/c" tool
	[ "$status" -eq 0 ]
	[ "$output" = "tool ran" ]
	run preloaded /usr/bin/env PATH="$d/a:$d/b" tool
	[ "$status" -eq 126 ]
	[[ $output != *sockschain* ]]
	run preloaded /usr/bin/env PATH="$d/a:$d/b:$d/g:$d/c" tool
	[ "$status" -eq 126 ]
	[[ $output == *"exec refused: $d/g/tool is a Go program"* ]]
	[[ $output != *"tool ran"* ]]
	run preloaded python3 -c "
import os, errno
def spawnp(path):
    os.environ['PATH'] = path
    try: return os.waitstatus_to_exitcode(os.waitpid(os.posix_spawnp('tool', ['tool'], os.environ), 0)[1])
    except OSError as e: return errno.errorcode[e.errno]
print(spawnp('$d/a:$d/b'), spawnp('$d/a'), spawnp('$d/a:$d/g:$d/c'))"
	[[ $output == *"EACCES ENOENT EPERM" ]]
	[ "$(grep -c sockschain <<<"$output")" -eq 1 ]
	nothing_connected
}
