# sockschain for an interactive shell: every program started from it goes
# through the chain, until turned off. Source it, do not run it:
#
#   . examples/sockschain-shell.sh on [-c SPEC | -f FILE]
#   . examples/sockschain-shell.sh status
#   . examples/sockschain-shell.sh off
#
# (dash ignores arguments to `.`: there, `set -- on -f FILE; . ./sockschain-shell.sh`.)
#
# `on` checks the chain with the launcher first (it parses it, as the library
# will, without connecting anywhere) and refuses a bad or missing chain, changing
# nothing. Then it exports LD_PRELOAD with the library in front of any entries
# already there, and, with -c or -f, SOCKS_CHAIN or SOCKS_CHAIN_FILE. Without
# them the chain is whatever the launcher would find: SOCKS_CHAIN,
# SOCKS_CHAIN_FILE, PROXYCHAINS_CONF_FILE, ~/.config/sockschain/chain,
# /etc/sockschain/chain.
# `off` puts back exactly what `on` changed. To see that every hop answers:
# sockschain --check.
#
# The library is looked for next to the launcher found in PATH (a build
# directory) or in ../lib/sockschain/ beside it (an installed one); set
# SOCKSCHAIN_LIB to the library, or to its directory, to use another.
#
# What this does not cover, unlike `sockschain COMMAND`:
# - the shell itself is not preloaded: its own network use (bash's
#   /dev/tcp/HOST/PORT) goes out directly;
# - nothing checks the programs the shell runs: a statically linked or
#   set-user-ID program (sudo, ping) runs outside the chain, where the
#   launcher would refuse it. Inside a preloaded program the library still
#   refuses to start one (EPERM).
#
# POSIX sh: bash, dash, zsh, ksh. Only names starting with _sockschain are used,
# and the helpers are removed again at the end.

_sockschain_say() {
	printf 'sockschain-shell: %s\n' "$*" >&2
}

# _sockschain_absolute PATH: PATH made absolute, its directory resolved.
_sockschain_absolute() {
	case $1 in
	*/*) (cd -P -- "${1%/*}/" 2>/dev/null && printf '%s/%s\n' "$(pwd -P)" "${1##*/}") ;;
	*) printf '%s/%s\n' "$(pwd -P)" "$1" ;;
	esac
}

# Sets _sockschain_launcher and _sockschain_lib, or says why not.
_sockschain_find() {
	_sockschain_launcher='' _sockschain_lib=''
	if [ -n "${SOCKSCHAIN_LIB:-}" ]; then
		_sockschain_lib=$SOCKSCHAIN_LIB
		[ ! -d "$_sockschain_lib" ] || _sockschain_lib=$_sockschain_lib/libsockschain.so
		if [ ! -r "$_sockschain_lib" ]; then
			_sockschain_say "SOCKSCHAIN_LIB: no library at $_sockschain_lib"
			return 1
		fi
		_sockschain_lib=$(_sockschain_absolute "$_sockschain_lib")
		[ ! -x "${_sockschain_lib%/*}/sockschain" ] ||
			_sockschain_launcher=${_sockschain_lib%/*}/sockschain
	fi
	[ -n "$_sockschain_launcher" ] ||
		_sockschain_launcher=$(command -v sockschain 2>/dev/null) || {
		_sockschain_say "no sockschain launcher in PATH (or next to SOCKSCHAIN_LIB)"
		return 1
	}
	[ -z "$_sockschain_lib" ] || return 0
	_sockschain_dir=$(_sockschain_absolute "$_sockschain_launcher")
	_sockschain_dir=${_sockschain_dir%/*}
	# (No glob: zsh fails a command whose glob matches nothing.)
	for _sockschain_lib in "$_sockschain_dir/libsockschain.so" \
		"$_sockschain_dir/../lib/sockschain/libsockschain.so"; do
		if [ -r "$_sockschain_lib" ]; then
			_sockschain_lib=$(_sockschain_absolute "$_sockschain_lib")
			return 0
		fi
	done
	_sockschain_say "no libsockschain.so next to $_sockschain_launcher or in ../lib/sockschain/ (set SOCKSCHAIN_LIB)"
	return 1
}

# _sockschain_without LIST WORD: the LD_PRELOAD list LIST (entries separated
# by spaces or colons) without WORD, space separated.
_sockschain_without() {
	_sockschain_rest=$1 _sockschain_out=
	while [ -n "$_sockschain_rest" ]; do
		_sockschain_word=${_sockschain_rest%%[ :]*}
		case $_sockschain_rest in
		*[\ :]*) _sockschain_rest=${_sockschain_rest#*[ :]} ;;
		*) _sockschain_rest= ;;
		esac
		[ -z "$_sockschain_word" ] || [ "$_sockschain_word" = "$2" ] ||
			_sockschain_out=${_sockschain_out:+$_sockschain_out }$_sockschain_word
	done
	printf '%s\n' "$_sockschain_out"
}

# _sockschain_save VAR: remembers whether VAR is set and its value.
_sockschain_save() {
	eval "_sockschain_was_set_$1=\${$1+1}; _sockschain_was_$1=\${$1-}"
}

# _sockschain_restore VAR: puts VAR back as _sockschain_save found it.
_sockschain_restore() {
	if eval "[ -n \"\${_sockschain_was_set_$1-}\" ]"; then
		eval "$1=\$_sockschain_was_$1; export $1"
	else
		unset "$1"
	fi
	unset "_sockschain_was_set_$1" "_sockschain_was_$1"
}

_sockschain_on() {
	if [ -n "${_sockschain_active:-}" ]; then
		_sockschain_say "already on (off first, to change the chain)"
		return 1
	fi
	_sockschain_spec='' _sockschain_file='' _sockschain_given=''
	case $#:${1:-} in
	2:-c) _sockschain_spec=$2 _sockschain_given=SOCKS_CHAIN ;;
	2:-f) _sockschain_file=$2 _sockschain_given=SOCKS_CHAIN_FILE ;;
	0:) ;;
	*)
		_sockschain_say "usage: . sockschain-shell.sh on [-c SPEC | -f FILE]"
		return 2
		;;
	esac
	if [ -n "$_sockschain_given" ] && [ -z "$_sockschain_spec$_sockschain_file" ]; then
		_sockschain_say "on $1: empty"
		return 2
	fi
	if [ -n "$_sockschain_file" ]; then
		_sockschain_file=$(_sockschain_absolute "$_sockschain_file") || {
			_sockschain_say "$2: no such directory"
			return 1
		}
	fi
	_sockschain_find || return 1
	# The check runs with the environment the programs will get: -f must
	# also hide a SOCKS_CHAIN, which would win over the file.
	if ! (
		if [ -n "$_sockschain_spec" ]; then
			SOCKS_CHAIN=$_sockschain_spec && export SOCKS_CHAIN
		elif [ -n "$_sockschain_file" ]; then
			unset SOCKS_CHAIN
			SOCKS_CHAIN_FILE=$_sockschain_file && export SOCKS_CHAIN_FILE
		fi
		exec "$_sockschain_launcher" --explain 127.0.0.1:9 >/dev/null
	); then
		_sockschain_say "not turned on: the chain above is not usable"
		return 1
	fi
	_sockschain_save LD_PRELOAD
	_sockschain_save SOCKS_CHAIN
	_sockschain_save SOCKS_CHAIN_FILE
	if [ -n "$_sockschain_spec" ]; then
		SOCKS_CHAIN=$_sockschain_spec && export SOCKS_CHAIN
	elif [ -n "$_sockschain_file" ]; then
		unset SOCKS_CHAIN
		SOCKS_CHAIN_FILE=$_sockschain_file && export SOCKS_CHAIN_FILE
	fi
	case " ${LD_PRELOAD:-} " in
	*" $_sockschain_lib "*) ;;
	*) LD_PRELOAD=$_sockschain_lib${LD_PRELOAD:+ $LD_PRELOAD} ;;
	esac
	export LD_PRELOAD
	_sockschain_active=${_sockschain_given:-default}
	_sockschain_preload_set=$LD_PRELOAD
	_sockschain_active_lib=$_sockschain_lib
	_sockschain_say "on: programs started here go through the chain ($(_sockschain_origin)); sockschain --check dials its hops"
}

# Where the chain comes from, as the library will look (never the spec itself:
# it may hold a password).
_sockschain_origin() {
	if [ -n "${SOCKS_CHAIN+1}" ]; then
		echo "SOCKS_CHAIN"
	elif [ -n "${SOCKS_CHAIN_FILE+1}" ]; then
		echo "SOCKS_CHAIN_FILE=$SOCKS_CHAIN_FILE"
	else
		echo "the first of ~/.config/sockschain/chain, /etc/sockschain/chain"
	fi
}

_sockschain_off() {
	if [ -z "${_sockschain_active:-}" ]; then
		_sockschain_say "already off"
		return 0
	fi
	if [ "${LD_PRELOAD-}" = "$_sockschain_preload_set" ]; then
		_sockschain_restore LD_PRELOAD
	else
		# Changed since: take out only the library.
		LD_PRELOAD=$(_sockschain_without "${LD_PRELOAD-}" "$_sockschain_active_lib")
		if [ -n "$LD_PRELOAD" ]; then
			export LD_PRELOAD
		else
			unset LD_PRELOAD
		fi
		unset _sockschain_was_set_LD_PRELOAD _sockschain_was_LD_PRELOAD
	fi
	if [ "$_sockschain_active" = default ]; then
		unset _sockschain_was_set_SOCKS_CHAIN _sockschain_was_SOCKS_CHAIN \
			_sockschain_was_set_SOCKS_CHAIN_FILE _sockschain_was_SOCKS_CHAIN_FILE
	else
		_sockschain_restore SOCKS_CHAIN
		_sockschain_restore SOCKS_CHAIN_FILE
	fi
	unset _sockschain_active _sockschain_preload_set _sockschain_active_lib
	_sockschain_say "off"
}

_sockschain_status() {
	if [ -n "${_sockschain_active:-}" ]; then
		_sockschain_say "on: $_sockschain_active_lib preloaded, chain from $(_sockschain_origin)"
		return 0
	fi
	_sockschain_say "off"
	return 1
}

# Run as a program, it could change nothing: say so (bash and zsh can tell).
# shellcheck disable=SC3028
if { [ -n "${BASH_VERSION:-}" ] && [ "${BASH_SOURCE:-}" = "$0" ]; } ||
	{ [ -n "${ZSH_VERSION:-}" ] && case ${ZSH_EVAL_CONTEXT:-} in *file*) false ;; *) true ;; esac; }; then
	set -- not-sourced
fi

# (Each call in an || list: a shell with set -e is not ended by a refusal.)
_sockschain_rc=0
case ${1:-} in
not-sourced) _sockschain_rc=2 ;;
on)
	shift
	_sockschain_on "$@" || _sockschain_rc=$?
	;;
off) _sockschain_off || _sockschain_rc=$? ;;
status) _sockschain_status || _sockschain_rc=$? ;;
*)
	_sockschain_say "usage: . sockschain-shell.sh on [-c SPEC | -f FILE] | off | status"
	_sockschain_rc=2
	;;
esac
unset -f _sockschain_say _sockschain_absolute _sockschain_find _sockschain_without \
	_sockschain_save _sockschain_restore _sockschain_on _sockschain_origin \
	_sockschain_off _sockschain_status
unset _sockschain_launcher _sockschain_lib _sockschain_dir _sockschain_rest \
	_sockschain_out _sockschain_word _sockschain_spec _sockschain_file _sockschain_given
eval "unset _sockschain_rc; return $_sockschain_rc" 2>/dev/null ||
	{ echo "sockschain-shell: source it: . $0 on|off|status" >&2; exit 2; }
