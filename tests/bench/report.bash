# Measuring and reporting for tests/bench/run. Every measurement appends
# "KEY TOOL VALUE FAILED ATTEMPTED ROUND" to $work/results; the table is made
# from that file at the end.

# The issue's memory target: the library's peak resident memory above the bare program's.
RSS_TARGET_KB=200

# size_bytes 256m: the byte count target -s takes the same way.
size_bytes() {
	local n=${1%[kKmMgG]} shift=0
	case ${1: -1} in
	k | K) shift=10 ;; m | M) shift=20 ;; g | G) shift=30 ;;
	esac
	echo $((n << shift))
}

# pc_conf KEY: a proxychains-ng config for the row's chain, made once.
pc_conf() {
	local key=$1 conf=$work/pc.$1.conf item scheme rest user host port
	if [[ ! -f $conf ]]; then
		{
			printf '%s\n' strict_chain quiet_mode proxy_dns "remote_dns_subnet 224" \
				"tcp_read_time_out 15000" "tcp_connect_time_out 8000" "[ProxyList]"
			for item in ${SPEC[$key]}; do
				[[ $item == *://* ]] || continue	# options: sockschain's own
				scheme=${item%%://*} rest=${item#*://} user=""
				[[ $rest == *@* ]] && user=${rest%@*} rest=${rest#*@}
				host=${rest%:*} port=${rest##*:}
				echo "$scheme $host $port ${user/:/ }"
			done
		} >"$conf"
	fi
	echo "$conf"
}

# command_for KEY TOOL: sets cmd to the command line of one run.
command_for() {
	local key=$1 tool=$2 args prog=${PROG[$key]:-$BENCH}
	read -ra args <<<"${ARGS[$key]}"
	# The Go client has no mode word: its arguments follow "connect".
	[[ $prog == "$BENCH" ]] || args=("${args[@]:1}")
	case $tool in
	floor) cmd=("$BENCH" "${args[0]}" --floor "${SPEC[$key]}" ${BENCH_FLOOR_PIPELINE:+--pipeline} "${args[@]:1}") ;;
	sockschain) cmd=("$SOCKSCHAIN" -q -c "${SPEC[$key]}" "$prog" "${args[@]}") ;;
	proxychains) cmd=("$PROXYCHAINS" -q -f "$(pc_conf "$key")" "$prog" "${args[@]}") ;;
	supervisor) cmd=("$SOCKSCHAIN" -q --supervise -c "${SPEC[$key]}" "$prog" "${args[@]}") ;;
	supervisor_alone) cmd=("$SOCKSCHAIN" -q --supervise -c "${SPEC[$key]}" "$BENCH_STATIC" "${args[@]}") ;;
	baseline) cmd=("$BASELINE/sockschain" -q -c "${SPEC[$key]}" "$prog" "${args[@]}") ;;
	esac
	[[ $tool != floor || -z ${BARE[$key]:-} ]] || cmd=("$prog" "${args[@]}")
}

# field LINE NAME: the value of NAME= in a bench line.
field() {
	sed -nE "s/.*(^| )$2=([^ ]*).*/\\2/p" <<<"$1"
}

# record KEY TOOL VALUE FAILED ATTEMPTED: a result of the current round.
record() {
	echo "$* $round" >>"$work/results"
}

# measure KEY TOOL: one run of a row under a tool. A run takes seconds; one
# still going after 30 (the floor has no timeouts: a proxy that never answers
# holds it) counts as all failed.
measure() {
	local key=$1 tool=$2 line rate ok failed expected
	command_for "$key" "$tool"
	expected=$(sed -nE 's/.*-n ([0-9]+).*/\1/p' <<<"${ARGS[$key]}")
	line=$(timeout 30 "${cmd[@]}" 2>>"$work/$key.$tool.err" | tail -n 1)
	ok=$(field "$line" ok) failed=$(field "$line" failed) rate=$(field "$line" rate)
	if [[ -z $ok ]]; then	# no line at all: every connection counts as failed
		echo "bench: $key under $tool printed nothing; see $work/$key.$tool.err" >&2
		record "$key" "$tool" 0 "${expected:-1}" "${expected:-1}"
		return
	fi
	[[ ${UNIT[$key]} == MiB/s ]] && rate=$(awk -v r="$rate" 'BEGIN { printf "%.1f", r / 1048576 }')
	record "$key" "$tool" "$rate" "$failed" $((ok + failed))
	[[ $key == s4 ]] && record rss "$tool" "$(field "$line" rss_kb)" 0 0
}

# Start-up: a program that never connects, bare, under each launcher, and
# with each library preloaded alone (no launcher: one exec fewer). The tools
# go the other way round every other round, as in the rows.
measure_startup() {
	local line tool tools=("${TOOLS[@]:1}")
	line=$("$BENCH" spawn -n 200 -- true)
	record start floor 0 0 0
	record start_lib floor 0 0 0
	record start_bare floor "$(field "$line" mean_us)" 0 0
	((round % 2)) || mapfile -t tools < <(printf '%s\n' "${tools[@]}" | tac)
	for tool in "${tools[@]}"; do
		case $tool in
		sockschain)
			record_startup start "$tool" "$SOCKSCHAIN" -q -c "$S4" true
			record_startup start_lib "$tool" --env "LD_PRELOAD=$BUILD/libsockschain.so" \
				--env "SOCKS_CHAIN=$S4" true
			;;
		baseline)
			record_startup start "$tool" "$BASELINE/sockschain" -q -c "$S4" true
			record_startup start_lib "$tool" --env "LD_PRELOAD=$BASELINE/libsockschain.so" \
				--env "SOCKS_CHAIN=$S4" true
			;;
		proxychains)
			record_startup start "$tool" "$PROXYCHAINS" -q -f "$(pc_conf s4)" true
			[[ -z $PC_LIB ]] || record_startup start_lib "$tool" --env "LD_PRELOAD=$PC_LIB" \
				--env "PROXYCHAINS_CONF_FILE=$(pc_conf s4)" --env PROXYCHAINS_QUIET_MODE=1 true
			;;
		esac
	done
}

# record_startup KEY TOOL [--env ...] CMD...: µs above a bare run made just
# before, so that the machine's drift between the two is as small as it can be.
record_startup() {
	local key=$1 tool=$2 args=() line us bare
	shift 2
	while [[ $1 == --env ]]; do
		args+=("$1" "$2")
		shift 2
	done
	bare=$(field "$("$BENCH" spawn -n 200 -- true)" mean_us)
	line=$("$BENCH" spawn -n 200 "${args[@]}" -- "$@")
	us=$(field "$line" mean_us)
	record "$key" "$tool" "$(awk -v a="$us" -v b="$bare" 'BEGIN { printf "%.1f", a - b }')" \
		"$(field "$line" failed)" 200
}

# The bare program's resident set: the same connections, direct, nothing preloaded.
measure_rss() {
	local line
	line=$("$BENCH" connect -n "$N" "${REPLY[@]}" 127.0.0.1 "$tb_PORT")
	record rss_bare floor "$(field "$line" rss_kb)" 0 0
}

# stats KEY TOOL: "MEDIAN MIN MAX FAILED ATTEMPTED", or nothing without data.
stats() {
	awk -v k="$1" -v t="$2" '
		$1 == k && $2 == t { v[n++] = $3 + 0; f += $4; a += $5 }
		END {
			if (n == 0) exit
			for (i = 0; i < n; i++)	# insertion sort: a handful of values
				for (j = i; j > 0 && v[j - 1] > v[j]; j--) { x = v[j]; v[j] = v[j - 1]; v[j - 1] = x }
			m = n % 2 ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
			print m, v[0], v[n - 1], f, a
		}' "$work/results"
}

# ratio KEY TOOL BASE: the median over rounds of TOOL's value over BASE's in
# the same round, to two decimals, or a dash. Rounds, not medians, are
# paired: load from elsewhere that comes and goes hits both sides of a ratio.
ratio() {
	awk -v k="$1" -v t="$2" -v b="$3" -v digits="${4:-2}" '
		$1 == k && $2 == t { v[$6] = $3 }
		$1 == k && $2 == b { w[$6] = $3 }
		END {
			for (r in v) if ((r in w) && w[r] > 0) x[n++] = v[r] / w[r]	# as round_ratios
			if (n == 0) { print "—"; exit }
			for (i = 0; i < n; i++)
				for (j = i; j > 0 && x[j - 1] > x[j]; j--) { y = x[j]; x[j] = x[j - 1]; x[j - 1] = y }
			printf "%.*f\n", digits, n % 2 ? x[int(n / 2)] : (x[n / 2 - 1] + x[n / 2]) / 2
		}' "$work/results"
}

num() {
	awk -v x="$1" 'BEGIN { printf(x >= 100 || x <= -100 ? "%.0f" : "%.1f", x) }'
}

TOOL_NAME_floor=floor
TOOL_NAME_sockschain=sockschain
TOOL_NAME_proxychains=proxychains-ng
TOOL_NAME_supervisor="sockschain --supervise (library and supervisor)"
TOOL_NAME_supervisor_alone="sockschain --supervise, static client (supervisor alone)"
TOOL_NAME_baseline="sockschain, the baseline build"

# table_rows KEY LABEL UNIT [lower]: a row per tool; "lower" means less is
# better and the floor has no ratio (start-up, memory).
table_rows() {
	local key=$1 label=$2 unit=$3 lower=${4:-} tool s name fr pr
	for tool in "${TOOLS[@]}"; do
		s=$(stats "$key" "$tool")
		[[ -n $s ]] || continue
		read -r med min max failed attempted <<<"$s"
		name=TOOL_NAME_$tool
		fr=$(ratio "$key" "$tool" floor) pr=$(ratio "$key" "$tool" proxychains)
		[[ -z $lower ]] || fr="—"
		[[ -z $lower || $tool != floor ]] || pr="—"
		printf '| %s | %s | %s %s | %s–%s | %s | %s | %s |\n' "$label" "${!name}" \
			"$(num "$med")" "$unit" "$(num "$min")" "$(num "$max")" "$fr" "$pr" \
			"$([[ $attempted == 0 ]] && echo "—" || echo "$failed/$attempted")"
	done
}

print_table() {
	local key bare rss_bare
	echo
	echo "| workload | tool | median | min–max | ratio to floor | ratio to proxychains-ng | failed |"
	echo "|---|---|---|---|---|---|---|"
	for key in "${rows[@]}"; do
		table_rows "$key" "${LABEL[$key]}" "${UNIT[$key]}"
	done
	bare=$(stats start_bare floor | cut -d' ' -f1)
	table_rows start "start-up above a bare \`true\` ($(num "$bare") µs)" µs lower
	table_rows start_lib "start-up, the library preloaded alone, above a bare \`true\`" µs lower
	# Extra resident memory: the 1-hop run's peak, less the bare program's.
	rss_bare=$(stats rss_bare floor | cut -d' ' -f1)
	awk '$1 == "rss_bare" { b[$6] = $3 } $1 == "rss" { r[NR] = $0 }
		END { for (i in r) { split(r[i], f, " "); print "rss_extra", f[2], f[3] - b[f[6]], 0, 0, f[6] } }' \
		"$work/results" >>"$work/results"
	table_rows rss_extra "extra resident memory, above the bare program's $(num "$rss_bare") kB (target: at most $RSS_TARGET_KB kB)" kB lower
	echo
	echo "Median and min–max over the rounds; a ratio is the median of the rounds' ratios"
	echo "(the tools take turns within a round). failed: failed/attempted, all rounds."
	echo "Start-up: \`sockschain -q -c SPEC true\` and \`proxychains4 -q -f CONF true\`, mean of 200;"
	echo "the library alone: \`true\` with LD_PRELOAD and the chain or config in the environment."
	echo "Memory: peak resident set (VmHWM) after the 1-hop run, less the bare program's"
	echo "(the same connections, direct, nothing preloaded)."
}

print_machine() {
	echo
	echo "machine: $(uname -srm); $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo "tools: sockschain $($SOCKSCHAIN --version 2>&1 | head -n 1 | sed 's/^sockschain //')$(
		[[ -z $PROXYCHAINS ]] || echo ", proxychains-ng $(dpkg-query -W -f '${Version}' proxychains4 2>/dev/null)")$(
		[[ -z $MICROSOCKS ]] || echo ", microsocks $(dpkg-query -W -f '${Version}' microsocks 2>/dev/null)")$(
		[[ -z $DANTED ]] || echo ", danted $(dpkg-query -W -f '${Version}' dante-server 2>/dev/null)")"
	echo "runs: $RUNS rounds, N=$N, throughput $BYTES$([[ -z ${BENCH_FLOOR_PIPELINE:-} ]] || echo ", the floor pipelined")"
}

# The supervisor's cost per intercepted connect: the median over rounds of
# 1/rate under TOOL less 1/rate under BASE (the library, the floor), in µs.
# per_connect_us KEY TOOL BASE [BASE_KEY]: BASE measured on BASE_KEY's row.
per_connect_us() {
	awk -v k="$1" -v t="$2" -v b="$3" -v bk="${4:-$1}" '
		$1 == k && $2 == t { v[$6] = $3 }
		$1 == bk && $2 == b { w[$6] = $3 }
		END {
			for (r in v) if ((r in w) && v[r] > 0 && w[r] > 0) x[n++] = 1e6 / v[r] - 1e6 / w[r]
			if (n == 0) { print "—"; exit }
			for (i = 0; i < n; i++)
				for (j = i; j > 0 && x[j - 1] > x[j]; j--) { y = x[j]; x[j] = x[j - 1]; x[j - 1] = y }
			printf "%.1f\n", n % 2 ? x[int(n / 2)] : (x[n / 2 - 1] + x[n / 2]) / 2
		}' "$work/results"
}

# The rate under TOOL over the rate under BASE, round by round (the two ran
# back to back, an A/B): "median (min-max)".
round_ratios() {
	awk -v k="$1" -v t="$2" -v b="$3" '
		$1 == k && $2 == t { v[$6] = $3 }
		$1 == k && $2 == b { w[$6] = $3 }
		END {
			for (r in v) if ((r in w) && w[r] > 0) x[n++] = v[r] / w[r]
			if (n == 0) { print "—"; exit }
			for (i = 0; i < n; i++)
				for (j = i; j > 0 && x[j - 1] > x[j]; j--) { y = x[j]; x[j] = x[j - 1]; x[j - 1] = y }
			printf "%.3f (%.3f-%.3f)\n", n % 2 ? x[int(n / 2)] : (x[n / 2 - 1] + x[n / 2]) / 2, x[0], x[n - 1]
		}' "$work/results"
}

print_supervisor() {
	local key
	echo
	for key in $SUPERVISED; do
		echo "library and supervisor (the same dynamic client), ${LABEL[$key]}:" \
			"$(round_ratios "$key" supervisor sockschain) of the library's rate, round by round" \
			"(the default needs 0.9); $(per_connect_us "$key" supervisor sockschain) µs more per connect"
		echo "supervisor alone (the client linked statically), ${LABEL[$key]}:" \
			"$(round_ratios "$key" supervisor_alone sockschain) of the library's rate;" \
			"$(per_connect_us "$key" supervisor_alone sockschain) µs more per intercepted connect than the library," \
			"$(per_connect_us "$key" supervisor_alone floor) µs more than the floor"
	done
	if [[ -n ${LABEL[go5]:-} ]]; then
		echo "supervisor, ${LABEL[go5]}: $(per_connect_us go5 supervisor sockschain s5) µs more per connect" \
			"than the C client under the library, $(per_connect_us go5 supervisor supervisor s5) µs more" \
			"than the C client under the supervisor"
	fi
	echo "supervisor, ${LABEL[ux]}: $(per_connect_us ux supervisor floor) µs more per sendmsg than" \
		"without it ($(per_connect_us ux supervisor sockschain) µs more than under the library alone)"
}

# The keys compared with BENCH_BASELINE: every row, start-up and memory.
baseline_keys() {
	printf '%s\n' "${rows[@]}" start start_lib rss_extra
}

# baseline_ratio KEY FUNCTION [ARGS...]: FUNCTION (ratio, round_ratios) of
# this build against the baseline, turned where less is better (the event
# loop's time, start-up, memory), so that above 1 is better on every key.
baseline_ratio() {
	local key=$1 fn=$2
	shift 2
	case $key in
	cc | start | start_lib | rss_extra) "$fn" "$key" baseline sockschain "$@" ;;
	*) "$fn" "$key" sockschain baseline "$@" ;;
	esac
}

baseline_label() {
	case $1 in
	start) echo "start-up under the launcher" ;;
	start_lib) echo "start-up, the library preloaded alone" ;;
	rss_extra) echo "extra resident memory" ;;
	*) echo "${LABEL[$1]}" ;;
	esac
}

print_baseline() {
	local key r
	[[ -n $BASELINE ]] || return 0
	echo
	echo "Against the baseline ($BASELINE: $("$BASELINE/sockschain" --version 2>&1 | head -n 1)):" \
		"this build over the baseline, round by round, median (min-max); where less is better" \
		"(the event loop's time, start-up, memory) the baseline over this build, so above 1 is better on every line."
	echo
	while read -r key; do
		r=$(baseline_ratio "$key" round_ratios)
		[[ $r == "—" ]] || echo "- $(baseline_label "$key"): $r"
	done < <(baseline_keys)
}

# Against a baseline, no key slower; 2% is left for the noise of a median
# over a few rounds.
baseline_misses() {
	local key sc
	[[ -n $BASELINE ]] || return 0
	while read -r key; do
		sc=$(baseline_ratio "$key" ratio 3)
		if below 0.98 "$sc"; then
			miss "$(baseline_label "$key"): $sc of the baseline (target: none slower, within 0.98)"
		fi
	done < <(baseline_keys)
}

# below LIMIT VALUE: VALUE < LIMIT; a dash (no data) is not.
below() {
	[[ $2 != "—" && -n $2 ]] && awk -v l="$1" -v v="$2" 'BEGIN { exit !(v < l) }'
}

# miss TEXT: one unmet target, said plainly.
miss() {
	echo "target missed: $*"
	misses=$((misses + 1))
}

print_misses() {
	local key sc failed attempted fr pr
	misses=0
	echo
	for key in "${rows[@]}" start; do
		read -r sc _ _ failed attempted <<<"$(stats "$key" sockschain)"
		fr=$(ratio "$key" sockschain floor 3) pr=$(ratio "$key" sockschain proxychains 3)
		[[ ${failed:-0} == 0 ]] || miss "${LABEL[$key]:-$key}: $failed of $attempted failed under sockschain"
		case $key in
		ux | go5) ;;	# no target for the library there: the supervisor's rows
		start)
			if ! below 500 "$sc"; then
				miss "start-up: $(num "$sc") µs above a bare true (target: under 500)"
			fi
			;;
		cc)
			if ! below 1.5 "$sc"; then
				miss "${LABEL[$key]}: $(num "$sc") x one connection's time (target: 1.5)"
			fi
			;;
		dns)
			if below 10 "$pr"; then
				miss "remote DNS: $pr x proxychains-ng's rate (target: 10)"
			fi
			;;
		*)
			if below 0.97 "$fr"; then
				miss "${LABEL[$key]}: $fr of the floor (target: 0.97)"
			fi
			if below 1 "$pr"; then
				miss "${LABEL[$key]}: $pr of proxychains-ng (target: 1)"
			fi
			;;
		esac
	done
	for key in $SUPERVISED; do
		sc=$(ratio "$key" supervisor_alone sockschain 3)
		if below 0.85 "$sc"; then
			miss "${LABEL[$key]}: the supervisor alone at $sc of the library's rate (target: 0.85)"
		fi
	done
	baseline_misses
	read -r sc _ <<<"$(stats rss_extra sockschain)"
	if [[ -n ${sc:-} ]] && ! below $((RSS_TARGET_KB + 1)) "$sc"; then
		miss "extra resident memory: $(num "$sc") kB above the bare program (target: at most $RSS_TARGET_KB kB)"
	fi
	[[ $misses != 0 ]] || echo "every target met"
	print_noise
}

# How far apart the floor's own rounds are, so that a miss by less can be
# read for what it is: the floor measured against itself.
print_noise() {
	local key med min max spread=() worst
	for key in "${rows[@]}"; do
		[[ ${UNIT[$key]} == conn/s || ${UNIT[$key]} == MiB/s ]] || continue
		read -r med min max _ <<<"$(stats "$key" floor)"
		[[ -n ${med:-} ]] && spread+=("$(awk -v a="$min" -v b="$max" -v m="$med" 'BEGIN { printf "%.3f", (b - a) / m }')")
	done
	((${#spread[@]})) || return 0
	worst=$(printf '%s\n' "${spread[@]}" | sort -n | tail -n 1)
	echo "noise: the floor's own rounds spread over $(awk -v w="$worst" 'BEGIN { printf "%.0f", w * 100 }')% of its median in the worst row, $(printf '%s\n' "${spread[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.0f", v[int((NR + 1) / 2)] * 100 }')% in the median row"
}

# syscalls KEY TOOL: the process's system calls per connection (strace -f -c),
# from two runs that differ only in their count, so start-up cancels out.
syscalls() {
	local key=$1 tool=$2 n args total=()
	args=${ARGS[$key]}
	for n in 100 300; do
		ARGS[$key]=${args/-n $N/-n $n}
		command_for "$key" "$tool"
		if ! timeout 60 strace -f -qq -c -o "$work/strace" "${cmd[@]}" >/dev/null 2>&1; then
			ARGS[$key]=$args
			echo "—"
			return
		fi
		total+=("$(awk '$NF == "total" { print $4 }' "$work/strace")")
	done
	ARGS[$key]=$args
	awk -v a="${total[0]}" -v b="${total[1]}" 'BEGIN { printf "%.1f", (b - a) / 200 }'
}

# The system calls a connection costs each tool, the floor's included: what
# is above the floor is what the socksifier adds.
print_syscalls() {
	local key tool row name
	command -v strace >/dev/null || return 0
	echo
	echo "System calls per connection (strace -f -c, the whole process; runs of 100 and 300 connections):"
	echo
	row="| workload |"
	for tool in "${TOOLS[@]}"; do
		name=TOOL_NAME_$tool
		row+=" ${!name} |"
	done
	echo "$row"
	echo "|---|$(for tool in "${TOOLS[@]}"; do printf -- '---|'; done)"
	for key in s4 s4nb s5 s5nb mx; do
		[[ -n ${LABEL[$key]:-} ]] || continue
		row="| ${LABEL[$key]} |"
		for tool in "${TOOLS[@]}"; do
			row+=" $(syscalls "$key" "$tool") |"
		done
		echo "$row"
	done
}
