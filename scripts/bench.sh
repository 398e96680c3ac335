#!/usr/bin/env bash
# make bench: every benchmark, against the release build (build/surak), with
# Redis on appendfsync always. Each scenario prints one summary line; the
# full output is also kept in tests/out/bench-*.log. Not part of make test.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p tests/out
export SURAK_BIN="$PWD/build/surak"
echo "# $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(redis-server --version | cut -d' ' -f3)"
for scenario in scripts/bench/*.mjs; do
	name=$(basename "$scenario" .mjs)
	(cd tests && node "../$scenario") 2>&1 | tee "tests/out/bench-$name.log"
done
