# make install: the installed launcher finds the installed library; the
# build honours the packager's CC, CPPFLAGS, CFLAGS and LDFLAGS.
load ../lib/common

ROOT=$BATS_TEST_DIRNAME/../..

setup() {
	start_target echo
	start_proxy p1
}

teardown() {
	stop_servers
}

@test "make install into DESTDIR: the installed launcher carries a connection with the versioned library" {
	dest=$BATS_TEST_TMPDIR/root
	version=$("$SOCKSCHAIN" --version | awk '{print $2}')
	run make -s -C "$ROOT" install DESTDIR="$dest" PREFIX=/opt/sc SANITIZE="${SANITIZE:-}"
	[ "$status" -eq 0 ]
	lib=$dest/opt/sc/lib/sockschain
	[ -x "$dest/opt/sc/bin/sockschain" ]
	[ -f "$lib/libsockschain.so.$version" ]
	[ "$(readlink "$lib/libsockschain.so")" = "libsockschain.so.$version" ]
	[[ $(readelf -d "$lib/libsockschain.so.$version") == *"SONAME"*"libsockschain.so.${version%%.*}"* ]]
	[ -f "$dest/opt/sc/share/man/man1/sockschain.1" ]
	[ -f "$dest/opt/sc/share/man/man5/sockschain.conf.5" ]
	[ -f "$dest/opt/sc/share/bash-completion/completions/sockschain" ]
	run "$dest/opt/sc/bin/sockschain" -c "$(hop p1)" sh -c 'echo "$LD_PRELOAD"'
	[[ $output == *"$dest/opt/sc/bin/../lib/sockschain/libsockschain.so.$version"* ]]
	run "$dest/opt/sc/bin/sockschain" -c "$(hop p1)" "$CLIENT" --send i --expect i "$REMOTE" 80
	[ "$status" -eq 0 ]
	[[ $(proxy_log p1) == *"dest=$REMOTE:80 "*granted ]]
	run make -s -C "$ROOT" uninstall DESTDIR="$dest" PREFIX=/opt/sc
	[ "$status" -eq 0 ]
	[ -z "$(find "$dest" -type f -o -type l)" ]
	[ ! -e "$lib" ]
}

@test "an installed launcher does not take another version's library" {
	dest=$BATS_TEST_TMPDIR/root
	mkdir -p "$dest/bin" "$dest/lib/sockschain"
	cp "$SOCKSCHAIN" "$dest/bin/"
	cp "$LIB" "$dest/lib/sockschain/libsockschain.so.0.0.1"
	ln -s libsockschain.so.0.0.1 "$dest/lib/sockschain/libsockschain.so"
	run "$dest/bin/sockschain" -c "$(hop p1)" true
	[ "$status" -ne 0 ]
	[[ $output == *"cannot find libsockschain.so"* ]]
}

@test "the build takes CC, CPPFLAGS, CFLAGS and LDFLAGS from the command line" {
	run make -n -B -C "$ROOT" all SANITIZE= CC=my-cc CPPFLAGS=-DMY_CPP CFLAGS=-DMY_C LDFLAGS=-Lmy-ld
	[ "$status" -eq 0 ]
	compiles=$(grep -c -- ' -c .*\.c -o ' <<<"$output")
	((compiles > 10))
	[ "$(grep -- ' -c .*\.c -o ' <<<"$output" | grep -c '^my-cc .*-DMY_CPP.*-DMY_C')" -eq "$compiles" ]
	# both links: the library and the launcher
	[ "$(grep -cE -- '^my-cc( .*)? -o build/(libsockschain\.so|sockschain) .*-Lmy-ld' <<<"$output")" -eq 2 ]
}
