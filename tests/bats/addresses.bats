# Every way an address reaches the kernel: judged as the kernel reads it
# (lengths, families, the unspecified address), through every call and
# alias that connects or sends, and a bad pointer answered with EFAULT.
bats_require_minimum_version 1.5.0
load ../lib/common

BADPTR=$BUILD/tests/badptr

setup() {
	start_target echo
	start_proxy p1
	export SOCKS_CHAIN="$(hop p1)"
}

teardown() {
	stop_servers
}

@test "an AF_INET6 address of 24 bytes (no scope id, as the kernel accepts) goes through the chain" {
	run preloaded "$CLIENT" --v6 --addrlen 24 --send v6 --expect v6 "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == *"dest=$REMOTE:80 "*granted* ]]
	run preloaded "$CLIENT" --v6 --addrlen 24 --connect-with syscall --send v6 --expect v6 "$REMOTE" 81
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == *"dest=$REMOTE:81 "*granted* ]]
	# shorter than the kernel reads: its own EINVAL, and nothing asked of the proxy
	run preloaded "$CLIENT" --v6 --addrlen 23 "$REMOTE" 82
	[[ $output == *"fail errno=EINVAL"* ]]
	[[ $(proxy_log p1) != *":82 "* ]]
}

@test "Fast Open sends with a 24-byte AF_INET6 address go through the chain" {
	for call in sendto sendmsg sendmmsg; do
		run preloaded "$CLIENT" --v6 --addrlen 24 --fastopen "$call" --send "tfo-$call" \
			--expect "tfo-$call" "$REMOTE" 90
		[ "$status" -eq 0 ] || { echo "$call: $output"; false; }
	done
	[ "$(grep -c "dest=$REMOTE:90 .*granted" "$BATS_TEST_TMPDIR/p1.log")" -eq 3 ]
}

@test "sendmmsg with MSG_FASTOPEN goes through the chain, like sendto and sendmsg" {
	for call in sendmmsg __sendmmsg sendto sendmsg; do
		run preloaded "$CLIENT" --fastopen "$call" --send "tfo-$call" --expect "tfo-$call" \
			"$REMOTE" 91
		[ "$status" -eq 0 ] || { echo "$call: $output"; false; }
		sent=$(( ${#call} + 4 ))	# bytes; sendmmsg counts messages
		[[ $call != *sendmmsg ]] || sent=1
		[[ $output == *"sent=$sent "* ]]
	done
	[ "$(grep -c "dest=$REMOTE:91 .*granted" "$BATS_TEST_TMPDIR/p1.log")" -eq 4 ]
	# fails closed as connect() does
	stop_servers
	rm "$BATS_TEST_TMPDIR/target.log"
	start_target echo
	start_proxy p1 -f refuse
	run preloaded SOCKS_CHAIN="$(hop p1)" "$CLIENT" --fastopen sendmmsg --send x "$REMOTE" 91
	[[ $output == *"fail errno=ECONNREFUSED"* ]]
	[ ! -s "$BATS_TEST_TMPDIR/target.log" ]
}

@test "glibc's __connect alias goes through the chain like connect()" {
	run preloaded "$CLIENT" --connect-with __connect --send 'alias' --expect 'alias' "$REMOTE" 92
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == *"dest=$REMOTE:92 "*granted* ]]
}

@test "TCP to an address of another family than the socket's: the kernel's errno, no proxy asked, no line" {
	start_proxy p2
	export SOCKS_CHAIN="mode=dynamic $(hop p1) $(hop p2)"
	for mode in --blocking --nonblock; do
		# an AF_INET address on an AF_INET6 socket: too short for it, or of the wrong family
		run preloaded "$CLIENT" ${mode/--blocking/} --socket6 --send x "$REMOTE" 80
		[[ $output == "fail errno=EINVAL"* ]] || { echo "$mode: $output"; false; }
		run preloaded "$CLIENT" ${mode/--blocking/} --socket6 --addrlen 28 --send x "$REMOTE" 80
		[[ $output == "fail errno=EAFNOSUPPORT"* ]] || { echo "$mode: $output"; false; }
		# an AF_INET6 family on an AF_INET socket's address
		run preloaded "$CLIENT" ${mode/--blocking/} --sa-family inet6 --send x "$REMOTE" 80
		[[ $output == "fail errno=EAFNOSUPPORT"* ]] || { echo "$mode: $output"; false; }
		run preloaded "$CLIENT" ${mode/--blocking/} --socket6 --connect-with syscall --send x "$REMOTE" 80
		[[ $output == "fail errno=EINVAL"* ]] || { echo "$mode: $output"; false; }
	done
	[ ! -s "$BATS_TEST_TMPDIR/p1.log" ]
	[ ! -s "$BATS_TEST_TMPDIR/p2.log" ]
	# and no hop was blamed for it: the next connection still goes by p1
	run preloaded "$CLIENT" --nonblock --send ok --expect ok "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == *"dest=127.0.0.1:$p2_PORT "*granted* ]]
	[[ $(proxy_log p2) == *"dest=$REMOTE:80 "*granted* ]]
}

@test "UDP with a 24-byte AF_INET6 address meets the leak guard" {
	run preloaded "$CLIENT" --udp --v6 --addrlen 24 --send q "$REMOTE" 4000
	[[ $output == *"fail errno=EPERM"* ]]
	[[ $output == *"connect refused: UDP cannot go through the chain"* ]]
	for call in sendto sendmsg sendmmsg; do
		run preloaded "$CLIENT" --udp-send "$call" --v6 --addrlen 24 --send q 127.0.0.1 53
		[[ $output == *"fail errno=EPERM"* ]] || { echo "$call: $output"; false; }
		[[ $output == *"127.0.0.1:53: $call refused: DNS would leave"* ]]
	done
}

@test "UDP judged by the socket's family: AF_UNSPEC on IPv4, AF_INET on IPv6" {
	for call in sendto sendmsg sendmmsg; do
		# the kernel sends an AF_UNSPEC address on an AF_INET socket as AF_INET
		run preloaded "$CLIENT" --udp-send "$call" --sa-family unspec --send q "$REMOTE" 4000
		[[ $output == *"fail errno=EPERM"* ]] || { echo "$call: $output"; false; }
		# and an AF_INET address on an AF_INET6 socket as IPv4
		run preloaded "$CLIENT" --udp-send "$call" --socket6 --send q "$REMOTE" 4000
		[[ $output == *"fail errno=EPERM"* ]] || { echo "$call: $output"; false; }
		run preloaded "$CLIENT" --udp-send "$call" --socket6 --send q 127.0.0.1 4000
		[ "$status" -eq 0 ]
	done
	run preloaded "$CLIENT" --udp --socket6 --send q "$REMOTE" 4000
	[[ $output == *"fail errno=EPERM"* ]]
	# sendmsg() reads a name longer than any as its first 128 bytes
	run preloaded "$CLIENT" --udp-send sendmsg --addrlen 200 --send q "$REMOTE" 4000
	[[ $output == *"fail errno=EPERM"* ]]
}

@test "raw IP meets the leak guard: UDP in it to any address, ICMP unless bypassed" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)' ||
		skip "no raw sockets here"
	start_server dns "$BUILD/tests/dnsrecorder" -p 53 -A 198.18.0.9
	run preloaded python3 -c "
import socket, struct, errno
query = struct.pack('!6H', 0x1234, 0x0100, 1, 0, 0, 0) + b'\x03raw\x04test\x00' + struct.pack('!HH', 1, 1)
udp = struct.pack('!4H', 40000, 53, 8 + len(query), 0) + query	# checksum 0: none, for IPv4
echo = struct.pack('!BBHHH', 8, 0, 0xf7ff, 0, 0)	# its checksum, precomputed
for proto, packet in [(socket.IPPROTO_UDP, udp), (socket.IPPROTO_ICMP, echo)]:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
    for dest in ['127.0.0.1', '$REMOTE']:
        try:
            s.sendto(packet, (dest, 0)); print('sent')
        except OSError as e:
            print(errno.errorcode[e.errno])"
	[ "${lines[0]}" = "sockschain: 127.0.0.1:0: sendto refused: raw IP, whose ports cannot be seen, could carry DNS (udp=allow permits it)" ]
	[ "$(grep -v '^sockschain: ' <<<"$output" | tr '\n' ' ')" = "EPERM EPERM sent EPERM " ]
	sleep 0.2
	[ ! -s "$BATS_TEST_TMPDIR/dns.log" ]	# the query never reached the resolver
}

@test "the unspecified address is this host to the kernel: bypassed like loopback" {
	run preloaded "$CLIENT" --send 'any' --expect 'any' 0.0.0.0 "$target_PORT"
	[ "$status" -eq 0 ]
	run preloaded "$CLIENT" --v6 --send 'any6' --expect 'any6' 0.0.0.0 "$target_PORT"
	[ "$status" -eq 0 ]
	[ ! -s "$BATS_TEST_TMPDIR/p1.log" ]	# not the proxy's own loopback
	run preloaded "$CLIENT" --udp-send sendto --send q 0.0.0.0 4000
	[ "$status" -eq 0 ]
	run preloaded "$CLIENT" --udp-send sendto --send q 0.0.0.0 53
	[[ $output == *"fail errno=EPERM"* ]]
}

@test "a link-local IPv6 destination is refused, not sent to a proxy's own link" {
	stop_servers
	start_target echo
	start_proxy p1
	run preloaded SOCKS_CHAIN="socks5://127.0.0.1:$p1_PORT" "$CLIENT" fe80::1 80
	[[ $output == *"fail errno=EACCES"* ]]
	[[ $output == *"[fe80::1]:80: refused, not connecting directly: a link-local address"* ]]
	[ ! -s "$BATS_TEST_TMPDIR/p1.log" ]
	run preloaded SOCKS_CHAIN="socks5://127.0.0.1:$p1_PORT" "$CLIENT" 2001:2::7 80
	[ "$status" -eq 0 ]	# other IPv6 destinations still go
}

@test "a bad pointer gives EFAULT, as without the library, not a crash" {
	for call in connect syscall-connect sendto sendto-fastopen sendmsg sendmsg-name sendmmsg \
		    sendmmsg-name getpeername getpeername-len; do
		# ASan's own getpeername(), in front of ours, reads the length unchecked
		[[ ${SANITIZE:-} != 1 || $call != getpeername-len ]] || continue
		run "$BADPTR" "$call" 127.0.0.1 "$target_PORT"
		[ "$output" = "$call errno=EFAULT" ]
		run preloaded "$BADPTR" "$call" "$REMOTE" 80
		[ "$status" -eq 0 ] || { echo "$call: status $status $output"; false; }
		[ "$output" = "$call errno=EFAULT" ]
	done
}

@test "sendmmsg: entries before a bad one are sent and counted, and long vectors go whole" {
	for call in sendmmsg-second sendmmsg-many; do
		run "$BADPTR" "$call" 127.0.0.1 4000
		plain=$output
		run preloaded "$BADPTR" "$call" 127.0.0.1 4000
		[ "$status" -eq 0 ]
		[ "$output" = "$plain" ]
	done
	[ "$output" = "sendmmsg-many sent=40 lens=40" ]
	run preloaded "$BADPTR" sendmmsg-second 127.0.0.1 4000
	[ "$output" = "sendmmsg-second sent=1 lens=1" ]
}

@test "syscall(SYS_getpeername) gives the destination like getpeername()" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run preloaded python3 -c "
import ctypes, socket
libc = ctypes.CDLL(None, use_errno=True)
s = socket.create_connection(('$REMOTE', 93))
buf = ctypes.create_string_buffer(128); n = ctypes.c_uint(128)
print(libc.syscall(52, s.fileno(), buf, ctypes.byref(n)), socket.inet_ntoa(buf.raw[4:8]),
      int.from_bytes(buf.raw[2:4], 'big'))"
	[ "$status" -eq 0 ]
	[ "$output" = "0 $REMOTE 93" ]
}
