# Real proxy servers, written by others, for the interop suite: Dante (SOCKS4,
# SOCKS5), microsocks (SOCKS5, RFC 1929), OpenSSH's `ssh -D` (SOCKS4, SOCKS4A,
# SOCKS5) and tinyproxy (HTTP CONNECT, Basic auth).
#
# start_KIND NAME [...] runs one in the foreground on 127.0.0.1, on a free
# port, with a throwaway config in the test's temp dir; sets NAME_PORT once it
# listens. Its pid goes to server.pids, so stop_servers (common.bash) stops it.
# Files in the temp dir: NAME.conf its config, NAME.err its stdout and stderr,
# NAME.log its own log. KIND_asked NAME prints what it was asked, a line each.
# A server that is not installed skips the test, with a notice.

# Every ssh client here: no user config, no agent keys, no host key prompts or
# records, never a password prompt.
SSH_OPTS=(-F none -o BatchMode=yes -o IdentitiesOnly=yes
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)

interop_dir() {
	echo "${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}"
}

# require VAR PROGRAM: sets VAR to PROGRAM's path, or skips the test. Daemons
# live in sbin directories, which a user's PATH may lack.
require() {
	local rq_path
	rq_path=$(PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin command -v "$2") ||
		missing "$2 is not installed"
	printf -v "$1" '%s' "$rq_path"
}

# free_port VAR: sets VAR to a port no socket here uses, below the ephemeral
# range so that no outgoing connection holds it. Suites run one at a time in
# their own namespace, and each server listens before the next port is picked.
free_port() {
	local fp_port fp_hex i
	for ((i = 0; i < 100; i++)); do
		fp_port=$((20000 + RANDOM % 12000))
		printf -v fp_hex ':%04X ' "$fp_port"
		if ! grep -qF -- "$fp_hex" /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
			printf -v "$1" '%s' "$fp_port"
			return 0
		fi
	done
	echo "no free port found" >&2
	return 1
}

# spawn NAME COMMAND...: runs COMMAND in the background, output to NAME.err,
# and records its pid; sets spawned_pid. (fd 3 closed: bats waits for it.)
spawn() {
	local name=$1 dir
	dir=$(interop_dir)
	shift
	"$@" </dev/null >>"$dir/$name.err" 2>&1 3>&- &
	spawned_pid=$!
	echo "$spawned_pid" >>"$dir/server.pids"
}

# alive PID: the process exists and has not exited (a zombie has).
alive() {
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}

# wait_listen NAME PID PORT: waits at most 10 s until 127.0.0.1:PORT listens,
# then sets NAME_PORT. Fails at once, showing the server's messages, if PID
# exits first.
wait_listen() {
	local name=$1 pid=$2 port=$3 dir listening i
	dir=$(interop_dir)
	# /proc/net/tcp: "  N: 0100007F:PORT 00000000:0000 0A ..." (0A is LISTEN)
	printf -v listening '^ *[0-9]+: [0-9A-F]{8}:%04X 00000000:0000 0A ' "$port"
	for ((i = 0; i < 1000; i++)); do
		if grep -qE "$listening" /proc/net/tcp; then
			printf -v "${name}_PORT" '%s' "$port"
			return 0
		fi
		alive "$pid" || break
		sleep 0.01
	done
	echo "$name did not listen on 127.0.0.1:$port (pid $pid)" >&2
	cat "$dir/$name.err" "$dir/$name.log" >&2 2>/dev/null
	return 1
}

# ---- names for the servers to resolve -------------------------------------

# The destination name the servers resolve, to 127.0.0.1, after hosts_name.
TARGET_NAME=target.interop.test

# hosts_name: TARGET_NAME resolves for the servers (no DNS here: they read
# /etc/hosts), until unhosts. A bind mount, so only inside the test namespace
# (build/tests/netns -m, whose lo is its only interface).
hosts_name() {
	local dir
	dir=$(interop_dir)
	[[ $(grep -c ':' /proc/net/dev) == 1 ]] ||
		skip "not in the private test namespace: /etc/hosts is left alone"
	{ cat /etc/hosts; echo "127.0.0.1 $TARGET_NAME"; } >"$dir/hosts"
	mount --bind "$dir/hosts" /etc/hosts 2>/dev/null ||
		skip "cannot bind-mount a hosts file here"
	: >"$dir/hosts.mounted"
}

unhosts() {
	local dir
	dir=$(interop_dir)
	[[ -e $dir/hosts.mounted ]] || return 0
	umount /etc/hosts
	rm -f "$dir/hosts.mounted"
}

# ---- Dante ------------------------------------------------------------

source "${BASH_SOURCE[0]%/*}/dante.bash"

# start_danted NAME: Dante, SOCKS4 and SOCKS5 without authentication, to
# loopback destinations only. It does not speak SOCKS4A: it takes the
# 0.0.0.x of a request with a name for the address, which no rule here
# passes, and answers 91.
start_danted() {
	local name=$1 dir port danted
	require danted danted
	dir=$(interop_dir)
	free_port port
	dante_conf "$dir/$name.log" "$port" "connect error" >"$dir/$name.conf"
	# Without -D it stays in the foreground; -N 1: one server process.
	spawn "$name" "$danted" -f "$dir/$name.conf" -p "$dir/$name.pid" -N 1
	wait_listen "$name" "$spawned_pid" "$port"
}

# danted_asked NAME: "socks4 DEST:PORT from OUT:PORT", a request: the protocol,
# the destination (an address: Dante logs a name resolved) and Dante's own end
# of its connection there. From the log line
#   ... pass(1): tcp/connect [: CLIENT.PORT DANTE.PORT -> OUT.PORT DEST.PORT
danted_asked() {
	sed -nE \
		-e 's/.* pass\(([12])\): tcp\/connect \[: [^ ]+ [^ ]+ -> ([^ ]+)\.([0-9]+) ([^ ]+)\.([0-9]+)$/rule\1 \4:\5 from \2:\3/' \
		-e 's/^rule1 /socks4 /' -e 's/^rule2 /socks5 /' -e '/^socks[45] /p' \
		"$(interop_dir)/$1.log"
}

# ---- microsocks ---------------------------------------------------------

# start_microsocks NAME [USER PASSWORD]: microsocks, SOCKS5, with RFC 1929
# user and password if given. Its connections leave from 127.0.0.1 (-b).
start_microsocks() {
	local name=$1 port microsocks login=()
	require microsocks microsocks
	(($# < 3)) || login=(-u "$2" -P "$3")
	free_port port
	spawn "$name" "$microsocks" -i 127.0.0.1 -p "$port" -b 127.0.0.1 "${login[@]}"
	wait_listen "$name" "$spawned_pid" "$port"
}

# microsocks_asked NAME: "127.0.0.1:PORT" or "localhost:PORT", a request it
# carried. It logs to stderr: "client[5] 127.0.0.1: connected to HOST:PORT".
microsocks_asked() {
	sed -n 's/^client\[[0-9]*\] [^ ]*: connected to //p' "$(interop_dir)/$1.err"
}

# ---- tinyproxy ----------------------------------------------------------

# start_tinyproxy NAME [USER PASSWORD]: tinyproxy, HTTP CONNECT, with Basic
# auth if given (its config parser takes only [-A-Za-z0-9._] there). No
# ConnectPort line: CONNECT to any port. Its connections leave from 127.0.0.1.
start_tinyproxy() {
	local name=$1 dir port tinyproxy auth=
	require tinyproxy tinyproxy
	(($# < 3)) || auth="BasicAuth $2 $3"
	dir=$(interop_dir)
	free_port port
	cat >"$dir/$name.conf" <<EOF
Port $port
Listen 127.0.0.1
Bind 127.0.0.1
Allow 127.0.0.1
LogFile "$dir/$name.log"
LogLevel Connect
$auth
EOF
	# -d: the foreground. As root without a User line it warns, and stays root.
	spawn "$name" "$tinyproxy" -d -c "$dir/$name.conf"
	wait_listen "$name" "$spawned_pid" "$port"
}

# tinyproxy_asked NAME: "CONNECT HOST:PORT HTTP/1.1", a request line.
tinyproxy_asked() {
	sed -n 's/.*: Request (file descriptor [0-9]*): //p' "$(interop_dir)/$1.log"
}

# http_refusal PORT: the status line the HTTP proxy at 127.0.0.1:PORT answers
# to a CONNECT with a wrong password (tinyproxy 1.11.1 sends a 401, later
# versions a 407). Asked with bash's own /dev/tcp: no chain, no other tool.
http_refusal() {
	local fd line
	exec {fd}<>"/dev/tcp/127.0.0.1/$1"
	# eDp5 is base64 for "x:y"
	printf 'CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\nProxy-Authorization: Basic eDp5\r\n\r\n' >&"$fd"
	IFS= read -r -t 5 line <&"$fd"
	exec {fd}>&-
	printf '%s\n' "${line%$'\r'}"
}

# ---- OpenSSH ------------------------------------------------------------

# uid_mapped UID: UID exists in this user namespace. Run by a user without
# privileges, build/tests/netns maps only that user (as root), and sshd cannot
# switch to its privilege separation user.
uid_mapped() {
	local inside count
	while read -r inside _ count; do
		(($1 >= inside && $1 < inside + count)) && return 0
	done </proc/self/uid_map
	return 1
}

# start_sshd NAME: an OpenSSH server on loopback that lets root in with a
# throwaway key, NAME.key (set as NAME_KEY, for the clients), and forwards
# only to loopback: PermitOpen matches names as written, with no lookup. It
# logs connections and logins to NAME.log.
start_sshd() {
	local name=$1 dir port sshd keygen privsep_uid
	require sshd sshd
	require keygen ssh-keygen
	privsep_uid=$(id -u sshd 2>/dev/null) ||
		skip "sshd has no privilege separation user \"sshd\" here"
	uid_mapped "$privsep_uid" ||
		skip "sshd cannot switch to its user \"sshd\" in this user namespace (run as root)"
	# Its privilege separation directory, compiled in.
	mkdir -p /run/sshd 2>/dev/null || skip "sshd needs /run/sshd, which cannot be made"
	dir=$(interop_dir)
	free_port port
	"$keygen" -q -t ed25519 -N '' -C "$name host" -f "$dir/$name.hostkey"
	"$keygen" -q -t ed25519 -N '' -C "$name user" -f "$dir/$name.key"
	printf -v "${name}_KEY" '%s' "$dir/$name.key"
	cat >"$dir/$name.conf" <<EOF
ListenAddress 127.0.0.1:$port
HostKey $dir/$name.hostkey
AuthorizedKeysFile $dir/$name.key.pub
PidFile none
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowTcpForwarding local
PermitOpen 127.0.0.1:* localhost:* $TARGET_NAME:*
LogLevel VERBOSE
EOF
	# -D: no fork; -E: the log. An absolute path: sshd re-executes itself.
	spawn "$name" "$sshd" -D -E "$dir/$name.log" -f "$dir/$name.conf"
	wait_listen "$name" "$spawned_pid" "$port"
}

# sshd_log NAME: what the sshd logged ("Accepted publickey for root from ...").
sshd_log() {
	cat "$(interop_dir)/$1.log"
}

# start_ssh_socks NAME SSHD: `ssh -D`, OpenSSH's own SOCKS4, SOCKS4A and SOCKS5
# server, logged in to the sshd started as SSHD. It listens once logged in.
start_ssh_socks() {
	local name=$1 sshd_port=${2}_PORT sshd_key=${2}_KEY dir port ssh
	require ssh ssh
	dir=$(interop_dir)
	free_port port
	spawn "$name" "$ssh" -N -D "127.0.0.1:$port" -o ExitOnForwardFailure=yes \
		-vv -E "$dir/$name.log" "${SSH_OPTS[@]}" -i "${!sshd_key}" \
		-p "${!sshd_port}" root@127.0.0.1
	wait_listen "$name" "$spawned_pid" "$port"
}

# ssh_socks_asked NAME: "socks4 127.0.0.1:PORT", "socks4a localhost:PORT" or
# "socks5 HOST:PORT", a request. From its -vv log:
#   debug2: channel 1: socks4a request              (only for SOCKS4A)
# (lines end in CR LF)
#   debug2: channel 1: dynamic request: socks4 host localhost port 1234 command 1
ssh_socks_asked() {
	awk '/: socks4a request/ { a = "a" }
	     /: dynamic request: / { print $6 a " " $8 ":" $10; a = "" }' \
		"$(interop_dir)/$1.log"
}
