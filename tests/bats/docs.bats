# The manual pages: lint-clean, and complete against the code they describe;
# README.md names every environment variable.
# Each list of names is taken from the code or from the built launcher, never
# typed here, so a new option, key, mode, scheme, variable or errno without
# its entry in a page fails a test.
bats_require_minimum_version 1.5.0
load ../lib/common

SRC=$BATS_TEST_DIRNAME/../..
MAN1=$SRC/shim/man/sockschain.1
MAN5=$SRC/shim/man/sockschain.conf.5

# undocumented PAGE PATTERN WORD...: prints each WORD with no line of PAGE
# matching PATTERN, where PATTERN has @ in place of the word.
undocumented() {
	local page=$1 pattern=$2 word
	shift 2
	for word in "$@"; do
		grep -qE -- "${pattern//@/$word}" "$page" || echo "$word"
	done
}

# lint PAGE: mandoc's messages about PAGE, but for references to pages of
# other projects that this machine does not have (mandoc looks for them in
# the installed manuals) and its notes about its own database. References
# between our two pages must resolve: mandoc finds those beside the page.
lint() {
	local line
	(cd "$(dirname "$1")" && mandoc -Tlint -Wall "$(basename "$1")" 2>&1) | while IFS= read -r line; do
		[[ $line =~ referenced\ manual\ not\ found:\ Xr\ ([^ ]+) ]] &&
			[[ ${BASH_REMATCH[1]} != sockschain* ]] && continue
		[[ $line == *mandoc.db* ]] && continue
		echo "$line"
	done
}

# section PAGE FIRST LAST: the lines from the one matching FIRST to the next
# matching LAST, in a file whose name is printed.
section() {
	local out=$BATS_TEST_TMPDIR/section
	sed -n "/$2/,/$3/p" "$1" >"$out"
	[[ -s $out ]] || { echo "no section /$2/ in $1" >&2; return 1; }
	echo "$out"
}

need_mandoc() {
	command -v mandoc >/dev/null || missing "mandoc is not installed: the pages cannot be linted"
}

@test "mandoc -Tlint -Wall: nothing to say about either page" {
	need_mandoc
	run lint "$MAN1"
	echo "$output"
	[ -z "$output" ]
	run lint "$MAN5"
	echo "$output"
	[ -z "$output" ]
}

@test "the pages render with mandoc and groff, without warnings" {
	need_mandoc
	run mandoc -Tutf8 "$MAN1"
	[ "$status" -eq 0 ]
	[[ $output == *"SOCKSCHAIN(1)"* ]]
	run mandoc -Tutf8 "$MAN5"
	[ "$status" -eq 0 ]
	[[ $output == *"SOCKSCHAIN.CONF(5)"* ]]
	# man -l renders with groff where man-db is the man(1).
	command -v groff >/dev/null || skip "groff is not installed"
	run groff -mandoc -ww -z -Tutf8 "$MAN1"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run groff -mandoc -ww -z -Tutf8 "$MAN5"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "every option that sockschain --help lists has its entry in sockschain(1)" {
	run "$SOCKSCHAIN" --help
	[ "$status" -eq 0 ]
	mapfile -t opts < <(grep -oE '(^|[][ |,])--?[a-z][a-z-]*' <<<"$output" | sed -E 's/^[][ |,]//' | sort -u)
	echo "from --help: ${opts[*]}"
	(( ${#opts[@]} >= 10 ))
	# "-c" is ".It Fl c ...", "--check" is ".It Fl -check ...", "-vv" may share a line.
	run undocumented "$MAN1" '^\.It (.* )?Fl @( |$)' "${opts[@]#-}"
	echo "not in sockschain.1: $output"
	[ -z "$output" ]
}

@test "every option key the spec parser knows has its entry in sockschain.conf(5)" {
	run "$SOCKSCHAIN" -c "x=1" --check
	[ "$status" -eq 125 ]
	known=$(sed -nE 's/.*\(known: ([a-z_, ]+)\).*/\1/p' <<<"$output")
	[ -n "$known" ]
	# Also the keys the parser compares, in case the message falls behind.
	mapfile -t keys < <({ tr -d ' ' <<<"$known" | tr ',' '\n'
		grep -ohE 'strcmp\(key, "[a-z_]+"\)' "$SRC"/chain/spec*.c | cut -d'"' -f2; } | sort -u)
	echo "keys: ${keys[*]}"
	(( ${#keys[@]} >= 11 ))
	run undocumented "$MAN5" '^\.It Cm @ Ns = ' "${keys[@]}"
	echo "not in sockschain.conf.5: $output"
	[ -z "$output" ]
}

@test "every mode and every scheme the parser accepts is in sockschain.conf(5)" {
	run "$SOCKSCHAIN" -c "mode=x socks5://127.0.0.1:1" --explain example.org
	[ "$status" -eq 125 ]
	mapfile -t modes < <(sed -nE 's/.*mode wants (.*)$/\1/p' <<<"$output" | sed 's/ or /, /' | tr -d ' ' | tr ',' '\n')
	echo "modes: ${modes[*]}"
	(( ${#modes[@]} >= 4 ))
	run undocumented "$MAN5" '^\.It Cm @$' "${modes[@]}"
	echo "not in the Modes list: $output"
	[ -z "$output" ]

	run "$SOCKSCHAIN" -c "x://127.0.0.1:1" --explain example.org
	[ "$status" -eq 125 ]
	mapfile -t schemes < <(sed -nE 's/.*\(supported: ([a-z0-9, ]+)\).*/\1/p' <<<"$output" | tr -d ' ' | tr ',' '\n')
	echo "schemes: ${schemes[*]}"
	(( ${#schemes[@]} >= 5 ))
	run undocumented "$MAN5" '^\.It (.* )?Li @://( |$)' "${schemes[@]}"
	echo "not in the Proxies list: $output"
	[ -z "$output" ]
}

@test "every environment variable the code reads is in sockschain(1)'s ENVIRONMENT" {
	mapfile -t vars < <(grep -ohE '(getenv|env_at_load_get)\("[A-Za-z_]+"\)' "$SRC"/shim/*/*.c "$SRC"/chain/*.c | cut -d'"' -f2 | sort -u)
	echo "read: ${vars[*]}"
	(( $(printf '%s\n' "${vars[@]}" | grep -c '^SOCKS_CHAIN') >= 5 ))
	env_section=$(section "$MAN1" '^\.Sh ENVIRONMENT' '^\.Sh ')
	run undocumented "$env_section" '^\.It Ev @$' "${vars[@]}"
	echo "not in ENVIRONMENT: $output"
	[ -z "$output" ]
}

@test "every environment variable the library and the launcher read is named in README.md" {
	mapfile -t vars < <(grep -ohE '(getenv|env_at_load_get)\("[A-Za-z_]+"\)' "$SRC"/shim/*/*.c | cut -d'"' -f2 | sort -u)
	echo "read: ${vars[*]}"
	(( $(printf '%s\n' "${vars[@]}" | grep -c '^SOCKS_CHAIN') >= 5 ))
	# a whole word: SOCKS_CHAIN inside SOCKS_CHAIN_FILE does not count
	run undocumented "$SRC/README.md" '(^|[^A-Za-z0-9_])@([^A-Za-z0-9_]|$)' "${vars[@]}"
	echo "not in README.md: $output"
	[ -z "$output" ]
}

@test "every exit status of the launcher is in sockschain(1)'s EXIT STATUS" {
	mapfile -t codes < <(grep -ohE 'EXIT_[A-Z_]+ = [0-9]+' "$SRC"/shim/*/*.c | grep -oE '[0-9]+$' | sort -u)
	echo "codes: ${codes[*]}"
	(( ${#codes[@]} >= 3 ))
	exit_section=$(section "$MAN1" '^\.Sh EXIT STATUS' '^\.Sh ')
	run undocumented "$exit_section" '^\.It @$' 0 1 "${codes[@]}"
	echo "not in EXIT STATUS: $output"
	[ -z "$output" ]
}

@test "every errno a proxy's reply or the library's refusal can give is in sockschain(1)" {
	# ENOBUFS, ENAMETOOLONG and EINVAL only say a request could not be built,
	# which the spec parser's and the resolver's own checks rule out first;
	# EMSGSIZE (headers too long) reaches the program as EPROTO; EAGAIN,
	# EWOULDBLOCK and EINTR only tell a step to wait or try again.
	mapfile -t errs < <(grep -ohE '\bE[A-Z]{3,}\b' "$SRC"/chain/socks4.c "$SRC"/chain/socks5.c \
		"$SRC"/chain/http.c "$SRC"/chain/handshake.c "$SRC"/chain/dial.c "$SRC"/chain/resolve.c \
		"$SRC"/shim/preload/hook_connect.c "$SRC"/shim/preload/dialing.c \
		"$SRC"/shim/common/leak_guard.c |
		grep -vxE 'ENOBUFS|ENAMETOOLONG|EINVAL|EMSGSIZE|ENOCHAIN|EAGAIN|EWOULDBLOCK|EINTR' | sort -u)
	echo "errnos: ${errs[*]}"
	(( ${#errs[@]} >= 10 ))
	errors=$(section "$MAN1" '^\.Ss Errors seen by the program' '^\.S[hs] ')
	run undocumented "$errors" '^\.It Bq (.* )?Er @( |$)' "${errs[@]}"
	echo "not among the errors: $output"
	[ -z "$output" ]
}
