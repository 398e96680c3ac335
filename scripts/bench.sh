#!/usr/bin/env bash
# make bench: every benchmark, against the release build (build/surak), with
# Redis on appendfsync always, and the peers (bare broadcaster, Nchan,
# Socket.IO) in the same run. Each scenario prints summary lines; the whole
# output is also kept in tests/out/bench.log. Not part of make test.
#   scripts/bench.sh [SCENARIO...]   (fanout ingest votes reconnect join memory dedupe-ingest past pages bigroom bigjoin cluster)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p tests/out
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(fanout ingest votes reconnect join memory dedupe-ingest past pages bigroom bigjoin cluster)
{
	echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/^Mem:/{print $2}') GiB, $(redis-server --version | cut -d' ' -f3), open files $(ulimit -Hn)"
	for name in "${scenarios[@]}"; do
		echo "# --- $name"
		node "scripts/bench/$name.mjs"
	done
} 2>&1 | tee tests/out/bench.log
