#!/usr/bin/env bash
# bridge.sh: extension mode against launch mode, measured in the same run.
#  1. Host cold start: Chrome starts the native host for each port; the time
#     from process start to the answer of a ping (goal < 50 ms), next to the
#     baseline of starting the same binary for `--version`.
#  2. The same test-app scenario (OOPIF, console, secrets, typing, a popup)
#     driven without recording (baseline), recorded in launch mode, and
#     recorded through the extension's chrome.debugger bridge in headless
#     Chromium (goal: extension at most 1.2x launch mode).
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/reprokit" ./cmd/reprokit
go test -c -o "$work/native.test" ./host/native
go test -c -o "$work/e2e.test" ./host/e2e
REPROKIT_BENCH_HOST="$work/reprokit" "$work/native.test" -test.run '^$' -test.bench '^BenchmarkHostColdStart' \
	-test.benchtime 20x -test.count "${REPROKIT_BENCH_COUNT:-3}" -test.timeout 5m >"$work/ping.txt"
(cd host/e2e && REPROKIT_E2E_HOST="$work/reprokit" "$work/e2e.test" -test.run '^$' -test.bench '^BenchmarkScenario' \
	-test.benchtime "${REPROKIT_BENCH_N:-3}x" -test.count 1 -test.timeout 20m >"$work/scenario.txt")
cat "$work/ping.txt" "$work/scenario.txt" | awk '
/^Benchmark/ {
	name=$1; sub(/-[0-9]+$/, "", name); cnt[name]++
	for (i = 2; i <= NF; i++) {
		if ($(i) ~ /-ms$/) v[name, $(i)] += $(i-1)
	}
}
function m(n, k) { return cnt[n] ? v[n, k] / cnt[n] : 0 }
END {
	p = m("BenchmarkHostColdStartPing", "ping-ms"); q = m("BenchmarkHostColdStartBaseline", "ping-ms")
	printf "%-58s %8.1f ms\n", "baseline: start reprokit --version", q
	printf "%-58s %8.1f ms  %5.2fx baseline (goal < 50 ms)\n", "host cold start to ping answer", p, p / q
	n = m("BenchmarkScenarioNotRecorded", "scenario-ms")
	l = m("BenchmarkScenarioLaunchMode", "scenario-ms"); e = m("BenchmarkScenarioExtensionMode", "scenario-ms")
	ls = m("BenchmarkScenarioLaunchMode", "stop-ms"); es = m("BenchmarkScenarioExtensionMode", "stop-ms")
	lt = m("BenchmarkScenarioLaunchMode", "total-ms"); et = m("BenchmarkScenarioExtensionMode", "total-ms")
	printf "%-58s %8.0f ms\n", "baseline: scenario, not recorded", n
	printf "%-58s %8.0f ms  %5.2fx baseline\n", "scenario recorded in launch mode", l, l / n
	printf "%-58s %8.0f ms  %5.2fx baseline, %5.2fx launch (goal <= 1.2x)\n", "scenario recorded through the extension bridge", e, e / n, e / l
	printf "%-58s %8.0f ms  launch %.0f ms, %5.2fx\n", "Stop to saved bundle, extension", es, ls, es / ls
	printf "%-58s %8.0f ms  launch %.0f ms (with its browser start), %5.2fx\n", "Record to saved bundle, extension", et, lt, et / lt
	printf "%-58s %8.0f ms  %5.2fx launch (goal <= 1.2x)\n", "recorded scenario + stop, extension", e + es, (e + es) / (l + ls)
}'
