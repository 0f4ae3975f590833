# Event-loop programs connect with non-blocking sockets and wait for
# writability: node (libuv), python asyncio, curl's parallel transfers.
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

@test "python asyncio: ten concurrent connections through the chain" {
	command -v python3 >/dev/null || missing "python3 is not installed"
	run "$SOCKSCHAIN" python3 -c "
import asyncio
async def one(i):
    r, w = await asyncio.open_connection('$REMOTE', 7000 + i)
    w.write(b'asyncio %d\n' % i)
    await w.drain()
    line = await r.readline()
    peer = w.get_extra_info('peername')
    w.close()
    return line.decode().strip(), peer
async def main():
    for line, peer in await asyncio.gather(*(one(i) for i in range(10))):
        print(line, '%s:%d' % peer)
asyncio.run(main())"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 10 ]
	[ "${lines[3]}" = "asyncio 3 $REMOTE:7003" ]
	[ "$(grep -c "dest=$REMOTE:70" "$BATS_TEST_TMPDIR/p2.log")" -eq 10 ]
}

@test "node: net.connect through the chain, with its remote address" {
	command -v node >/dev/null || missing "node is not installed"
	run "$SOCKSCHAIN" node -e "
const net = require('net');
let pending = 5;
for (let i = 0; i < 5; i++) {
  const s = net.connect({ host: '$REMOTE', port: 7100 + i }, () => {
    s.write('node ' + i + '\n');
  });
  s.on('data', d => {
    console.log(d.toString().trim(), s.remoteAddress + ':' + s.remotePort);
    s.end();
    if (--pending === 0) process.exit(0);
  });
  s.on('error', e => { console.log('error', e.code); process.exit(1); });
}
setTimeout(() => { console.log('timeout'); process.exit(1); }, 10000);"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	[[ $output == *"node 2 $REMOTE:7102"* ]]
	[ "$(grep -c "dest=$REMOTE:710" "$BATS_TEST_TMPDIR/p2.log")" -eq 5 ]
}

@test "node sees a refused chain as ECONNREFUSED" {
	command -v node >/dev/null || missing "node is not installed"
	stop_servers
	start_target echo
	start_proxy p1 -f refuse
	run "$SOCKSCHAIN" -q -c "$(hop p1)" node -e "
require('net').connect(80, '$REMOTE').on('error', e => console.log(e.code)).on('connect', () => console.log('connected'))"
	[ "$output" = "ECONNREFUSED" ]
}

@test "curl's parallel transfers, several connections at once" {
	need_curl
	stop_servers
	start_target http
	start_proxy p1
	start_proxy p2
	run "$SOCKSCHAIN" -c "$(hop p1) $(hop p2)" curl -sS --max-time 10 --parallel \
		"http://$REMOTE/a" "http://198.18.0.8/b" "http://198.18.0.9/c"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'hello from target' <<<"$output")" -eq 3 ]
	[[ $(proxy_log p2) == *"dest=198.18.0.9:80 "* ]]
}
