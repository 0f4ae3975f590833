# Remote name resolution: fake addresses, the names the last hop is asked
# for, and a DNS leak detector proving that no query leaves the machine.
bats_require_minimum_version 1.5.0
load ../lib/common

RESOLVE=$BUILD/tests/resolve
DNSRECORDER=$BUILD/tests/dnsrecorder

# Point the resolver at our recording DNS server, in this mount namespace only
# (outside the namespaces of tests/run, every test skips: see setup).
setup_file() {
	in_netns || return 0
	resolver 127.0.0.1 'timeout:1 attempts:1'
	mount --bind "$BATS_FILE_TMPDIR/resolv.conf" /etc/resolv.conf
}

# resolver ADDRESS OPTIONS: what /etc/resolv.conf says, from now on (the C library notices).
resolver() {
	printf 'nameserver %s\noptions %s\n' "$1" "$2" >"$BATS_FILE_TMPDIR/resolv.conf"
}

teardown_file() {
	[[ ! -e $BATS_FILE_TMPDIR/resolv.conf ]] || umount /etc/resolv.conf
}

setup() {
	need_netns "it bind-mounts /etc/resolv.conf and serves DNS on port 53"
	start_target http
	start_server dns "$DNSRECORDER" -p 53 -A 198.18.0.9
	start_proxy p1
	export SOCKS_CHAIN="socks5://127.0.0.1:$p1_PORT"
}

teardown() {
	stop_servers
	resolver 127.0.0.1 'timeout:1 attempts:1'
}

# Hop names resolve to the proxies, on loopback; names under silent.test are never answered.
serve_hop_names() {
	stop_servers
	start_target echo
	start_server dns "$DNSRECORDER" -p 53 -A 127.0.0.1
	start_proxy p1
	resolver 127.0.0.1 'timeout:5 attempts:2'	# the C library alone would wait 10 s
}

dns_queries() {
	wc -l <"$BATS_TEST_TMPDIR/dns.log"
}

@test "the detector works: dns=local resolves through it, and it records the query" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run "$SOCKSCHAIN" -c "$SOCKS_CHAIN dns=local" python3 -c "
import socket; print(socket.getaddrinfo('leaky.test', 80, socket.AF_INET)[0][4][0])"
	[ "$status" -eq 0 ]
	[ "$output" = "198.18.0.9" ]
	grep -q "name=leaky.test type=A " "$BATS_TEST_TMPDIR/dns.log"
}

@test "dns=remote: curl by name gets the page, the hop is asked for the name, zero DNS queries" {
	need_curl
	run "$SOCKSCHAIN" curl -sS --max-time 10 http://www.secret.test/page
	[ "$status" -eq 0 ]
	[[ $output == *"request: GET /page HTTP/1.1"* ]]
	[[ $(proxy_log p1) == "proto=socks5 user=- dest=www.secret.test:80 "*granted ]]
	[ "$(dns_queries)" -eq 0 ]
}

@test "python by name: connect, peer address is the fake one, getnameinfo gives the name back" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run "$SOCKSCHAIN" python3 -c "
import socket
s = socket.create_connection(('api.secret.test', 8080), timeout=10)
peer = s.getpeername()
print(peer[0], peer[1])
print(socket.getnameinfo(peer, 0)[0])
print(socket.gethostbyaddr(peer[0])[0])"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^240\.[0-9]+\.[0-9]+\.[0-9]+\ 8080$ ]]
	[ "${lines[1]}" = "api.secret.test" ]
	[ "${lines[2]}" = "api.secret.test" ]
	[[ $(proxy_log p1) == *"dest=api.secret.test:8080 "*granted ]]
	[ "$(dns_queries)" -eq 0 ]
}

@test "getaddrinfo: same name same address, any case; service names; every family hint" {
	run preloaded "$RESOLVE" getaddrinfo a.secret.test http inet
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^inet\ (240\.[0-9.]+)\ 80\ 1$ ]]
	addr=${BASH_REMATCH[1]}
	run preloaded "$RESOLVE" threads 1 a.secret.test A.SECRET.TEST b.secret.test a.secret.test
	[ "${lines[0]}" = "${lines[3]}" ]
	[ "${lines[0]#* }" = "${lines[1]#* }" ]
	[ "${lines[0]#* }" != "${lines[2]#* }" ]
	run preloaded "$RESOLVE" getaddrinfo a.secret.test 443 inet6
	[[ ${lines[0]} =~ ^inet6\ ::ffff:240\.[0-9.]+\ 443\ 1$ ]]
	run preloaded "$RESOLVE" getaddrinfo a.secret.test 443 unspec
	[[ ${lines[0]} =~ ^inet\ 240\.[0-9.]+\ 443\ 1$ ]]
	run preloaded "$RESOLVE" getaddrinfo a.secret.test 80 nohints
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]	# stream, datagram, raw: as libc answers NULL hints
	run preloaded "$RESOLVE" getaddrinfo a.secret.test 80 inet canonname
	[ "${lines[0]}" = "canon a.secret.test" ]
	[ "$(dns_queries)" -eq 0 ]
}

@test "getaddrinfo errors are libc's own EAI codes" {
	run preloaded "$RESOLVE" getaddrinfo a.secret.test no-such-service inet
	[ "$output" = "EAI_SERVICE" ]
	run preloaded "$RESOLVE" getaddrinfo a.secret.test 80 unix
	[ "$output" = "EAI_FAMILY" ]
	run preloaded "$RESOLVE" getaddrinfo a.secret.test 80 inet numerichost
	[ "$output" = "EAI_NONAME" ]
	run preloaded "$RESOLVE" getaddrinfo "$(printf 'a%.0s' {1..256}).test" 80 inet
	[ "$output" = "EAI_NONAME" ]
	run preloaded "$RESOLVE" getaddrinfo 'bad name.test' 80 inet
	[ "$output" = "EAI_NONAME" ]
	[ "$(dns_queries)" -eq 0 ]
}

@test "numeric hosts, passive and localhost are libc's answers" {
	run preloaded "$RESOLVE" getaddrinfo 198.18.0.1 80 inet
	[ "${lines[0]}" = "inet 198.18.0.1 80 1" ]
	run preloaded "$RESOLVE" getaddrinfo 127.1 80 inet
	[ "${lines[0]}" = "inet 127.0.0.1 80 1" ]
	run preloaded "$RESOLVE" getaddrinfo - 8080 inet passive
	[ "${lines[0]}" = "inet 0.0.0.0 8080 1" ]
	run preloaded "$RESOLVE" getaddrinfo localhost 80 inet
	[ "${lines[0]}" = "inet 127.0.0.1 80 1" ]
	[ "$(dns_queries)" -eq 0 ]
}

@test "gethostbyname, gethostbyname2, gethostbyname_r and the reverse calls" {
	run preloaded "$RESOLVE" gethostbyname h.secret.test
	[ "${lines[0]}" = "name h.secret.test" ]
	[[ ${lines[1]} =~ ^addr\ (240\.[0-9.]+)$ ]]
	addr=${BASH_REMATCH[1]}
	run preloaded "$RESOLVE" gethostbyname2 h6.secret.test 6
	[[ ${lines[1]} =~ ^addr\ ::ffff:240\.[0-9.]+$ ]]
	run preloaded sh -c "'$RESOLVE' gethostbyname_r r.secret.test && '$RESOLVE' gethostbyname_r r.secret.test 8"
	[ "${lines[0]}" = "name r.secret.test" ]
	[ "${lines[2]}" = "errno ERANGE h_errno -1" ]
	run preloaded "$RESOLVE" reverse x.secret.test
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^addr\ 240\.[0-9.]+$ ]]
	x=${lines[0]#addr }
	[ "${lines[1]}" = "gethostbyaddr name x.secret.test" ]
	[ "${lines[2]}" = "addr $x" ]
	[ "${lines[3]}" = "gethostbyaddr_r name x.secret.test" ]
	[ "${lines[5]}" = "getnameinfo host x.secret.test serv http" ]
	[ "${lines[6]}" = "getnameinfo numerichost host $x serv http" ]
	[ "$(dns_queries)" -eq 0 ]
}

@test "reverse lookups of real addresses never query: numeric answer, or none" {
	run preloaded "$RESOLVE" getnameinfo 198.18.0.1 80
	[ "$output" = "host 198.18.0.1 serv http" ]
	run preloaded "$RESOLVE" getnameinfo 198.18.0.1 80 namereqd
	[ "$output" = "EAI_NONAME" ]
	run preloaded "$RESOLVE" gethostbyaddr 198.18.0.1
	[ "$status" -eq 1 ]
	[[ $output == "h_errno 1" ]]	# HOST_NOT_FOUND
	[ "$(dns_queries)" -eq 0 ]
}

@test "res_query is refused in remote mode, and works in local mode" {
	run preloaded "$RESOLVE" res_query q.secret.test
	[ "$status" -eq 1 ]
	[[ $output == *"refused h_errno=3 errno=EPERM"* ]]
	[[ $output == *"sockschain: res_query(q.secret.test) refused"* ]]
	[ "$(dns_queries)" -eq 0 ]
	run preloaded SOCKS_CHAIN="$SOCKS_CHAIN dns=local" "$RESOLVE" res_query q.secret.test
	[ "$status" -eq 0 ]
	[ "$(dns_queries)" -ge 1 ]
}

@test "names under bypass rules resolve locally, others remotely" {
	run preloaded SOCKS_CHAIN="$SOCKS_CHAIN bypass=*.corp.test" "$RESOLVE" getaddrinfo db.corp.test 80 inet
	[ "${lines[0]}" = "inet 198.18.0.9 80 1" ]
	grep -q "name=db.corp.test type=A " "$BATS_TEST_TMPDIR/dns.log"
	run preloaded SOCKS_CHAIN="$SOCKS_CHAIN bypass=*.corp.test" "$RESOLVE" getaddrinfo corp.test.evil.test 80 inet
	[[ ${lines[0]} == "inet 240."* ]]
	[ "$(dns_queries)" -eq 1 ]
}

@test "a last hop that cannot take names fails with a message that says so" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	stop_servers
	start_target http
	start_server dns "$DNSRECORDER" -p 53
	start_proxy p1 -f refuse
	run "$SOCKSCHAIN" -c "socks4://127.0.0.1:$p1_PORT" python3 -c "
import socket
try:
    socket.create_connection(('named.secret.test', 80), timeout=10)
except OSError as e:
    print('errno', e.errno)"
	[[ $output == *"for named.secret.test:80 (a SOCKS4 server without SOCKS4A refuses host names)"* ]]
	[[ $output == *"errno 111"* ]]
	[[ $(proxy_log p1) == "proto=socks4a "*"dest=named.secret.test:80 "* ]]
	[ "$(dns_queries)" -eq 0 ]
}

@test "threads resolving at once agree; a forked child connects to a name its parent resolved" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run preloaded "$RESOLVE" threads 16 t1.test t2.test t3.test t4.test t5.test t6.test t7.test t8.test
	[ "$status" -eq 0 ]
	[[ $output != *INCONSISTENT* ]]
	run "$SOCKSCHAIN" python3 -c "
import os, socket
addr = socket.gethostbyname('forked.secret.test')
pid = os.fork()
if pid == 0:
    s = socket.create_connection((addr, 81), timeout=10)
    s.sendall(b'GET /child HTTP/1.0\r\n\r\n')
    os._exit(0 if b'hello from target' in s.recv(4096) else 1)
_, status = os.waitpid(pid, 0)
print('child', os.waitstatus_to_exitcode(status))"
	[ "$output" = "child 0" ]
	[[ $(proxy_log p1) == *"dest=forked.secret.test:81 "*granted* ]]
}

@test "a parent and 8 forked children resolving at once: no hang, one map; children outlive the parent" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run timeout 20 "$SOCKSCHAIN" python3 -c "
import os, socket, sys, time
kids = []
for i in range(8):
    pid = os.fork()
    if pid == 0:
        for n in range(200):
            socket.gethostbyname('n%d.shared.test' % n)
        if i == 0:
            time.sleep(0.5)   # outlives the parent, then resolves and connects
            a = socket.gethostbyname('late.shared.test')
            s = socket.create_connection((a, 82), timeout=10)
            s.sendall(b'GET /late HTTP/1.0\r\n\r\n')
            open(sys.argv[1], 'w').write(s.recv(4096).decode())
        os._exit(0)
    kids.append(pid)
for n in range(200):
    socket.gethostbyname('n%d.shared.test' % n)
print(len({socket.gethostbyname('n%d.shared.test' % n) for n in range(200)}))
" "$BATS_TEST_TMPDIR/late.out"
	[ "$status" -eq 0 ]
	[ "$output" = "200" ]
	for i in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/late.out" ] && break; sleep 0.05; done
	[[ $(cat "$BATS_TEST_TMPDIR/late.out") == *"request: GET /late"* ]]
	[ "$(dns_queries)" -eq 0 ]
}

# The address a program run by the launcher's tree resolved name to.
tree_address() {
	"$RESOLVE" gethostbyname "$1" | sed -n 's/^addr //p'
}

@test "one fake map for the launcher's tree: a name one program resolved connects from another it execs" {
	export -f tree_address
	export RESOLVE
	run "$SOCKSCHAIN" bash -c "a=\$(tree_address www.exec.test) && exec '$CLIENT' --send 'GET /exec HTTP/1.0\\r\\n\\r\\n' --expect 'hello from target' \$a 80"
	[ "$status" -eq 0 ]
	[[ $output == "ok "*"hello from target"* ]]
	[[ $(proxy_log p1) == "proto=socks5 user=- dest=www.exec.test:80 "*granted ]]
	[ "$(dns_queries)" -eq 0 ]
}

@test "the tree's map: reopened by a child that lost its descriptor; the holder that closed it, or finds another file there, keeps its own" {
	# Its descriptor, the process that holds it (the launcher, which became bash), its inode.
	[[ $("$SOCKSCHAIN" sh -c 'echo $SOCKS_CHAIN_FAKE_MAP') =~ ^[0-9]+:[0-9]+:[0-9]+$ ]]
	# Closed in the process that made it: names resolve and connect within that process.
	run "$SOCKSCHAIN" bash -c "n=\${SOCKS_CHAIN_FAKE_MAP%%:*}; eval \"exec \$n>&-\"; exec '$CLIENT' --names own%lu.test --send 'GET / HTTP/1.0\\r\\n\\r\\n' --expect 'hello from target' 0.0.0.0 80"
	[ "$status" -eq 0 ]
	[[ $output == "ok "*"hello from target"* ]]
	[[ $(proxy_log p1) == *"dest=own0.test:80 "*granted ]]
	export -f tree_address
	export RESOLVE
	# Closed in a child (Chromium closes all before it starts one): reopened from the holder.
	run "$SOCKSCHAIN" bash -c "n=\${SOCKS_CHAIN_FAKE_MAP%%:*}; a=\$(eval \"exec \$n>&-\"; tree_address www.closed.test) && exec '$CLIENT' --send 'GET / HTTP/1.0\\r\\n\\r\\n' --expect 'hello from target' \$a 80"
	[ "$status" -eq 0 ]
	[[ $output == "ok "*"hello from target"* ]]
	[[ $(proxy_log p1) == *"dest=www.closed.test:80 "*granted ]]
	export RESOLVE
	run "$SOCKSCHAIN" bash -c "n=\${SOCKS_CHAIN_FAKE_MAP%%:*}; eval \"exec \$n</etc/passwd\"; a=\$(tree_address www.other.test) && exec '$CLIENT' \$a 80"
	[ "$status" -ne 0 ]
	[[ $output == *"a fake address this process did not hand out"* ]]
	[[ $(proxy_log p1) != *www.other.test* ]]
}

@test "node resolves on its worker threads and connects by name" {
	command -v node >/dev/null || missing "node is not installed"
	run "$SOCKSCHAIN" node -e "
const http = require('http');
http.get('http://node.secret.test:83/n', res => {
  let body = ''; res.on('data', d => body += d);
  res.on('end', () => { console.log(res.socket.remoteAddress, body.includes('GET /n')); });
}).on('error', e => { console.log('error', e.code); process.exit(1); });"
	[ "$status" -eq 0 ]
	[[ $output =~ ^240\.[0-9.]+\ true$ ]]
	[[ $(proxy_log p1) == *"dest=node.secret.test:83 "*granted* ]]
	[ "$(dns_queries)" -eq 0 ]
}

@test "leak guard: UDP and DNS are refused with EPERM; udp=allow opts out" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run preloaded "$CLIENT" --udp --send q 198.18.0.53 53
	[[ $output == *"errno=EPERM"* ]]
	[[ $output == *"sockschain: 198.18.0.53:53: connect refused: DNS would leave this machine"* ]]
	run preloaded "$CLIENT" --udp --send q 127.0.0.1 53
	[[ $output == *"errno=EPERM"* ]]
	run preloaded "$CLIENT" --udp --send q 198.18.0.7 4000
	[[ $output == *"errno=EPERM"* ]]
	[[ $output == *"UDP cannot go through the chain"* ]]
	run preloaded "$CLIENT" 198.18.0.53 53
	[[ $output == *"fail errno=EPERM"* ]]
	run preloaded SOCKS_CHAIN_LOG=/dev/null python3 -c "
import socket, errno
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for dest in [('198.18.0.7', 4000), ('127.0.0.1', 53), ('127.0.0.1', 4000)]:
    try:
        s.sendto(b'x', dest); print('sent')
    except OSError as e:
        print(errno.errorcode[e.errno])"
	[ "$output" = $'EPERM\nEPERM\nsent' ]
	for call in sendto sendmsg sendmmsg; do
		run preloaded "$CLIENT" --udp-send "$call" --send q 198.18.0.7 4000
		[[ $output == *"fail errno=EPERM"* ]]
		[[ $output == *"sockschain: 198.18.0.7:4000: $call refused: UDP cannot go through the chain"* ]]
		run preloaded "$CLIENT" --udp-send "$call" --send q 127.0.0.1 4000
		[ "$status" -eq 0 ]
	done
	[ "$(dns_queries)" -eq 0 ]
	run preloaded SOCKS_CHAIN="$SOCKS_CHAIN udp=allow" "$CLIENT" --udp --send q 127.0.0.1 53
	[ "$status" -eq 0 ]
	sleep 0.2
	[ "$(dns_queries)" -eq 1 ]	# it went out, and the detector saw it
}

@test "fake_range: a range over loopback, a bypass or a proxy is refused; local services stay local" {
	run "$SOCKSCHAIN" -c "$SOCKS_CHAIN fake_range=127.0.0.0/8" true
	[ "$status" -eq 125 ]
	[[ $output == *'-c:1:'*'"fake_range=127.0.0.0/8": overlaps loopback'* ]]
	run "$SOCKSCHAIN" -c "$SOCKS_CHAIN bypass=10.0.0.0/8 fake_range=10.99.0.0/24" true
	[ "$status" -eq 125 ]
	[[ $output == *'"fake_range=10.99.0.0/24": overlaps bypass=10.0.0.0/8'* ]]
	run "$SOCKSCHAIN" -c "socks5://250.0.0.1:1080" true
	[ "$status" -eq 125 ]
	[[ $output == *'"fake_range=240.0.0.0/4" (the default): holds the address of the proxy'* ]]
	# the library alone: the name never gets a loopback address, whose first, 127.0.0.1,
	# would send the program's own local connections to the proxy as that name
	run preloaded SOCKS_CHAIN="bypass=none $SOCKS_CHAIN fake_range=127.0.0.0/8" \
		"$RESOLVE" getaddrinfo local.test 80 inet
	[[ ${lines[0]} == "inet 240.0.0.1 80 1" ]]
	printf 'proxy_dns\nremote_dns_subnet 127\n[ProxyList]\nsocks5 127.0.0.1 %s\n' "$p1_PORT" \
		>"$BATS_TEST_TMPDIR/pc.conf"
	run "$SOCKSCHAIN" -f "$BATS_TEST_TMPDIR/pc.conf" true
	[ "$status" -eq 125 ]
	[[ $output == *"pc.conf:2: "*"remote_dns_subnet 127 is this host's own addresses"*"use 224, proxychains' default"* ]]
}

@test "a full fake map reuses idle names' addresses: 100000 names resolved and connected in one process" {
	# fake_reuse_after=0.001: an address may go to a new name 1 ms after its
	# last use, so the map of 16384 fills and turns over six times (under
	# valgrind, 20000 names: still more than it holds)
	local each=25000 total
	[[ -z ${VALGRIND:-} ]] || each=5000
	total=$((4 * each))
	run preloaded SOCKS_CHAIN="$SOCKS_CHAIN fake_reuse_after=0.001" "$CLIENT" \
		--names 'n%lu.test' --threads 4 --count "$each" --summary 127.0.0.1 80
	[[ $output == "connections=$total ok=$total fail=0" ]]
	[ "$status" -eq 0 ]
	# every name reached the proxy as itself, once: no address led to another name
	[ "$(grep -c ' dest=n[0-9]*\.test:80 .*granted' "$BATS_TEST_TMPDIR/p1.log")" -eq "$total" ]
	[ "$(grep -o ' dest=n[0-9]*\.test:80 ' "$BATS_TEST_TMPDIR/p1.log" | sort -u | wc -l)" -eq "$total" ]
	grep -q " dest=n$((total - 1))\.test:80 " "$BATS_TEST_TMPDIR/p1.log"
}

@test "fake_range: a custom range, and a full one gives EAI_MEMORY" {
	run preloaded SOCKS_CHAIN="$SOCKS_CHAIN fake_range=10.99.0.0/24" "$RESOLVE" getaddrinfo r.test 80 inet
	[ "${lines[0]}" = "inet 10.99.0.1 80 1" ]
	names=$(printf 'n%d.test ' $(seq 255))
	run preloaded SOCKS_CHAIN="$SOCKS_CHAIN fake_range=10.99.0.0/24" "$RESOLVE" threads 1 $names
	[ "$status" -eq 1 ]
	[[ $output == *$'\nn254.test 10.99.0.254\nn255.test fail INCONSISTENT'* ]]
	[[ $output == *"cannot resolve n255.test remotely: the fake address map is full"* ]]
	# a full map says so once, not once per name refused
	names=$(printf 'n%d.test ' $(seq 300))
	run preloaded SOCKS_CHAIN="$SOCKS_CHAIN fake_range=10.99.0.0/24" "$RESOLVE" threads 1 $names
	[ "$status" -eq 1 ]
	[[ $output == *$'\nn300.test fail '* ]]
	[ "$(grep -c 'the fake address map is full' <<<"$output")" -eq 1 ]
}

@test "a hop name the resolver never answers: EHOSTUNREACH within the hop's timeout, said once" {
	serve_hop_names
	run preloaded SOCKS_CHAIN="timeout=1 connect_timeout=2 socks5://proxy.silent.test:$p1_PORT" \
		"$CLIENT" "$REMOTE" 80
	[ "$status" -eq 1 ]
	[[ ${lines[0]} == *"hop 1 of 1 (socks5://proxy.silent.test:$p1_PORT) has a name that did not resolve in time [EHOSTUNREACH]" ]]
	[[ ${lines[1]} == "fail errno=EHOSTUNREACH "* ]]
	elapsed=${lines[1]##*elapsed_ms=}
	elapsed=${elapsed%% *}
	[ "$elapsed" -ge 900 ]
	[ "$elapsed" -lt 1500 ]
	grep -q "name=proxy.silent.test type=A " "$BATS_TEST_TMPDIR/dns.log"
	# mode=dynamic: the named hop is skipped for the next one, within the same connect
	run preloaded SOCKS_CHAIN="mode=dynamic timeout=1 socks5://proxy.silent.test:$p1_PORT socks5://proxy.test:$p1_PORT" \
		"$CLIENT" --send x --expect x "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == "proto=socks5 user=- dest=$REMOTE:80 "*granted ]]
}

# python_attempt: python's attempt(), one connect to $REMOTE:80 printing its
# outcome (an errno name, or ok) and how many milliseconds it took.
python_attempt() {
	cat <<PY
def attempt():
    s = socket.socket()
    start = time.monotonic()
    rc = s.connect_ex(('$REMOTE', 80))
    print(errno.errorcode.get(rc, 'ok'), int((time.monotonic() - start) * 1000))
    s.close()
PY
}

@test "a hop name that failed to resolve is looked up again by the next connect, which works" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	serve_hop_names
	run preloaded SOCKS_CHAIN="timeout=1 socks5://proxy.test:$p1_PORT" python3 -c "
import errno, socket, sys, time
quiet = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
quiet.bind(('127.0.0.2', 53))   # a resolver that reads nothing and answers nothing
$(python_attempt)
def resolver(line):
    with open(sys.argv[1], 'w') as f:
        f.write(line)
resolver('nameserver 127.0.0.2\noptions timeout:5 attempts:2\n')
attempt()
resolver('nameserver 127.0.0.1\noptions timeout:1 attempts:1\n')
attempt()
attempt()" "$BATS_FILE_TMPDIR/resolv.conf"
	[ "$status" -eq 0 ]
	read -r result ms <<<"${lines[1]}"
	[ "$result" = "EHOSTUNREACH" ]
	[ "$ms" -lt 1500 ]
	[ "${lines[2]%% *}" = "ok" ]
	[ "${lines[3]%% *}" = "ok" ]
	[ "$(grep -c 'name=proxy.test type=A ' "$BATS_TEST_TMPDIR/dns.log")" -eq 1 ]	# then kept
	[ "$(grep -c granted "$BATS_TEST_TMPDIR/p1.log")" -eq 2 ]
}

@test "the launcher's check of a hop name is bounded by the hop's timeout too" {
	serve_hop_names
	start=$(date +%s%N)
	run "$SOCKSCHAIN" -c "timeout=1 socks5://proxy.silent.test:$p1_PORT" true
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$status" -ne 0 ]
	echo "$output"
	[[ $output == *"hop 1 (socks5://proxy.silent.test:$p1_PORT) has a name that did not resolve in time"* ]]
	[ "$ms" -lt 1500 ]
}

# A resolver that answers every query late: A with 127.0.0.1, others with no
# record. Usage (as start_server runs it): slowdns -P FILE -l FILE ADDR DELAY_MS
SLOWDNS='#!/usr/bin/env python3
import os, socket, struct, sys, threading, time
port_file, log_file, addr, delay = sys.argv[2], sys.argv[4], sys.argv[5], int(sys.argv[6]) / 1000
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
log = open(log_file, "a", buffering=1)
with open(port_file + ".tmp", "w") as f:
    f.write("53\n")
os.rename(port_file + ".tmp", port_file)
def answer(q, peer):
    end = 12
    while q[end]:
        end += q[end] + 1
    qtype = struct.unpack("!H", q[end + 1:end + 3])[0]
    log.write("type=%d\n" % qtype)
    time.sleep(delay)
    record = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([127, 0, 0, 1])
    count = 1 if qtype == 1 else 0
    head = q[:2] + struct.pack("!HHHHH", 0x8180, 1, count, 0, 0)
    s.sendto(head + q[12:end + 5] + (record if count else b""), peer)
while True:
    q, peer = s.recvfrom(512)
    threading.Thread(target=answer, args=(q, peer), daemon=True).start()
'

@test "an answer that comes after its connection gave up serves the next connection" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	serve_hop_names
	printf '%s' "$SLOWDNS" >"$BATS_TEST_TMPDIR/slowdns"
	chmod +x "$BATS_TEST_TMPDIR/slowdns"
	start_server slowdns "$BATS_TEST_TMPDIR/slowdns" 127.0.0.3 1500
	resolver 127.0.0.3 'timeout:5 attempts:1'
	run preloaded SOCKS_CHAIN="timeout=1 socks5://proxy.test:$p1_PORT" python3 -c "
import errno, socket, time
$(python_attempt)
attempt()
time.sleep(1)   # the answer comes 1.5 s after the question
attempt()"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == *"did not resolve in time [EHOSTUNREACH]" ]]	# the library's line
	read -r result ms <<<"${lines[1]}"
	[ "$result" = "EHOSTUNREACH" ]
	[ "$ms" -lt 1500 ]
	read -r result ms <<<"${lines[2]}"
	[ "$result" = "ok" ]
	[ "$ms" -lt 500 ]	# no lookup this time
	[ "$(grep -c 'type=1$' "$BATS_TEST_TMPDIR/slowdns.log")" -eq 1 ]
}

@test "a direct route for a name the resolver never answers: EHOSTUNREACH within connect_timeout" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	serve_hop_names
	run preloaded SOCKS_CHAIN="socks5://127.0.0.1:$p1_PORT connect_timeout=1 route=*.silent.test->direct" python3 -c "
import errno, socket, time
start = time.monotonic()
try:
    socket.create_connection(('www.silent.test', 80))
    print('connected')
except OSError as e:
    print(errno.errorcode[e.errno], int((time.monotonic() - start) * 1000))"
	[ "$status" -eq 0 ]
	read -r result ms <<<"${lines[-1]}"
	[ "$result" = "EHOSTUNREACH" ]
	[ "$ms" -ge 900 ]
	[ "$ms" -lt 1500 ]
	grep -q "name=www.silent.test type=A " "$BATS_TEST_TMPDIR/dns.log"
}

@test "getnameinfo on a fake address: NAMEREQD with or without a service, NULL buffers, short ones" {
	run preloaded "$RESOLVE" getnameinfo-of g.secret.test 80 namereqd noserv
	[ "$output" = "host g.secret.test serv -" ]
	run preloaded "$RESOLVE" getnameinfo-of g.secret.test 80 namereqd
	[ "$output" = "host g.secret.test serv http" ]
	run preloaded "$RESOLVE" getnameinfo-of g.secret.test 80 noserv
	[ "$output" = "host g.secret.test serv -" ]
	run preloaded "$RESOLVE" getnameinfo-of g.secret.test 80 nohost
	[ "$output" = "host - serv http" ]
	run preloaded "$RESOLVE" getnameinfo-of g.secret.test 80 nohost noserv
	[ "$output" = "$("$RESOLVE" getnameinfo 198.18.0.1 80 nohost noserv)" ]	# as libc
	run preloaded "$RESOLVE" getnameinfo-of g.secret.test 80 numerichost numericserv
	[[ $output =~ ^host\ 240\.[0-9.]+\ serv\ 80$ ]]
	run preloaded "$RESOLVE" getnameinfo-of g.secret.test 80 numerichost namereqd
	[ "$output" = "$("$RESOLVE" getnameinfo 198.18.0.1 80 numerichost namereqd)" ]	# as libc
	run preloaded "$RESOLVE" getnameinfo-of g.secret.test 80 hostlen=13
	[ "$output" = "EAI_OVERFLOW" ]	# "g.secret.test" and its NUL need 14
	run preloaded "$RESOLVE" getnameinfo-of g.secret.test 80 hostlen=14
	[ "$output" = "host g.secret.test serv http" ]
	run preloaded "$RESOLVE" getnameinfo-of g.secret.test 80 servlen=4
	[ "$output" = "EAI_OVERFLOW" ]
	[ "$(dns_queries)" -eq 0 ]
}

@test "names under localhost are loopback, answered here: no DNS query (RFC 6761)" {
	run preloaded "$RESOLVE" getaddrinfo sub.localhost 80 inet
	[ "${lines[0]}" = "inet 127.0.0.1 80 1" ]
	run preloaded "$RESOLVE" getaddrinfo localhost. 80 inet6
	[ "${lines[0]}" = "inet6 ::1 80 1" ]
	run preloaded "$RESOLVE" getaddrinfo A.B.LocalHost 80 unspec
	[ "${lines[0]}" = "inet 127.0.0.1 80 1" ]	# IPv4 first, as /etc/hosts has it
	[ "${lines[3]}" = "inet6 ::1 80 1" ]
	run preloaded "$RESOLVE" getaddrinfo x.localhost http inet canonname
	[ "${lines[0]}" = "canon x.localhost" ]
	[ "${lines[1]}" = "inet 127.0.0.1 80 1" ]
	run preloaded "$RESOLVE" gethostbyname sub.localhost
	[ "$output" = $'name sub.localhost\naddr 127.0.0.1' ]
	run preloaded "$RESOLVE" gethostbyname2 localhost. 6
	[ "$output" = $'name localhost.\naddr ::1' ]
	run preloaded "$RESOLVE" gethostbyname_r sub.localhost.
	[ "$output" = $'name sub.localhost.\naddr 127.0.0.1' ]
	[ "$(dns_queries)" -eq 0 ]
	run preloaded "$RESOLVE" getaddrinfo notlocalhost 80 inet
	[[ $output == "inet 240."* ]]	# a name like any other: the last hop's
	run preloaded SOCKS_CHAIN="$SOCKS_CHAIN dns=local" "$RESOLVE" getaddrinfo sub.localhost 80 inet
	[ "$(dns_queries)" -ge 1 ]	# dns=local: libc's resolver, as asked
}

@test "what is not a host name gets no fake address: EAI_NONAME, HOST_NOT_FOUND" {
	long_label=$(printf 'a%.0s' {1..64}).test
	for name in . .. -leading-dash a..b .a a.-b.test "$long_label" 'a$b.test' $'a\tb'; do
		run preloaded "$RESOLVE" getaddrinfo "$name" 80 inet
		[ "$output" = "EAI_NONAME" ] || { echo "getaddrinfo $name: $output"; false; }
		run preloaded "$RESOLVE" gethostbyname "$name"
		[ "$output" = "h_errno 1" ] || { echo "gethostbyname $name: $output"; false; }
		run preloaded "$RESOLVE" gethostbyname_r "$name"
		[ "$output" = "errno ENOENT h_errno 1" ] || { echo "gethostbyname_r $name: $output"; false; }
	done
	for name in _dmarc.example.test my_host.test fqdn.test. xn--bcher-kva.test; do
		run preloaded "$RESOLVE" getaddrinfo "$name" 80 inet
		[[ $output == "inet 240."* ]] || { echo "getaddrinfo $name: $output"; false; }
	done
	[ "$(dns_queries)" -eq 0 ]
}

@test "getaddrinfo_a, every way it tells: fake addresses, no DNS query" {
	for mode in wait nowait thread signal; do
		run preloaded "$RESOLVE" getaddrinfo_a "$mode" a.secret.test b.secret.test sub.localhost 198.18.0.1 bad..name
		[ "$status" -eq 0 ]
		[[ ${lines[0]} =~ ^a\.secret\.test\ 240\.[0-9.]+$ ]] || { echo "$mode: $output"; false; }
		[[ ${lines[1]} =~ ^b\.secret\.test\ 240\.[0-9.]+$ ]]
		[ "${lines[0]#* }" != "${lines[1]#* }" ]
		[ "${lines[2]}" = "sub.localhost 127.0.0.1" ]
		[ "${lines[3]}" = "198.18.0.1 198.18.0.1" ]
		[ "${lines[4]}" = "bad..name EAI_NONAME" ]
		case $mode in
		thread | signal) [ "${lines[5]}" = "notified" ] ;;
		*) [ "${#lines[@]}" -eq 5 ] ;;
		esac
	done
	[ "$(dns_queries)" -eq 0 ]
	run preloaded SOCKS_CHAIN="$SOCKS_CHAIN dns=local" "$RESOLVE" getaddrinfo_a wait leaky.test
	[ "$output" = "leaky.test 198.18.0.9" ]	# dns=local: libc's own, through the detector
	[ "$(dns_queries)" -ge 1 ]
}

@test "rcmd and rexec connect by themselves: refused, EPERM, a line; ruserok denies with dns=remote" {
	for call in rcmd rcmd_af rexec rexec_af; do
		for host in x.secret.test 198.18.0.7; do
			run preloaded "$RESOLVE" "$call" "$host"
			[ "$status" -eq 1 ]
			[[ $output == *"$call refused errno=EPERM"* ]] || { echo "$call $host: $output"; false; }
			[[ $output == *"sockschain: $call($host:51"[24]") refused: it connects by itself, around the chain"* ]]
		done
	done
	run preloaded "$RESOLVE" ruserok x.secret.test
	[[ $output == *"ruserok refused errno=EPERM"* ]]
	[[ $output == *"sockschain: ruserok(x.secret.test) refused: the DNS query would leave this machine"* ]]
	[ "$(dns_queries)" -eq 0 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/p1.log")" -eq 0 ]
}

@test "every res_* query and send function is refused with dns=remote" {
	for call in res_query res_search res_querydomain res_send res_nquery res_nsearch \
		    res_nquerydomain res_nsend; do
		run preloaded "$RESOLVE" "$call" q.secret.test
		[ "$status" -eq 1 ]
		[[ $output == *"refused h_errno=3 errno=EPERM"* ]] || { echo "$call: $output"; false; }
		[[ $output == *"sockschain: $call("*") refused: the DNS query would leave this machine"* ]]
	done
	[ "$(dns_queries)" -eq 0 ]
}

@test "a full fake map is said once, however many names then fail" {
	names=$(printf 'n%d.test ' $(seq 400))
	run preloaded SOCKS_CHAIN="$SOCKS_CHAIN fake_range=10.99.0.0/24" "$RESOLVE" threads 2 $names
	[ "$status" -eq 1 ]
	[ "$(grep -c 'fail INCONSISTENT' <<<"$output")" -eq 146 ]	# 254 fit
	[ "$(grep -c 'the fake address map is full' <<<"$output")" -eq 1 ]
}

@test "gethostid without /etc/hostid: this host's name looked up in /etc/hosts only, never DNS" {
	[[ ! -e /etc/hostid ]] || skip "/etc/hostid exists: gethostid looks nothing up"
	printf '127.0.0.1 localhost\n' >"$BATS_TEST_TMPDIR/hosts"
	mount --bind "$BATS_TEST_TMPDIR/hosts" /etc/hosts
	run preloaded "$RESOLVE" gethostid
	umount /etc/hosts
	[ "$output" = "hostid 0" ]	# libc's answer for a name it cannot find
	[ "$(dns_queries)" -eq 0 ]
	printf '127.0.0.1 localhost\n10.200.0.1 other %s\n' "$(uname -n)" >"$BATS_TEST_TMPDIR/hosts"
	mount --bind "$BATS_TEST_TMPDIR/hosts" /etc/hosts
	run preloaded "$RESOLVE" gethostid
	plain=$("$RESOLVE" gethostid)
	umount /etc/hosts
	[ "$output" = "$plain" ]	# listed there: libc's own id
	[ "$output" = "hostid ffffffffc80a0100" ]
	[ "$(dns_queries)" -eq 0 ]
}

@test "getnetbyname with \"networks: files dns\": /etc/networks answers, DNS is never asked" {
	printf 'hosts: files dns\nnetworks: files dns\n' >"$BATS_TEST_TMPDIR/nsswitch.conf"
	printf 'loopnet 127.0.0.0\n' >"$BATS_TEST_TMPDIR/networks"
	mount --bind "$BATS_TEST_TMPDIR/nsswitch.conf" /etc/nsswitch.conf
	mount --bind "$BATS_TEST_TMPDIR/networks" /etc/networks
	run preloaded "$RESOLVE" getnetbyname corpnet.secret.test
	missing_out=$output
	run preloaded "$RESOLVE" getnetbyname loopnet
	umount /etc/networks
	umount /etc/nsswitch.conf
	[ "$missing_out" = "none" ]
	[ "$output" = "net loopnet 7f000000" ]
	[ "$(dns_queries)" -eq 0 ]
}
