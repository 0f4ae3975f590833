# make install: the installed launcher finds the installed library.
load ../lib/common

setup() {
	start_target echo
	start_proxy p1
}

teardown() {
	stop_servers
}

@test "make install into DESTDIR, then the installed launcher carries a connection" {
	dest=$BATS_TEST_TMPDIR/root
	run make -s -C "$BATS_TEST_DIRNAME/../.." install DESTDIR="$dest" PREFIX=/opt/sc \
		SANITIZE="${SANITIZE:-}"
	[ "$status" -eq 0 ]
	[ -x "$dest/opt/sc/bin/sockschain" ]
	[ -f "$dest/opt/sc/lib/sockschain/libsockschain.so" ]
	run "$dest/opt/sc/bin/sockschain" -c "$(hop p1)" sh -c 'echo "$LD_PRELOAD"'
	[[ $output == *"$dest/opt/sc/bin/../lib/sockschain/libsockschain.so"* ]]
	run "$dest/opt/sc/bin/sockschain" -c "$(hop p1)" "$CLIENT" --send i --expect i "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == *"dest=$REMOTE:80 "*granted ]]
	run make -s -C "$BATS_TEST_DIRNAME/../.." uninstall DESTDIR="$dest" PREFIX=/opt/sc
	[ "$status" -eq 0 ]
	[ ! -e "$dest/opt/sc/bin/sockschain" ]
	[ ! -e "$dest/opt/sc/lib/sockschain" ]
}
