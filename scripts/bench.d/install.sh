#!/usr/bin/env bash
# install.sh: the host's cold start as the doctor's self-test sees it
# (start the binary as Chrome does, one framed ping, exit) against the
# baseline of starting the same binary for `reprokit --version`, measured
# in the same run; and the time of an install that finds everything in
# place (every Linux browser present). Goal: the self-test costs at most 2x
# a bare start, so the extension's first message is never slow.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/reprokit" ./cmd/reprokit
go test -c -o "$work/install.test" ./host/install
n="${REPROKIT_BENCH_N:-100}"
REPROKIT_BENCH_BIN="$work/reprokit" "$work/install.test" -test.run '^$' -test.bench '^Benchmark(ExecVersion|SelfTest|InstallAgain)$' \
	-test.benchtime "${n}x" -test.count 3 -test.timeout 10m >"$work/out.txt"
awk '
/^Benchmark/ { name=$1; sub(/-[0-9]+$/, "", name); sum[name]+=$3; cnt[name]++ }
END {
	base = sum["BenchmarkExecVersion"]/cnt["BenchmarkExecVersion"]
	self = sum["BenchmarkSelfTest"]/cnt["BenchmarkSelfTest"]
	again = sum["BenchmarkInstallAgain"]/cnt["BenchmarkInstallAgain"]
	printf "%-46s %8.2f ms\n", "baseline: start reprokit --version", base/1e6
	printf "%-46s %8.2f ms  %4.2fx baseline (goal <= 2x)\n", "doctor self-test (start host, framed ping)", self/1e6, self/base
	printf "%-46s %8.2f ms  %4.2fx baseline\n", "install again, 10 browsers, nothing to change", again/1e6, again/base
}' "$work/out.txt"
