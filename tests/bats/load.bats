# Load and abuse: many threads, many forked children, a signal every
# millisecond, too few descriptors, and descriptors pulled away mid-connect.
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	start_target echo
	start_proxy p1
	start_proxy p2
	start_proxy p3
	export SOCKS_CHAIN="$(hop p1) socks5://127.0.0.1:$p2_PORT http://127.0.0.1:$p3_PORT"
}

teardown() {
	stop_servers
}

@test "64 threads x 200 connections over three hops: zero failures" {
	[[ -z ${VALGRIND:-} ]] || skip "too slow under valgrind"
	run preloaded "$CLIENT" --threads 64 --count 200 --spread --summary --send x --expect x "$REMOTE" 20000
	[ "$status" -eq 0 ]
	[[ $output == *"connections=12800 ok=12800 fail=0"* ]]
	[ "$(grep -c "dest=$REMOTE:.*granted" "$BATS_TEST_TMPDIR/p3.log")" -eq 12800 ]
	[ "$(grep -o "dest=$REMOTE:[0-9]*" "$BATS_TEST_TMPDIR/p3.log" | sort -u | wc -l)" -eq 12800 ]
}

@test "100 forked children connecting at once: all through the chain" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run preloaded python3 -c "
import os, socket, sys
kids = []
for i in range(100):
    pid = os.fork()
    if pid == 0:
        try:
            s = socket.create_connection(('$REMOTE', 30000 + i), timeout=20)
            s.sendall(b'k%d' % i)
            os._exit(0 if s.recv(16) == b'k%d' % i else 1)
        except OSError as e:
            sys.stderr.write('child %d: %s\n' % (i, e)); os._exit(2)
    kids.append(pid)
bad = sum(os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) != 0 for p in kids)
print('failed', bad)"
	[ "$status" -eq 0 ]
	[ "$output" = "failed 0" ]
	[ "$(grep -o "dest=$REMOTE:3[0-9]*" "$BATS_TEST_TMPDIR/p3.log" | sort -u | wc -l)" -eq 100 ]
}

@test "a SIGALRM every millisecond during handshakes, from 8 threads: nothing breaks" {
	stop_servers
	start_target echo
	start_proxy p1 -f split
	start_proxy p2 -D 2
	run preloaded SOCKS_CHAIN="$(hop p1) socks5://127.0.0.1:$p2_PORT" "$CLIENT" --signals 1000 \
		--threads 8 --count 25 --summary --send s --expect s "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"connections=200 ok=200 fail=0"* ]]
	[[ $output =~ signals=([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -ge 100 ]
}

@test "too few descriptors: the program's own socket() gets a clean EMFILE, nothing crashes" {
	run preloaded "$CLIENT" --rlimit-nofile 4 --count 3 "$REMOTE" 80
	[ "$status" -eq 1 ]
	[ "$(grep -c 'fail errno=EMFILE' <<<"$output")" -eq 3 ]
	# a chain file that cannot be opened for want of descriptors: closed, with a reason
	echo "$SOCKS_CHAIN" >"$BATS_TEST_TMPDIR/c.chain"
	all=""
	for n in 4 5 6 7 8 9 10; do	# the limit where socket() still works but the file does not
		run env -u SOCKS_CHAIN SOCKS_CHAIN_FILE="$BATS_TEST_TMPDIR/c.chain" LD_PRELOAD="$PRELOAD" \
			"$CLIENT" --rlimit-nofile "$n" "$REMOTE" 80
		[[ $status -le 1 ]]
		all+=$output$'\n'
	done
	[[ $all == *"refused, not connecting directly: $BATS_TEST_TMPDIR/c.chain: Too many open files"* ]]
	[[ $all == *"fail errno=EACCES"* ]]
	[ "$(grep -c '^fail errno=' <<<"$all")" -eq "$(grep -Ec '^fail errno=(EMFILE|EACCES)' <<<"$all")" ]
	[ ! -s "$BATS_TEST_TMPDIR/target.log" ] || grep -q "^ok" <<<"$all"
}

@test "descriptors dup2()ed over and closed while 8 threads connect: no crash, no hang" {
	# A socket closed under a thread's poll() stays open to the kernel until the
	# poll ends: that connect waits out its hop's timeout. 1 s, not 10: a few
	# such waits in one thread must not reach the 60 s that means a hang.
	SOCKS_CHAIN+=" timeout=1"
	run timeout 60 env LD_PRELOAD="$PRELOAD" "$CLIENT" --chaos 2000 --threads 8 --count 100 \
		--summary --send c --expect c "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output =~ connections=800\ ok=([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -ge 100 ]	# most still make it
	# every connection the last hop served went through the chain
	[ "$(grep -c "dest=$REMOTE:80 .*granted" "$BATS_TEST_TMPDIR/p3.log")" -ge "${BASH_REMATCH[1]}" ]
}
