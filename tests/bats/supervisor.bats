# The seccomp supervisor (sockschain --supervise): static C and Go programs,
# which the preloaded library cannot reach, carried through the chain by the
# kernel's hand; their DNS answered by the supervisor's stub; the process
# tree, signals and exit status as without it.
bats_require_minimum_version 1.5.0
load ../lib/common
load ../lib/interop

CLIENT_STATIC=$BUILD/tests/client-static
SYSPROBE=$BUILD/tests/sysprobe
NOSECCOMP=$BUILD/tests/noseccomp
DNSRECORDER=$BUILD/tests/dnsrecorder
GOCLIENT_SRC=$BATS_TEST_DIRNAME/../tools/goclient/main.go

# Go programs are built here, when Go is installed: static (CGO_ENABLED=0)
# and dynamic (cgo). The resolver points at a recording DNS server in this
# mount namespace only, so any query that leaks shows in its log.
setup_file() {
	if command -v go >/dev/null; then
		export GOCACHE=$BATS_FILE_TMPDIR/gocache HOME=$BATS_FILE_TMPDIR GOFLAGS=
		CGO_ENABLED=0 go build -o "$BATS_FILE_TMPDIR/goclient-static" "$GOCLIENT_SRC"
		CGO_ENABLED=1 go build -o "$BATS_FILE_TMPDIR/goclient-dynamic" "$GOCLIENT_SRC"
	fi
	if command -v musl-gcc >/dev/null; then
		musl-gcc -O2 -pthread -o "$BATS_FILE_TMPDIR/musl-client" "$BATS_TEST_DIRNAME/../tools/client.c"
		musl-gcc -O2 -o "$BATS_FILE_TMPDIR/musl-gaiconnect" "$BATS_TEST_DIRNAME/../tools/gaiconnect.c"
	fi
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$BATS_FILE_TMPDIR/resolv.conf"
	mount --bind "$BATS_FILE_TMPDIR/resolv.conf" /etc/resolv.conf
}

teardown_file() {
	umount /etc/resolv.conf
}

setup() {
	start_target echo
	start_server dns "$DNSRECORDER" -p 53 -A 198.18.0.9
	start_proxy p1
	start_proxy p2
	start_proxy p3
	export SOCKS_CHAIN="socks5://127.0.0.1:$p1_PORT socks4://127.0.0.1:$p2_PORT http://127.0.0.1:$p3_PORT"
}

teardown() {
	stop_servers
}

need_go() {
	[[ -x $BATS_FILE_TMPDIR/goclient-static ]] || missing "go is not installed"
}

dns_queries() {
	wc -l <"$BATS_TEST_TMPDIR/dns.log"
}

# Connections the target accepted: each one a proxy's, when nothing went around the chain.
target_connections() {
	wc -l <"$BATS_TEST_TMPDIR/target.log"
}

# An interactive bash in a terminal (tmux), for job control; its server
# stopped by pid with the others.
tty_start() {
	command -v tmux >/dev/null || missing "tmux is not installed"
	export TMUX_TMPDIR=$BATS_TEST_TMPDIR
	tmux -f /dev/null new-session -d -s jc -x 250 -y 50 "env PS1='$ ' S=$SOCKSCHAIN SOCKS_CHAIN='$SOCKS_CHAIN' bash --norc --noprofile -i"
	tmux display -p -t jc '#{pid}' >>"$BATS_TEST_TMPDIR/server.pids"
	tty_wait '^[$] '
}

tty_send() {
	tmux send-keys -t jc "$@"
}

tty_screen() {
	tmux capture-pane -p -J -t jc
}

# Waits up to 10 s for an extended regex on the screen; shows the screen if it never comes.
tty_wait() {
	local i
	for ((i = 0; i < 200; i++)); do
		tty_screen | grep -Eq -- "$1" && return 0
		sleep 0.05
	done
	echo "never on the screen: $1"
	tty_screen
	return 1
}

@test "a static C program by address: through socks5, socks4 and http hops; -v names the supervisor" {
	run "$SOCKSCHAIN" -v --supervise "$CLIENT_STATIC" --send hi --expect hi "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"ok elapsed_ms="*"received=hi"* ]]
	[[ $output == *"sockschain: $CLIENT_STATIC: carried by the supervisor (seccomp user notification)"* ]]
	[[ $output == *"sockschain: $REMOTE:80: via socks5://127.0.0.1:$p1_PORT"*"-> $REMOTE:80: connected"* ]]
	[[ $(proxy_log p3) == "proto=http user=- dest=$REMOTE:80 "*granted ]]
	[ "$(target_connections)" -eq 1 ]
}

@test "without --supervise the library carries a dynamic program, and -v says so" {
	run "$SOCKSCHAIN" -v "$CLIENT" --send hi --expect hi "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"sockschain: $CLIENT: carried by the library (LD_PRELOAD)"* ]]
}

@test "a dynamic glibc program keeps the library under --supervise: its hop connects pass the filter unnotified" {
	run "$SOCKSCHAIN" -vv --supervise "$CLIENT" --send hi --expect hi "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"ok "*"received=hi"* ]]
	[[ $output == *"sockschain: $CLIENT: carried by the library (LD_PRELOAD) under the supervisor"* ]]
	# Notified, the hop connect would be judged again by the supervisor (a bypassed loopback address).
	[[ $output != *"127.0.0.1:$p1_PORT: bypassed, connecting directly"* ]]
	[[ $output == *"$REMOTE:80: via socks5://127.0.0.1:$p1_PORT"*"-> $REMOTE:80: connected"* ]]
	[[ $(proxy_log p3) == "proto=http user=- dest=$REMOTE:80 "*granted ]]
	[ "$(target_connections)" -eq 1 ]
}

@test "the library's own length connects without a supervisor too; a program's direct connect is still judged" {
	# Bypassed by the library, then judged again by the supervisor: the debug line says so.
	run "$SOCKSCHAIN" -vv --supervise "$CLIENT" --send hi --expect hi 127.0.0.1 "$target_PORT"
	[ "$status" -eq 0 ]
	[[ $output == *"127.0.0.1:$target_PORT: bypassed, connecting directly"*"127.0.0.1:$target_PORT: bypassed, connecting directly"* ]]
	run "$SOCKSCHAIN" "$CLIENT" --send hi --expect hi "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == "ok "*"received=hi"* ]]
}

@test "one fake map for library and supervisor: a name the library resolved, a static program connects to, and back" {
	run "$SOCKSCHAIN" --supervise bash -c "a=\$('$BUILD/tests/resolve' gethostbyname lib.mixed.test | sed -n 's/^addr //p') && exec '$CLIENT_STATIC' --send hi --expect hi \$a 80"
	[ "$status" -eq 0 ]
	[[ $output == "ok "*"received=hi"* ]]
	run "$SOCKSCHAIN" --supervise bash -c "a=\$('$CLIENT_STATIC' --names stub%lu.mixed.test 0.0.0.0 80 >/dev/null; getent hosts stub0.mixed.test | cut -d' ' -f1) && exec '$CLIENT' --send hi --expect hi \$a 81"
	[ "$status" -eq 0 ]
	[[ $output == "ok "*"received=hi"* ]]
	[[ $(proxy_log p3) == *"dest=lib.mixed.test:80 "*granted*"dest=stub0.mixed.test:80 "*"dest=stub0.mixed.test:81 "*granted* ]]
	[ "$(dns_queries)" -eq 0 ]
}

@test "a static non-blocking connect completes at once, its flags as they were" {
	run "$SOCKSCHAIN" --supervise "$CLIENT_STATIC" --nonblock --send hi --expect hi "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"immediate=1"* ]]
	[[ $output == *"so_error=0"* ]]
	[[ $output == *"flags_kept=1"* ]]
}

@test "getpeername gives the destination, after dup too, and not to a new socket on a reused number" {
	run "$SOCKSCHAIN" --supervise "$CLIENT_STATIC" --peer "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"peer=$REMOTE:80"* ]]
	run "$SOCKSCHAIN" --supervise "$CLIENT_STATIC" --dup-peer "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"peer=$REMOTE:80"* ]]
	[[ $output == *"newsock_peer_errno=ENOTCONN"* ]]
	run "$SOCKSCHAIN" --supervise "$CLIENT_STATIC" --v6 --peer "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"peer=[::ffff:$REMOTE]:80"* ]]
}

@test "a hop that refuses: the program gets ECONNREFUSED and one line; nothing reaches the target" {
	stop_servers
	start_target echo
	start_proxy p1 -f refuse
	run "$SOCKSCHAIN" -c "socks5://127.0.0.1:$p1_PORT" --supervise "$CLIENT_STATIC" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"fail errno=ECONNREFUSED"* ]]
	[[ $output == *"sockschain: $REMOTE:80: hop 1 of 1 (socks5://127.0.0.1:$p1_PORT)"* ]]
	[ "$(target_connections)" -eq 0 ]
}

@test "a chain that is down fails closed, blocking and non-blocking" {
	stop_servers
	start_target echo
	run "$SOCKSCHAIN" --no-check -c "socks5://127.0.0.1:$p1_PORT" true	# the port is free now
	run "$SOCKSCHAIN" -c "socks5://127.0.0.1:$p1_PORT" --supervise "$CLIENT_STATIC" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"fail errno=ECONNREFUSED"* ]]
	run "$SOCKSCHAIN" -c "socks5://127.0.0.1:$p1_PORT" --supervise "$CLIENT_STATIC" --nonblock "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ $output == *"errno=ECONNREFUSED"* ]]
	[ "$(target_connections)" -eq 0 ]
}

@test "a loopback destination is bypassed as the library bypasses it: no hop asked" {
	run "$SOCKSCHAIN" --supervise "$CLIENT_STATIC" --send hi --expect hi 127.0.0.1 "$target_PORT"
	[ "$status" -eq 0 ]
	[ -z "$(proxy_log p1)" ]
	[ "$(target_connections)" -eq 1 ]
}

@test "syscall(SYS_connect) and an inline syscall instruction are carried too" {
	run "$SOCKSCHAIN" --supervise "$SYSPROBE" syscall "$REMOTE" 80
	[ "$status" -eq 0 ]
	[ "$output" = "syscall ok" ]
	run "$SOCKSCHAIN" --supervise "$SYSPROBE" inline "$REMOTE" 81
	[ "$status" -eq 0 ]
	[ "$output" = "inline ok" ]
	[[ $(proxy_log p3) == *"dest=$REMOTE:80 "*"dest=$REMOTE:81 "* ]]
}

@test "TCP Fast Open (sendto with MSG_FASTOPEN) is a connect: carried, its bytes sent" {
	run "$SOCKSCHAIN" --supervise "$SYSPROBE" fastopen "$REMOTE" 82
	[ "$status" -eq 0 ]
	[ "$output" = "fastopen ok" ]
	[[ $(proxy_log p3) == "proto=http user=- dest=$REMOTE:82 "*granted ]]
}

@test "a static Go program by address, and a dynamic one" {
	need_go
	run "$SOCKSCHAIN" --supervise "$BATS_FILE_TMPDIR/goclient-static" -send hi -expect hi "$REMOTE:80"
	[ "$status" -eq 0 ]
	[[ $output == *"summary ok=1 fail=0"* ]]
	run "$SOCKSCHAIN" --supervise "$BATS_FILE_TMPDIR/goclient-dynamic" -send hi -expect hi "$REMOTE:81"
	[ "$status" -eq 0 ]
	[[ $output == *"summary ok=1 fail=0"* ]]
	[[ $(proxy_log p3) == *"dest=$REMOTE:80 "*"dest=$REMOTE:81 "* ]]
	[ "$(target_connections)" -eq 2 ]
}

@test "a musl-linked program (its own loader, no glibc) by address" {
	[[ -x $BATS_FILE_TMPDIR/musl-client ]] || missing "musl-tools is not installed"
	run "$SOCKSCHAIN" --supervise "$BATS_FILE_TMPDIR/musl-client" --send hi --expect hi "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == "ok "*"received=hi"* ]]
	[[ $(proxy_log p3) == "proto=http user=- dest=$REMOTE:80 "*granted ]]
}

@test "a shell that runs a Go program: the whole tree is carried" {
	need_go
	run "$SOCKSCHAIN" --supervise sh -c "'$BATS_FILE_TMPDIR/goclient-static' -send hi -expect hi $REMOTE:80 && echo shell-done"
	[ "$status" -eq 0 ]
	[[ $output == *"summary ok=1 fail=0"*"shell-done"* ]]
	[[ $(proxy_log p3) == "proto=http user=- dest=$REMOTE:80 "*granted ]]
}

@test "the supervisor killed mid-run: the launcher says so, the tree's connects fail (ENOSYS), none goes direct" {
	run "$SOCKSCHAIN" --supervise sh -c "kill -KILL \$PPID; sleep 0.2; exec '$CLIENT_STATIC' 127.0.0.1 $target_PORT"
	[ "$status" -eq 125 ]
	[[ $output == *"sockschain: the supervisor ended before the program did"* ]]
	[[ $output == *"fail errno=ENOSYS"* ]]
	[ "$(target_connections)" -eq 0 ]	# the loopback target was reachable directly
}

@test "20 goroutines at once through a slow hop take about one handshake, not twenty" {
	need_go
	stop_servers
	start_target echo
	start_proxy p1 -D 250	# two SOCKS5 round trips: 500 ms a connection
	run "$SOCKSCHAIN" -c "socks5://127.0.0.1:$p1_PORT" --supervise \
		"$BATS_FILE_TMPDIR/goclient-static" -n 20 -send hi -expect hi "$REMOTE:80"
	[ "$status" -eq 0 ]
	[[ $output =~ summary\ ok=20\ fail=0\ elapsed_ms=([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -lt 2000 ]	# one after another: 10 s
	[ "$(grep -c "dest=$REMOTE:80 " "$BATS_TEST_TMPDIR/p1.log")" -eq 20 ]
}

@test "UDP beside the chain is refused with EPERM and one line; udp=allow lets it go" {
	run "$SOCKSCHAIN" --supervise "$SYSPROBE" udp "$REMOTE" 9999
	[ "$status" -eq 1 ]
	[[ $output == *"udp fail errno=EPERM"* ]]
	[[ $output == *"sockschain: $REMOTE:9999: sendto refused: UDP cannot go through the chain"* ]]
	run "$SOCKSCHAIN" -c "$SOCKS_CHAIN udp=allow" --supervise "$SYSPROBE" udp 127.0.0.1 9
	[ "$status" -eq 0 ]
	[ "$output" = "udp ok" ]
}

@test "io_uring cannot be set up (ENOSYS): its connects would pass beside the filter" {
	run "$SYSPROBE" io_uring
	[ "$output" = "io_uring ok" ] || skip "io_uring is not available here at all"
	run "$SOCKSCHAIN" --supervise "$SYSPROBE" io_uring
	[ "$status" -eq 1 ]
	[ "$output" = "io_uring fail errno=ENOSYS" ]
}

@test "AF_UNIX connects run as they are, but for the local resolver daemons' sockets" {
	run "$SOCKSCHAIN" --supervise "$SYSPROBE" unix "$BATS_TEST_TMPDIR/none"
	[ "$output" = "unix fail errno=ENOENT" ]	# the kernel's own answer
	run "$SOCKSCHAIN" --supervise "$SYSPROBE" unix /run/nscd/socket
	[ "$output" = "unix fail errno=ECONNREFUSED" ]
	run "$SOCKSCHAIN" --supervise "$SYSPROBE" unix /run/systemd/resolve/io.systemd.Resolve
	[ "$output" = "unix fail errno=ECONNREFUSED" ]
}

@test "Go's own resolver by name: a fake address from the stub, the name to the last hop, zero DNS queries" {
	need_go
	run env GODEBUG=netdns=go "$SOCKSCHAIN" --supervise "$BATS_FILE_TMPDIR/goclient-static" \
		-lookup www.secret.test
	[ "$status" -eq 0 ]
	[[ $output == "addrs=240."* ]]
	run env GODEBUG=netdns=go "$SOCKSCHAIN" --supervise "$BATS_FILE_TMPDIR/goclient-dynamic" \
		-send hi -expect hi api.secret.test:8080
	[ "$status" -eq 0 ]
	[[ $output == *"summary ok=1 fail=0"* ]]
	[[ $(proxy_log p3) == "proto=http user=- dest=api.secret.test:8080 "*granted ]]
	[ "$(dns_queries)" -eq 0 ]
}

@test "musl's own resolver (unconnected UDP, answers taken only from the nameserver asked): answered, the name to the last hop, zero DNS queries" {
	[[ -x $BATS_FILE_TMPDIR/musl-gaiconnect ]] || missing "musl-tools is not installed"
	run "$SOCKSCHAIN" --supervise "$BATS_FILE_TMPDIR/musl-gaiconnect" www.secret.test 80 hi hi
	[ "$status" -eq 0 ]
	[[ $output == "addr=240."*" received=hi" ]]
	[[ $(proxy_log p3) == "proto=http user=- dest=www.secret.test:80 "*granted ]]
	[ "$(dns_queries)" -eq 0 ]
	[ "$(target_connections)" -eq 1 ]
	# Without the right to bind port 53, the answer cannot come from there: the lookup fails, closed.
	command -v setpriv >/dev/null || return 0
	local open_dir
	open_dir=$(mktemp -d /tmp/sockschain-musl.XXXXXX)	# the test's own directories are root's only
	chmod 755 "$open_dir"
	cp "$BATS_FILE_TMPDIR/musl-gaiconnect" "$open_dir/"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$SOCKSCHAIN" --supervise \
		"$open_dir/musl-gaiconnect" www2.secret.test 80 hi hi
	rm -r "$open_dir"
	[ "$status" -eq 1 ]
	[[ $output == "getaddrinfo: "* ]]
	[ "$(dns_queries)" -eq 0 ]
	[ "$(target_connections)" -eq 1 ]
}

@test "the detector works: the same Go lookup without the supervisor reaches it" {
	need_go
	run env GODEBUG=netdns=go "$BATS_FILE_TMPDIR/goclient-static" -lookup leaky.test
	[ "$output" = "addrs=198.18.0.9" ]
	grep -q "name=leaky.test type=A " "$BATS_TEST_TMPDIR/dns.log"
}

@test "glibc's resolver and dig, UDP and TCP: answered by the stub, never leaked" {
	run "$SOCKSCHAIN" --supervise "$BUILD/tests/resolve" getaddrinfo www.secret.test - inet
	[ "$status" -eq 0 ]
	[[ $output == *"240."* ]]
	command -v dig >/dev/null || missing "dig is not installed"
	run "$SOCKSCHAIN" --supervise dig +short +tries=1 +time=2 www.secret.test A
	[ "$status" -eq 0 ]
	[[ $output == "240."* ]]
	run "$SOCKSCHAIN" --supervise dig +tcp +short +tries=1 +time=2 tcp.secret.test A
	[ "$status" -eq 0 ]
	[[ $output == "240."* ]]
	[ "$(dns_queries)" -eq 0 ]
}

@test "the exit status comes back, and a death by signal is mirrored" {
	run "$SOCKSCHAIN" --supervise sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run "$SOCKSCHAIN" --supervise sh -c 'kill -TERM $$'
	[ "$status" -eq 143 ]
	run -127 "$SOCKSCHAIN" --supervise /nonexistent/program
	[ "$status" -eq 127 ]
}

@test "a signal sent to the launcher reaches the program" {
	local ready=$BATS_TEST_TMPDIR/ready status=0
	"$SOCKSCHAIN" --supervise sh -c "trap 'echo got-usr1; exit 3' USR1; : >'$ready'; for i in \$(seq 200); do sleep 0.05; done; exit 9" \
		>"$BATS_TEST_TMPDIR/out" 2>&1 &
	local pid=$!
	for ((i = 0; i < 200; i++)); do [[ -e $ready ]] && break; sleep 0.05; done
	kill -USR1 "$pid"
	wait "$pid" || status=$?
	[ "$status" -eq 3 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "got-usr1" ]
}

@test "job control in an interactive shell: Ctrl-Z stops the job, fg resumes it, Ctrl-C ends it; one process group, the shell's" {
	tty_start
	tty_send '$S --supervise sh -c "trap \"echo cont\" CONT; echo ready; while :; do sleep 0.1; done"' Enter
	tty_wait '^ready'
	tty_send C-z
	tty_wait '^\[1\]\+ +Stopped +\$S'
	# The launcher (the group's leader), the supervisor and the program: one group; only the supervisor runs.
	tty_send 'ps -e -o pgid=,stat=,comm= | awk -v g=$(jobs -p) "\$1 == g" | sed "s/^ */ /" | tr -s " \n" "  "; echo; echo lead=$(jobs -p)' Enter
	tty_wait '^lead='
	local lead screen
	screen=$(tty_screen)
	lead=$(sed -n 's/^lead=//p' <<<"$screen")
	[[ $screen =~ " $lead T sh " && $screen =~ " $lead T sockschain " && $screen =~ " $lead S"l?" sockschain " ]]
	tty_send fg Enter
	tty_wait '^cont'
	tty_send C-c
	tty_wait '^[$] $'
	tty_send 'echo status=$?' Enter
	tty_wait '^status=130'
}

@test "job control: a program that stops itself stops the job; one that ignores Ctrl-Z keeps the terminal; a read in the background stops the job" {
	tty_start
	tty_send '$S --supervise sh -c "kill -STOP \$\$; echo resumed; exit 6"' Enter
	tty_wait '^\[1\]\+ +Stopped +\$S'
	tty_send fg Enter
	tty_wait '^resumed'
	tty_send 'echo status=$?' Enter
	tty_wait '^status=6'
	# Ignoring Ctrl-Z, it keeps reading the terminal: the shell must not take it back.
	tty_send 'clear' Enter
	tty_send '$S --supervise sh -c "trap \"\" TSTP; echo reading; read l; echo got=\$l; exit 5"' Enter
	tty_wait '^reading'
	tty_send C-z
	sleep 0.3
	tty_send hello Enter
	tty_wait '^got=hello'
	tty_send 'echo status=$?' Enter
	tty_wait '^status=5'
	[[ $(tty_screen) != *Stopped* ]]
	# In the background, its read of the terminal stops the job (SIGTTIN); in front again, it reads.
	tty_send 'set -b' Enter
	tty_send '$S --supervise sh -c "read l; echo got=\$l; exit 4" &' Enter
	tty_wait '^\[1\]\+ +Stopped +\$S'
	tty_send fg Enter
	tty_wait '^\$S --supervise'
	sleep 0.3
	tty_send again Enter
	tty_wait '^got=again'
	tty_send 'echo status=$?' Enter
	tty_wait '^status=4'
}

@test "job control: a launcher stopped from outside while the program stopped shows the shell no stop after fg" {
	tty_start
	tty_send 'set -b' Enter
	# $! is the launcher: stopped, it cannot read that its program stopped on the terminal meanwhile.
	tty_send '$S --supervise sh -c "sleep 0.3; read l; echo got=\$l; exit 3" & kill -STOP $!' Enter
	tty_wait '^\[1\]\+ +Stopped +\$S'
	sleep 1
	# fg continues both; the stop report read then is stale, and the job stays in front.
	tty_send fg Enter
	tty_wait '^\$S --supervise'
	sleep 0.5
	tty_send again Enter
	tty_wait '^got=again'
	tty_send 'echo status=$?' Enter
	tty_wait '^status=3'
	[[ $(tty_screen | grep -c Stopped) == 1 ]]
}

@test "the launcher returns with the program; what it left in the background stays carried" {
	local out=$BATS_TEST_TMPDIR/bg.out
	run "$SOCKSCHAIN" --supervise sh -c "(sleep 2; exec '$CLIENT_STATIC' --send hi --expect hi $REMOTE 80) >'$out' 2>&1 </dev/null & exit 4"
	[ "$status" -eq 4 ]
	[ ! -s "$out" ]	# it did not wait for the background
	for ((i = 0; i < 200; i++)); do [[ -s $out ]] && break; sleep 0.05; done
	[[ $(cat "$out") == "ok "*"received=hi"* ]]
	[[ $(proxy_log p3) == *"dest=$REMOTE:80 "*granted ]]
}

@test "ssh -f -N -D under the supervisor: the shell gets the launcher's exit at once, the tunnel stays carried, the supervisor ends with ssh" {
	require ssh ssh
	require nc nc
	start_sshd s
	# The proxy serves every remote destination with the sshd: ssh asks for $REMOTE, reachable only that way.
	start_server sp "$TESTPROXY" -T "127.0.0.1:$s_PORT"
	local dport out=$BATS_TEST_TMPDIR/ssh.out start ssh_pid sv_pid i
	free_port dport
	start=$SECONDS
	timeout 30 "$SOCKSCHAIN" --supervise -c "socks5://127.0.0.1:$sp_PORT" "$ssh" -f -N -D "127.0.0.1:$dport" \
		-o ExitOnForwardFailure=yes -E "$BATS_TEST_TMPDIR/ssh.log" "${SSH_OPTS[@]}" -i "$s_KEY" -p 22 "root@$REMOTE" \
		</dev/null >"$out" 2>&1 3>&-
	((SECONDS - start < 15))
	[ ! -s "$out" ]
	[[ $(proxy_log sp) == "proto=socks5 user=- dest=$REMOTE:22 "*granted ]]
	# The backgrounded ssh: its listener, its parent the supervisor (the subreaper), recorded for teardown.
	ssh_pid=$(ss -ltnpH "sport = :$dport" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
	[[ -n $ssh_pid ]]
	echo "$ssh_pid" >>"$BATS_TEST_TMPDIR/server.pids"
	sv_pid=$(ps -o ppid= -p "$ssh_pid" | tr -d ' ')
	[ "$(ps -o comm= -p "$sv_pid")" = sockschain ]
	# Its tunnel carries a connection to the target, over the ssh connection the chain made.
	run bash -c "printf 'through-ssh\n' | nc -N -X 5 -x 127.0.0.1:$dport 127.0.0.1 $target_PORT"
	[ "$output" = through-ssh ]
	[ "$(target_connections)" -eq 1 ]
	[ "$(grep -c . <"$BATS_TEST_TMPDIR/sp.log")" -eq 1 ]	# one connection to the proxy, no other
	kill "$ssh_pid"
	for ((i = 0; i < 100; i++)); do alive "$sv_pid" || break; sleep 0.05; done
	run ! alive "$sv_pid"
}

@test "the tree cannot look into the supervisor (non-dumpable), as a user without privileges" {
	command -v setpriv >/dev/null || missing "setpriv is not installed"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$SOCKSCHAIN" --supervise \
		sh -c 'ls /proc/$PPID/fd >/dev/null 2>&1 && echo readable || echo refused'
	[ "$status" -eq 0 ]
	[ "$output" = "refused" ]
	# Nor take its descriptors, the listener among them.
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$SOCKSCHAIN" --supervise \
		sh -c "exec '$SYSPROBE' getfd \$PPID"
	[ "$status" -eq 1 ]
	[ "$output" = "getfd fail errno=EPERM" ]
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$SOCKSCHAIN" --supervise \
		"$CLIENT_STATIC" --send hi --expect hi "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == "ok "*"received=hi"* ]]
}

@test "where seccomp is unavailable (ENOSYS, EINVAL, EPERM, EACCES) the launcher refuses with 125 and one line why; nothing runs unsupervised" {
	local e why
	for e in ENOSYS EINVAL EPERM EACCES; do
		case $e in
		ENOSYS | EINVAL) why="this kernel has no seccomp user notification (Linux 5.0)" ;;
		*) why="seccomp is forbidden here (a container policy?)" ;;
		esac
		run "$NOSECCOMP" "$e" "$SOCKSCHAIN" --supervise sh -c "touch '$BATS_TEST_TMPDIR/ran'; exec '$CLIENT_STATIC' $REMOTE 80"
		[ "$status" -eq 125 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ $output == "sockschain: cannot run $(command -v sh) under the supervisor: $why: "* ]]
	done
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	[ -z "$(proxy_log p1)" ]
	[ "$(target_connections)" -eq 0 ]
	# The tool itself only takes seccomp away: the same program runs under it without --supervise.
	run "$NOSECCOMP" ENOSYS sh -c "echo unsupervised"
	[ "$output" = "unsupervised" ]
}

@test "under our supervisor a launcher uses it; under another, one cannot start a second: refused, with why" {
	run "$SOCKSCHAIN" --supervise "$SOCKSCHAIN" -v --supervise true
	[ "$status" -eq 0 ]
	[[ $output == *"/usr/bin/true: carried by the supervisor already serving this tree"* ]]
	# without the tree's marker the supervisor above is not known to be ours
	run "$SOCKSCHAIN" --supervise env -u SOCKS_CHAIN_SUPERVISED "$SOCKSCHAIN" --supervise true
	[ "$status" -eq 125 ]
	[[ $output == *"cannot run /usr/bin/true under the supervisor: it is under a seccomp supervisor already"* ]]
}

@test "a set-user-ID program is refused under the supervisor, and says why" {
	cp "$CLIENT_STATIC" "$BATS_TEST_TMPDIR/suid-client"
	chmod u+s "$BATS_TEST_TMPDIR/suid-client"
	run "$SOCKSCHAIN" --supervise "$BATS_TEST_TMPDIR/suid-client" "$REMOTE" 80
	[ "$status" -eq 125 ]
	[[ $output == *"refusing to run $BATS_TEST_TMPDIR/suid-client under the supervisor: it is set-user-ID"* ]]
	[ -z "$(proxy_log p1)" ]
}

@test "under --supervise a hop written as a name: the library's lookup of it gets its real address" {
	stop_servers
	start_target echo
	start_server dns "$DNSRECORDER" -p 53 -A 127.0.0.1
	start_proxy p1
	run "$SOCKSCHAIN" --supervise -c "socks5://hop1.test:$p1_PORT" \
		"$CLIENT" --send hi --expect hi "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"received=hi"* ]]
	[[ $(proxy_log p1) == *"dest=$REMOTE:80 "* ]]
	# the stub did not answer with a fake address: it asked the resolver
	[[ $(cat "$BATS_TEST_TMPDIR/dns.log") == *"name=hop1.test type=A"* ]]
	# the supervisor dials that hop itself for a static program: its peer is the destination
	run "$SOCKSCHAIN" --supervise -c "socks5://hop1.test:$p1_PORT" \
		"$CLIENT_STATIC" --peer "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $output == *"peer=$REMOTE:80"* ]]
}

@test "a program that made itself non-dumpable is carried or fails closed, never direct" {
	command -v setpriv >/dev/null || missing "setpriv is not installed"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$SOCKSCHAIN" --supervise \
		"$SYSPROBE" nodump syscall "$REMOTE" 80
	echo "$output"
	if [ "$status" -eq 0 ]; then
		# the kernel let the supervisor take its socket: through the chain
		[ "${lines[-1]}" = "syscall ok" ]
		[[ $(proxy_log p3) == *"dest=$REMOTE:80 "* ]]
	else
		# it did not: refused, with the supervisor's errno, not a direct connect's
		[[ ${lines[-1]} == "syscall fail errno=E"* ]]
		[[ ${lines[-1]} != *ENETUNREACH* ]]
		[ -z "$(proxy_log p1)" ]
	fi
}

@test "node's c-ares resolver: refused by the library alone, answered by the supervisor; never leaked" {
	command -v node >/dev/null || missing "node is not installed"
	local js="require('dns').resolve4('www.example.test', (e, a) => console.log(e ? e.code : a.join(',')))"
	run "$SOCKSCHAIN" node -e "$js"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "ECONNREFUSED" ]
	[[ $output == *"DNS would leave this machine beside the chain"* ]]
	run "$SOCKSCHAIN" --supervise node -e "$js"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} == 240.* ]]
	[ ! -s "$BATS_TEST_TMPDIR/dns.log" ]	# no query reached the resolver, either way
}
