# Chromium and Firefox headless by name. Chromium's browser process resolves
# and its network service (another exec'd process) connects, so the fake
# address map must be the launcher's whole tree's. The page and its subresources come from a web
# server on loopback that only the last hop reaches (it serves every name).
bats_require_minimum_version 1.5.0
load ../lib/common

WEB=$BATS_TEST_DIRNAME/../tools/web

setup() {
	command -v chromium >/dev/null || missing "chromium is not installed"
	command -v firefox >/dev/null || missing "firefox is not installed"
	command -v python3 >/dev/null || missing "python3 is not installed"
	# Like curl (need_curl): a foreign program, which the preloaded ASan runtime breaks.
	[[ ${SANITIZE:-} != 1 ]] || skip "chromium does not run with a preloaded ASan runtime"
	python3 -c '
import http.server, os, sys
os.chdir(sys.argv[1])
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        with open(sys.argv[3], "a") as log:
            log.write("%s\n" % self.requestline)
class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128  # not 5: many.html opens 24 connections at once, and a SYN dropped waits 1 s
s = Server(("127.0.0.1", 0), Quiet)
open(sys.argv[2] + ".tmp", "w").write(str(s.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
s.serve_forever()' "$WEB" "$BATS_TEST_TMPDIR/web.port" "$BATS_TEST_TMPDIR/web.log" 3>&- &
	echo $! >>"$BATS_TEST_TMPDIR/server.pids"
	target_PORT=$(wait_port "$BATS_TEST_TMPDIR/web.port")
	start_proxy p1
	export SOCKS_CHAIN="socks5://127.0.0.1:$p1_PORT"
	PROFILE=$BATS_TEST_TMPDIR/profile
	mkdir -p "$PROFILE"
}

teardown() {
	stop_servers
	if [[ -f $BATS_TEST_TMPDIR/profile.made ]]; then rm -rf "$(cat "$BATS_TEST_TMPDIR/profile.made")"; fi
}

CHROMIUM_BASE=(--headless --disable-gpu --disable-quic --no-first-run --disable-background-networking
	--disable-component-update --disable-sync)
# Virtual time lets the page's script finish its fetch before the dump.
CHROMIUM_FLAGS=("${CHROMIUM_BASE[@]}" --virtual-time-budget=5000)

# The page, its stylesheet, script, image, and what the script fetched, all through the chain.
page_carried() {
	[[ $output == *'<p id="static">served through the chain</p>'* ]]
	[[ $output == *'<div id="dyn">script ran: fetched-data</div>'* ]]
	local web
	web=$(cat "$BATS_TEST_TMPDIR/web.log")
	[[ $web == *"GET / HTTP/1.1"* && $web == *"GET /style.css "* && $web == *"GET /app.js "* &&
		$web == *"GET /pixel.svg "* && $web == *"GET /data.txt "* ]]
	[[ $(proxy_log p1) == *"proto=socks5 user=- dest=www.example.test:80 "*granted* ]]
	# Every request the hop carried named a host: nothing was dialed by a fake address.
	[[ $(proxy_log p1) != *"dest=240."* ]]
}

@test "chromium --dump-dom by name through the library: the page and its subresources" {
	run timeout 60 "$SOCKSCHAIN" chromium "${CHROMIUM_FLAGS[@]}" --no-sandbox \
		--user-data-dir="$PROFILE" --dump-dom http://www.example.test/
	[ "$status" -eq 0 ]
	page_carried
	[[ $output != *"did not hand out"* ]]
}

@test "chromium --dump-dom by name under --supervise (library and supervisor)" {
	run timeout 60 "$SOCKSCHAIN" --supervise chromium "${CHROMIUM_FLAGS[@]}" --no-sandbox \
		--user-data-dir="$PROFILE" --dump-dom http://www.example.test/
	[ "$status" -eq 0 ]
	page_carried
	[[ $output != *"did not hand out"* ]]
}

@test "chromium as a user without privileges, its own sandbox on, under --supervise" {
	command -v setpriv >/dev/null || missing "setpriv is not installed"
	# The user must reach its profile: not under the test's own private directory.
	PROFILE=$(mktemp -d /tmp/sockschain-chromium.XXXXXX)
	echo "$PROFILE" >"$BATS_TEST_TMPDIR/profile.made"
	chown 65534:65534 "$PROFILE"
	run timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$PROFILE" \
		"$SOCKSCHAIN" --supervise chromium "${CHROMIUM_FLAGS[@]}" \
		--user-data-dir="$PROFILE" --dump-dom http://www.example.test/
	echo "$output" | grep -v dbus | tail -5
	[ "$status" -eq 0 ]
	page_carried
}

MANY_HOSTS=24	# the images of many.html, each from a host of its own: imgN.example.test
HOP_DELAY=100	# ms before every reply of each of two SOCKS5 hops: a connection costs 400 ms or more

# many_hosts [LAUNCHER-OPTION...]: chromium loads many.html through two hops
# that take their time (SPEC_EXTRA is added to the chain), and sets span and
# one, the page's own figures in ms: its images' time together, and its own
# connection's. Chromium connects to each host on its own connection, all from
# its network service's one event loop. No virtual time here: under
# --virtual-time-budget the page's clock leaps ahead whenever the page waits
# for nothing, and without it --dump-dom dumps once the page has loaded.
many_hosts() {
	local timing i
	start_proxy h1 -D "$HOP_DELAY"
	start_proxy h2 -D "$HOP_DELAY"
	export SOCKS_CHAIN="socks5://127.0.0.1:$h1_PORT socks5://127.0.0.1:$h2_PORT${SPEC_EXTRA:+ $SPEC_EXTRA}"
	run timeout 90 "$SOCKSCHAIN" "$@" chromium "${CHROMIUM_BASE[@]}" --no-sandbox \
		--user-data-dir="$PROFILE" --dump-dom http://www.example.test/many.html
	[ "$status" -eq 0 ]
	timing=$(sed -nE 's/.*<p id="timing">([^<]*)<.*/\1/p' <<<"$output")
	echo "the page says: ${timing:-nothing}"
	[[ $timing == "loaded $MANY_HOSTS/$MANY_HOSTS timed=$MANY_HOSTS span_ms="* ]]
	span=$(sed -nE 's/.* span_ms=([0-9]+) .*/\1/p' <<<"$timing")
	one=$(sed -nE 's/.* one_ms=([0-9]+)$/\1/p' <<<"$timing")
	# Each image's request reached the web server, through a tunnel the last
	# hop opened to its host by name; the first hop was asked for the second only.
	for ((i = 1; i <= MANY_HOSTS; i++)); do
		grep -q "^GET /pixel.svg?img=$i HTTP/1.1\$" "$BATS_TEST_TMPDIR/web.log"
		grep -q "proto=socks5 user=- dest=img$i.example.test:80 .*result=granted" \
			"$BATS_TEST_TMPDIR/h2.log"
	done
	[[ $(proxy_log h2) != *"dest=240."* ]]
	[ "$(grep -vc "dest=127.0.0.1:$h2_PORT .*result=granted" "$BATS_TEST_TMPDIR/h1.log")" -eq 0 ]
}

@test "chromium, 24 hosts at once through a slow chain: about one connection's time, not 24" {
	many_hosts
	echo "span of the $MANY_HOSTS images: $span ms; one connection: $one ms"
	# The page's own connection paid the chain's four replies (its clock, carried
	# over from the network service's process, can come out a little short).
	[ "$one" -ge $((3 * HOP_DELAY)) ]
	# In turns they would take 24 times one at least.
	[ "$span" -le $((3 * one)) ]
}

@test "chromium, 24 hosts, async=no: the connections take their turns" {
	SPEC_EXTRA="async=no" many_hosts
	echo "span of the $MANY_HOSTS images: $span ms; one connection: $one ms"
	# Each connect() dials on the spot, stopping the network service's loop
	# (and the page's connection then shows no connect time at all).
	[ "$span" -ge $((MANY_HOSTS * 3 * HOP_DELAY)) ]
}

@test "chromium, 24 hosts at once under --supervise: the library still dials them together" {
	many_hosts --supervise
	echo "span of the $MANY_HOSTS images: $span ms; one connection: $one ms"
	[ "$one" -ge $((3 * HOP_DELAY)) ]
	[ "$span" -le $((3 * one)) ]
}

# Firefox has no --dump-dom: a screenshot loads the page and its subresources.
firefox_page() {
	local profile=$1
	shift
	run timeout 90 "$@" firefox --headless --no-remote --profile "$profile" \
		--screenshot "$profile/shot.png" http://www.example.test/
}

# A screenshot was made, of a page whose every part came through the chain by name.
firefox_carried() {
	local web
	[ "$status" -eq 0 ]
	[ -s "$1/shot.png" ]
	web=$(cat "$BATS_TEST_TMPDIR/web.log")
	[[ $web == *"GET / HTTP/1.1"* && $web == *"GET /style.css "* && $web == *"GET /app.js "* &&
		$web == *"GET /pixel.svg "* && $web == *"GET /data.txt "* ]]
	[[ $(proxy_log p1) == *"proto=socks5 user=- dest=www.example.test:80 "*granted* ]]
	[[ $(proxy_log p1) != *"dest=240."* ]]
}

@test "firefox headless by name through the library" {
	firefox_page "$PROFILE" env HOME="$PROFILE" "$SOCKSCHAIN"
	firefox_carried "$PROFILE"
}

@test "firefox headless by name under --supervise, as a user without privileges, its sandbox on" {
	command -v setpriv >/dev/null || missing "setpriv is not installed"
	PROFILE=$(mktemp -d /tmp/sockschain-firefox.XXXXXX)
	echo "$PROFILE" >"$BATS_TEST_TMPDIR/profile.made"
	chown 65534:65534 "$PROFILE"
	firefox_page "$PROFILE" setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME="$PROFILE" "$SOCKSCHAIN" --supervise
	firefox_carried "$PROFILE"
}
