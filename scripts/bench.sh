#!/usr/bin/env bash
# bench.sh runs every benchmark of Reprokit and prints each figure next to a
# baseline measured in the same run. Each area has its own script in
# scripts/bench.d/; run one alone with `scripts/bench.sh capture`.
set -euo pipefail
cd "$(dirname "$0")/.."
only="${1:-}"
status=0
for f in scripts/bench.d/*.sh; do
	name="$(basename "$f" .sh)"
	if [[ -n "$only" && "$name" != "$only" ]]; then continue; fi
	echo "== $name"
	bash "$f" || { echo "bench $name failed" >&2; status=1; }
done
exit $status
