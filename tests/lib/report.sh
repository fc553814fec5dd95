# Sourced by the test scripts: what ran, compared with what the sources say must run.
# A suite's log holds "PASS name", "FAIL name: why" and "SKIP name: why" lines.

# reported_names LOG: the name of every PASS, FAIL and SKIP line of LOG.
reported_names() {
	tr -d '\r' <"$1" | sed -nE 's/^(PASS|FAIL|SKIP) ([^: ]+).*/\2/p'
}

# missing_checks EXPECTED LOG: one "FAIL name: expected but never ran" for each name of the
# file EXPECTED (one a line; a * stands for a number) that no line of LOG reports. Fails
# if there was one.
missing_checks() {
	local expected=$1 log=$2 want got n=0 found
	declare -A seen=()
	local -a names=()
	while read -r got; do
		seen[$got]=1
		names+=("$got")
	done < <(reported_names "$log")
	while read -r want; do
		[ -n "$want" ] || continue
		found=0
		if [[ $want == *'*'* ]]; then
			for got in "${names[@]}"; do
				# shellcheck disable=SC2053  # $want is a pattern on purpose
				[[ $got == $want ]] && { found=1; break; }
			done
		else
			[ -n "${seen[$want]:-}" ] && found=1
		fi
		if [ "$found" -eq 0 ]; then
			echo "FAIL $want: expected but never ran"
			n=$((n + 1))
		fi
	done <"$expected"
	[ "$n" -eq 0 ]
}
