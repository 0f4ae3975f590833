# bash completion for sockschain: its options, a file after -f, then the
# command it runs and that command's own arguments (through bash-completion's
# _command_offset when it is loaded, else command names, then file names).
# Installed as share/bash-completion/completions/sockschain; to try it from a
# checkout: . shim/sockschain.bash

_sockschain() {
	local cur prev i word
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	# Where do the launcher's options end? As the launcher reads them: the
	# first word not starting with "-", or the one after "--", is COMMAND.
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		case $word in
		-c | -f | --explain) i=$((i + 1)) ;;	# and the option's argument
		--)
			i=$((i + 1))
			break
			;;
		-*) ;;
		*) break ;;
		esac
	done
	if ((i < COMP_CWORD)); then
		# --check and --explain run no command: nothing more to offer.
		for word in "${COMP_WORDS[@]:1:i-1}"; do
			[[ $word == --check || $word == --explain ]] && return 0
		done
		_sockschain_command "$i"
		return 0
	fi

	case $prev in
	-f)
		_sockschain_files "$cur"
		return 0
		;;
	-c | --explain)
		return 0	# a chain spec, a HOST[:PORT]: free text
		;;
	--check)
		return 0	# an optional HOST:PORT
		;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W '-c -f -q -v -vv --no-check --supervise --check --explain
			--print --help --version --' -- "$cur")
	elif ((i == COMP_CWORD)); then
		_sockschain_command "$i"
	fi
	return 0
}

# _sockschain_command I: completes COMP_WORDS[I...] as a command line of its own.
_sockschain_command() {
	if declare -F _command_offset >/dev/null; then
		_command_offset "$1"
	elif (($1 == COMP_CWORD)); then
		mapfile -t COMPREPLY < <(compgen -c -- "${COMP_WORDS[COMP_CWORD]}")
	else
		_sockschain_files "${COMP_WORDS[COMP_CWORD]}"
	fi
}

# _sockschain_files WORD: file names, directories with a trailing slash.
_sockschain_files() {
	if declare -F _filedir >/dev/null; then
		_filedir
	else
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$1")
	fi
}

complete -F _sockschain sockschain
