#!/usr/bin/env bash
# Runs every libFuzzer target (build/fuzz/fuzz_*, from `make fuzzers`) for
# the given number of seconds each, from the seed corpora (tests/fuzz/
# seeds.mjs) and what earlier runs found (build/fuzz/corpus/, kept).
# Inputs that once failed are kept in tests/fuzz/regress/TARGET/ and are
# replayed first. Prints one line per target; exits non-zero if any failed.
#   scripts/fuzz.sh [SECONDS]
set -u
cd "$(dirname "$0")/.."
secs=${1:-60}
dir=build/fuzz
node tests/fuzz/seeds.mjs "$dir/seeds" || exit 1
status=0
for bin in "$dir"/fuzz_*; do
	name=$(basename "$bin"); name=${name#fuzz_}
	log="$dir/$name.log"
	corpus="$dir/corpus/$name"
	crashes="$dir/crashes/$name"
	mkdir -p "$corpus" "$crashes"
	dict=()
	[ -f "tests/fuzz/$name.dict" ] && dict=("-dict=tests/fuzz/$name.dict")
	regress=()
	[ -d "tests/fuzz/regress/$name" ] && regress=(tests/fuzz/regress/"$name"/*)
	: >"$log"
	rc=0
	if [ ${#regress[@]} -gt 0 ]; then
		"$bin" "${regress[@]}" >>"$log" 2>&1 || rc=$?
	fi
	if [ $rc -eq 0 ]; then
		"$bin" "${dict[@]}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
			-max_len=9000 -print_final_stats=1 -artifact_prefix="$crashes/" \
			"$corpus" "$dir/seeds/$name" >>"$log" 2>&1 || rc=$?
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
	if [ $rc -eq 0 ]; then
		printf 'fuzz %-6s %ss, %s runs, %s, corpus %s inputs: no failure\n' \
			"$name" "$secs" "${runs:-?}" "${cov:-cov: ?}" "$(ls "$corpus" | wc -l)"
	else
		status=1
		printf 'fuzz %-6s FAILED (exit %s); input kept in %s\n' "$name" "$rc" "$crashes"
		grep -E 'ERROR|SUMMARY|Assertion|runtime error' "$log" | head -10
	fi
done
exit $status
