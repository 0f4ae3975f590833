# Dante's configuration, for the interop suite (tests/lib/interop.bash) and the
# benchmark (tests/bench/servers.bash): plain bash, sourced by both.

# dante_conf LOGFILE PORT LOG: SOCKS4 and SOCKS5 without authentication on
# 127.0.0.1:PORT, from loopback to loopback only; LOG is what a request logs
# ("error", or "connect error" for a line a request). Two socks rules alike but
# for the protocol, so that the log line of a request, which names its rule,
# tells SOCKS4 (rule 1) from SOCKS5 (rule 2).
dante_conf() {
	cat <<CONF
logoutput: $1
internal: 127.0.0.1 port = $2
external: 127.0.0.1
clientmethod: none
socksmethod: none
client pass {
	from: 127.0.0.0/8 to: 127.0.0.0/8
	log: error
}
socks pass {
	from: 127.0.0.0/8 to: 127.0.0.0/8
	command: connect
	proxyprotocol: socks_v4
	log: $3
}
socks pass {
	from: 127.0.0.0/8 to: 127.0.0.0/8
	command: connect
	proxyprotocol: socks_v5
	log: $3
}
CONF
}
