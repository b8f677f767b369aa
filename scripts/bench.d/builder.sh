#!/usr/bin/env bash
# builder.sh: capture.BuildHAR converting a synthetic protocol log of 2,000
# requests with 200 MB of response bodies (inline text, inline base64 and
# bodies/<n> files, as the recorder writes them), against two baselines
# measured in the same run: reading the same files line by line, and
# decoding every line with encoding/json without building anything (the
# least any converter must do). Goals: the peak Go heap stays a small
# fraction of the bodies (they are streamed from the log into the HAR,
# never all held), and building costs no more than decoding.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go test -c -o "$work/capture.test" ./host/capture
TMPDIR="$work" "$work/capture.test" -test.run '^$' -test.bench '^BenchmarkBuildHAR(2000Requests200MB|BaselineRead|BaselineDecode)$' \
	-test.benchtime 1x -test.count "${REPROKIT_BENCH_COUNT:-3}" -test.timeout 20m >"$work/out.txt"
awk '
/^Benchmark/ {
	name=$1; sub(/-[0-9]+$/, "", name)
	for (i = 2; i <= NF; i++) {
		if ($(i) == "ns/op") ns[name] += $(i-1)
		if ($(i) == "MB/s") mbs[name] += $(i-1)
		if ($(i) == "peak-heap-MiB" && $(i-1) > heap[name]) heap[name] = $(i-1)
		if ($(i) == "input-MiB") input = $(i-1)
	}
	cnt[name]++
}
END {
	b = "BenchmarkBuildHARBaselineRead"; d = "BenchmarkBuildHARBaselineDecode"; h = "BenchmarkBuildHAR2000Requests200MB"
	bt = ns[b]/cnt[b]; dt = ns[d]/cnt[d]; ht = ns[h]/cnt[h]
	printf "%-52s %8.0f ms %7.1f MB/s  peak heap %6.1f MiB\n", "baseline: read log + bodies line by line", bt/1e6, mbs[b]/cnt[b], heap[b]
	printf "%-52s %8.0f ms %7.1f MB/s  peak heap %6.1f MiB\n", "baseline: json-decode every line, no HAR", dt/1e6, mbs[d]/cnt[d], heap[d]
	printf "%-52s %8.0f ms %7.1f MB/s  peak heap %6.1f MiB\n", "BuildHAR: 2,000 requests, " input " MiB in", ht/1e6, mbs[h]/cnt[h], heap[h]
	printf "%-52s %8.2fx the json-decode baseline (goal <= 1); %.2fx the bare read\n", "ratio, time", ht/dt, ht/bt
	printf "%-52s %8.1f%% of the input (goal < 10%%)\n", "ratio, BuildHAR peak heap", 100*heap[h]/input
}' "$work/out.txt"
