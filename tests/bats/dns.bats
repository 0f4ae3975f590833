# Remote name resolution: fake addresses, the names the last hop is asked
# for, and a DNS leak detector proving that no query leaves the machine.
bats_require_minimum_version 1.5.0
load ../lib/common

RESOLVE=$BUILD/tests/resolve
DNSRECORDER=$BUILD/tests/dnsrecorder

# Point the resolver at our recording DNS server, in this mount namespace only.
setup_file() {
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$BATS_FILE_TMPDIR/resolv.conf"
	mount --bind "$BATS_FILE_TMPDIR/resolv.conf" /etc/resolv.conf
}

teardown_file() {
	umount /etc/resolv.conf
}

setup() {
	start_target http
	start_server dns "$DNSRECORDER" -p 53 -A 198.18.0.9
	start_proxy p1
	export SOCKS_CHAIN="socks5://127.0.0.1:$p1_PORT"
}

teardown() {
	stop_servers
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

@test "fake_range: a custom range, and a full one gives EAI_MEMORY" {
	run preloaded SOCKS_CHAIN="$SOCKS_CHAIN fake_range=10.99.0.0/24" "$RESOLVE" getaddrinfo r.test 80 inet
	[ "${lines[0]}" = "inet 10.99.0.1 80 1" ]
	names=$(printf 'n%d.test ' $(seq 255))
	run preloaded SOCKS_CHAIN="$SOCKS_CHAIN fake_range=10.99.0.0/24" "$RESOLVE" threads 1 $names
	[ "$status" -eq 1 ]
	[[ $output == *$'\nn254.test 10.99.0.254\nn255.test fail INCONSISTENT'* ]]
	[[ $output == *"cannot resolve n255.test remotely: the fake address map is full"* ]]
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
	[[ $output == *"sockschain: ruserok(x.secret.test) denied: its lookups would send DNS queries out"* ]]
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
