#!/usr/bin/env bash
# A chain of SSH hosts, made of `ssh -D` SOCKS proxies:
#
#   ssh-hops.sh [-F SSH_CONFIG] [-o SSH_OPTION]... [-C CHAIN_ITEMS] [-p PORT]
#               HOST1 [HOST2...] [-- COMMAND [ARG...]]
#
# It logs in to HOST1 with `ssh -N -D 127.0.0.1:PORT`, a SOCKS proxy on this
# machine whose connections leave from HOST1. It then logs in to HOST2 with
# ssh run under sockschain through that proxy, so HOST2 is reached from HOST1
# (and need only be known there: its name is resolved by HOST1), and gets a
# second SOCKS proxy on the next free port, whose connections leave from
# HOST2. And so on: the last proxy carries connections through every host.
#
# With COMMAND, it runs COMMAND through the last proxy and ends. Without, it
# prints the chain to use (SOCKS_CHAIN=...) and waits until interrupted (^C)
# or until one of its ssh logins ends. Either way it stops every ssh it
# started when it exits.
#
#   HOST           an ssh destination: [user@]host or ssh://[user@]host[:port]
#   -F, -o         passed to every ssh (-o repeatable): -o IdentityFile=~/.ssh/k
#   -C ITEMS       chain options added to every chain used here and printed,
#                  e.g. -C timeout=30 for slow links
#   -p PORT        the first local port to try (default 10800); each proxy
#                  takes the next one free
#
# sockschain is taken from PATH, or from $SOCKSCHAIN (say, build/sockschain).
# Example, two hosts, then curl from the second one:
#   examples/ssh-hops.sh bastion.example.org inner.example.org -- curl https://example.org/
set -eu

usage() {
	echo "usage: ssh-hops.sh [-F SSH_CONFIG] [-o SSH_OPTION]... [-C CHAIN_ITEMS] [-p PORT] HOST1 [HOST2...] [-- COMMAND [ARG...]]" >&2
	exit 2
}

sockschain=${SOCKSCHAIN:-$(command -v sockschain || true)}
[[ -n $sockschain ]] || { echo "ssh-hops: no sockschain in PATH (set SOCKSCHAIN)" >&2; exit 2; }
ssh_opts=(-N -n -o ExitOnForwardFailure=yes)
items=
port=10800
while getopts F:o:C:p:h opt; do
	case $opt in
	F) ssh_opts+=(-F "$OPTARG") ;;
	o) ssh_opts+=(-o "$OPTARG") ;;
	C) items+=" $OPTARG" ;;
	p) port=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
hosts=()
while (($#)) && [[ $1 != -- ]]; do
	hosts+=("$1")
	shift
done
(($# == 0)) || shift	# the --
command=("$@")
((${#hosts[@]} > 0)) || usage

pids=()
# shellcheck disable=SC2317  # called by the traps
cleanup() {
	local pid
	trap - EXIT
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# listening PORT: something listens on 127.0.0.1:PORT. In /proc/net/tcp a
# listener is "N: 0100007F:PORT 00000000:0000 0A" (0A: LISTEN).
listening() {
	grep -qE "^ *[0-9]+: 0100007F:$(printf %04X "$1") 00000000:0000 0A " /proc/net/tcp
}

# in_use PORT: any socket here has PORT as its own or its peer's.
in_use() {
	grep -qF ":$(printf %04X "$1") " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# hop N HOST: logs in to HOST with a SOCKS proxy on the next free port, which
# it sets as hop_port, through the proxy of hop N-1 when there is one.
hop() {
	local n=$1 host=$2 pid i
	while in_use "$port"; do
		port=$((port + 1))
	done
	hop_port=$port
	port=$((port + 1))
	echo "ssh-hops: hop $n: $host, SOCKS proxy on 127.0.0.1:$hop_port" >&2
	if ((n == 1)); then
		ssh "${ssh_opts[@]}" -D "127.0.0.1:$hop_port" "$host" &
	else
		"$sockschain" -c "socks5://127.0.0.1:$prev_port$items" \
			ssh "${ssh_opts[@]}" -D "127.0.0.1:$hop_port" "$host" &
	fi
	pid=$!
	pids+=("$pid")
	# Logging in may take a password or a passphrase: wait up to 2 minutes.
	for ((i = 0; i < 1200; i++)); do
		listening "$hop_port" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "ssh-hops: hop $n ($host) did not start its SOCKS proxy" >&2
	return 1
}

n=0
prev_port=
for host in "${hosts[@]}"; do
	n=$((n + 1))
	hop "$n" "$host"
	prev_port=$hop_port
done
chain="socks5://127.0.0.1:$prev_port$items"

if ((${#command[@]})); then
	status=0
	"$sockschain" -c "$chain" "${command[@]}" || status=$?
	exit "$status"
fi
echo "ssh-hops: ready; in another shell, until this one ends:" >&2
printf "SOCKS_CHAIN='%s'\n" "$chain"
echo "ssh-hops: e.g. sockschain -c '$chain' curl https://example.org/ (^C here stops every hop)" >&2
# Until ^C, or until any of the logins ends.
wait -n "${pids[@]}" || true
echo "ssh-hops: an ssh login ended; stopping the others" >&2
exit 1
