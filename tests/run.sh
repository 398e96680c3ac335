#!/usr/bin/env bash
# Runs every test suite and prints, as its last line, "N passed, N failed".
#   1. C unit tests (cmocka), plain and under ASan/UBSan
#   2. integration tests: real redis-server, real hub processes, real WebSockets
#   3. browser tests: Debian's Chromium driven by playwright-core
#   4. the libFuzzer targets, a short run each (make fuzz runs them longer)
#   5. docker-compose.yml validity
# Full output goes to tests/out/; a failing suite's output is also shown.
set -u
cd "$(dirname "$0")/.."
out=tests/out
mkdir -p "$out"
passed=0
failed=0

count_tap() {	# file → adds "ok"/"not ok" lines to the totals
	local ok notok
	ok=$(grep -cE '^ *ok [0-9]+' "$1" || true)
	notok=$(grep -cE '^ *not ok [0-9]+' "$1" || true)
	passed=$((passed + ok))
	failed=$((failed + notok))
	echo "$ok passed, $notok failed"
}

unit() {	# binary label
	local log="$out/unit-$2.log"
	CMOCKA_MESSAGE_OUTPUT=TAP "$1" >"$log" 2>&1
	local rc=$?
	printf '%-40s ' "unit: $2"
	count_tap "$log"
	grep -E '^# (.*(pairwise recall|cross-language)|tags )' "$log" | sed 's/^/  /' || true
	if grep -qE 'Sanitizer|runtime error' "$log"; then
		echo "  sanitizer report:"; cat "$log"; failed=$((failed + 1))
	elif [ $rc -ne 0 ] && ! grep -qE '^not ok' "$log"; then
		echo "  exited with $rc:"; tail -20 "$log"; failed=$((failed + 1))
	fi
}

node_suite() {	# label files...: each file in its own node process, one after another
	local label=$1; shift
	local log="$out/${label%% *}.log" p=0 f=0 file
	: >"$log"
	for file in "$@"; do
		local flog="$out/$(basename "$file" .test.mjs).log"
		# A file that hangs is stopped after ten minutes and counts as failed.
		timeout -k 10 600 node --test --test-reporter=tap "$file" >"$flog" 2>&1
		local rc=$? fp ff fc
		[ $rc -eq 124 ] && echo "not ok - $file did not finish within 600 s" >>"$flog"
		fp=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$flog" | tail -1)
		ff=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$flog" | tail -1)
		fc=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$flog" | tail -1)
		fp=${fp:-0}; ff=$(( ${ff:-0} + ${fc:-0} ))
		if [ $rc -ne 0 ] && [ "$ff" -eq 0 ]; then ff=1; fi
		if [ "$ff" -gt 0 ]; then
			echo "--- $file:"
			grep -E '^not ok|error|Error|expected|actual' "$flog" | head -40
		fi
		# Figures a test reports (duplicate detection's recall) are shown too.
		grep -E '^# .*(pairwise recall|judged again after a race|personal data masking|cross-language|staff:|crowd:|big room|minted votes|SIGKILL|SIGSTOP|slow consumer|slowloris|telegram:|replicas:|cluster:|sentinel:|idle WebSockets|connection flood|open-files limit|keepalive)' "$flog" | grep -v '^# Subtest' | sed 's/^/  /'
		cat "$flog" >>"$log"
		p=$((p + fp)); f=$((f + ff))
	done
	printf '%-40s %s passed, %s failed\n' "$label" "$p" "$f"
	passed=$((passed + p)); failed=$((failed + f))
}

for t in build/tests/test_*; do unit "$t" "$(basename "$t")"; done
for t in build/san/tests/test_*; do unit "$t" "$(basename "$t") (asan+ubsan)"; done

SURAK_BIN=build/san/surak node_suite "integration (hub under asan+ubsan)" tests/integration/*.test.mjs
node_suite "browser (chromium)" tests/browser/*.test.mjs

# Each fuzz target replays its regressions, then fuzzes for FUZZ_SMOKE seconds.
scripts/fuzz.sh "${FUZZ_SMOKE:-20}" >"$out/fuzz.log" 2>&1
fp=$(grep -c ': no failure$' "$out/fuzz.log" || true)
ff=$(grep -c ' FAILED ' "$out/fuzz.log" || true)
if [ "$fp" -eq 0 ] && [ "$ff" -eq 0 ]; then ff=1; fi
printf '%-40s %s passed, %s failed\n' "fuzz (libFuzzer, asan+ubsan)" "$fp" "$ff"
sed 's/^/  /' "$out/fuzz.log"
passed=$((passed + fp)); failed=$((failed + ff))

printf '%-40s ' "docker-compose config"
if SURAK_ADMIN_TOKEN=check-only-token-0000 docker-compose -f docker-compose.yml config -q >"$out/compose.log" 2>&1; then
	echo "1 passed, 0 failed"; passed=$((passed + 1))
else
	echo "0 passed, 1 failed"; cat "$out/compose.log"; failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
