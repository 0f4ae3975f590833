# The servers of tests/bench/run, all on loopback, all stopped by pid at exit
# (run's cleanup): the bundled target and test proxies, and microsocks and
# Dante when installed. start_X sets X_PORT.

source "${BASH_SOURCE[0]%/*}/../lib/dante.bash"

# start_server NAME PROGRAM ARGS...: a bundled server that writes its port file.
start_server() {
	local name=$1 prog=$2 i
	shift 2
	"$prog" -P "$work/$name.port" "$@" >>"$work/$name.err" 2>&1 &
	pids+=($!)
	for ((i = 0; i < 500; i++)); do
		if [[ -s $work/$name.port ]]; then
			printf -v "${name}_PORT" '%s' "$(<"$work/$name.port")"
			return 0
		fi
		sleep 0.01
	done
	echo "bench: $name did not start" >&2
	cat "$work/$name.err" >&2
	exit 1
}

# The proxies log nothing: a log line per request is not what is measured.
start_bundled() {
	start_server tb "$BUILD"/tests/target -m banner
	start_server ts "$BUILD"/tests/target -m source -s "$BYTES"
	start_server p1 "$BUILD"/tests/testproxy -T "127.0.0.1:$tb_PORT"
	start_server p2 "$BUILD"/tests/testproxy -T "127.0.0.1:$tb_PORT"
	start_server p3 "$BUILD"/tests/testproxy -T "127.0.0.1:$tb_PORT"
	start_server pt "$BUILD"/tests/testproxy -T "127.0.0.1:$ts_PORT"
	# far away: 25 ms before every reply
	start_server d1 "$BUILD"/tests/testproxy -T "127.0.0.1:$tb_PORT" -D 25
	start_server d2 "$BUILD"/tests/testproxy -T "127.0.0.1:$tb_PORT" -D 25
}

# free_port VAR: a port no socket of this namespace uses.
free_port() {
	local fp_port fp_hex
	while :; do
		fp_port=$((20000 + RANDOM % 10000))
		printf -v fp_hex ':%04X ' "$fp_port"
		grep -qF -- "$fp_hex" /proc/net/tcp || break
	done
	printf -v "$1" '%s' "$fp_port"
}

# wait_listen NAME PORT: until 127.0.0.1:PORT listens (at most 10 s), then NAME_PORT.
wait_listen() {
	local name=$1 port=$2 listening i
	printf -v listening '^ *[0-9]+: 0100007F:%04X 00000000:0000 0A ' "$port"
	for ((i = 0; i < 1000; i++)); do
		if grep -qE "$listening" /proc/net/tcp; then
			printf -v "${name}_PORT" '%s' "$port"
			return 0
		fi
		sleep 0.01
	done
	echo "bench: $name did not listen on 127.0.0.1:$port; its row is left out" >&2
	cat "$work/$name.err" >&2
}

start_microsocks() {
	local port
	free_port port
	"$MICROSOCKS" -i 127.0.0.1 -p "$port" -b 127.0.0.1 >>"$work/ms.err" 2>&1 &
	pids+=($!)
	wait_listen ms "$port"
}

# Dante in the foreground (no -D), no authentication, loopback to loopback.
start_danted() {
	local port
	free_port port
	dante_conf "$work/dt.log" "$port" error >"$work/danted.conf"
	"$DANTED" -f "$work/danted.conf" -p "$work/danted.pid" -N 2 >>"$work/dt.err" 2>&1 &
	pids+=($!)
	wait_listen dt "$port"
}
