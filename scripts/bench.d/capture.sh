#!/usr/bin/env bash
# capture.sh: the live recorder's cost.
#  1. Page load: the test app's 300-request page loaded in a headless
#     Chromium that is not recorded (baseline) and in one that is recorded
#     (every event logged, every body fetched), in the same run.
#     Goal: recorded / plain <= 1.10.
#  2. Memory: `reprokit record` of 2,000 requests with 200 MB of bodies;
#     the recorder process's own peak RSS (VmHWM, the browser is separate)
#     against a one-request recording as baseline. Goal: < 300 MB.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go test -c -o "$work/capture.test" ./host/capture
go test -c -o "$work/recording.test" ./host/recording
(cd host/capture && TMPDIR="$work" "$work/capture.test" -test.run '^$' -test.bench '^BenchmarkPageLoad300$' \
	-test.benchtime "${REPROKIT_BENCH_LOADS:-10}x" -test.count "${REPROKIT_BENCH_COUNT:-3}" -test.timeout 20m) >"$work/load.txt"
(cd host/recording && "$work/recording.test" -test.run '^$' -test.bench '^BenchmarkRecorderPeakRSS$' \
	-test.benchtime 1x -test.timeout 20m) >"$work/rss.txt"
awk '
/^BenchmarkPageLoad300\/plain/    { for (i = 2; i <= NF; i++) if ($(i) == "ns/op") { p += $(i-1); np++ } }
/^BenchmarkPageLoad300\/recorded/ { for (i = 2; i <= NF; i++) if ($(i) == "ns/op") { r += $(i-1); nr++ } }
END {
	if (np == 0 || nr == 0) { print "page load benchmark did not run (no browser?)"; exit 1 }
	printf "%-48s %8.0f ms\n", "baseline: 300-request page, not recorded", p/np/1e6
	printf "%-48s %8.0f ms\n", "300-request page, recorded", r/nr/1e6
	printf "%-48s %8.3f (goal <= 1.10)\n", "ratio recorded/plain", (r/nr)/(p/np)
}' "$work/load.txt"
awk '
/^BenchmarkRecorderPeakRSS\/baseline/ { for (i = 2; i <= NF; i++) if ($(i) == "peakRSS-MB") b = $(i-1) }
/^BenchmarkRecorderPeakRSS\/2000req/  { for (i = 2; i <= NF; i++) if ($(i) == "peakRSS-MB") m = $(i-1) }
END {
	if (b == "" || m == "") { print "RSS benchmark did not run (no browser?)"; exit 1 }
	printf "%-48s %8.1f MB\n", "baseline: recorder peak RSS, 1 request", b
	printf "%-48s %8.1f MB (goal < 300 MB)\n", "recorder peak RSS, 2,000 requests / 200 MB", m
	printf "%-48s %8.2fx baseline\n", "ratio", m/b
}' "$work/rss.txt"
