#!/usr/bin/env bash
# capture.sh: the live recorder's cost.
#  1. Page load: the test app's 300-request page loaded in two headless
#     Chromiums side by side, one not recorded (baseline) and one recorded
#     (every event logged, every body fetched), loads alternating so both
#     see the same machine load. Goal: median recorded / plain <= 1.10.
#  2. Memory: `reprokit record` of 2,000 requests with 200 MB of bodies;
#     the recorder process's own peak RSS (VmHWM, the browser is separate)
#     while recording, against a one-request recording as baseline
#     (goal: < 300 MB), and the whole run's peak with Finalize and the
#     bundle writer with no size budget (goal: < 400 MB; it was 1.3 GB when
#     the bundle writer held the HAR in memory).
#  3. Stop -> bundle: `reprokit record` of 500 requests with 8 MB of
#     bodies, from its "stopped:" line to its exit with the bundle written
#     (browser closed, Finalize, bundle.Write), against a one-request page.
#     Goal: < 3 s.
#  4. Screenshot text mask: screenshots of the demo app signed in (a chat
#     message with a card number and an email), alternately with and
#     without painting over flagged text, same recorder and page.
#     Goal: the mask adds <= 150 ms (median delta).
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go test -c -o "$work/capture.test" ./host/capture
go test -c -o "$work/recording.test" ./host/recording
(cd host/capture && TMPDIR="$work" "$work/capture.test" -test.run '^$' -test.bench '^BenchmarkPageLoad300$' \
	-test.benchtime "${REPROKIT_BENCH_LOADS:-20}x" -test.count "${REPROKIT_BENCH_COUNT:-3}" -test.timeout 20m) >"$work/load.txt"
(cd host/recording && "$work/recording.test" -test.run '^$' -test.bench '^BenchmarkRecorderPeakRSS$' \
	-test.benchtime 1x -test.timeout 20m) >"$work/rss.txt"
(cd host/recording && "$work/recording.test" -test.run '^$' -test.bench '^BenchmarkStopToBundle500$' \
	-test.benchtime "${REPROKIT_BENCH_COUNT:-3}x" -test.timeout 20m) >"$work/stop.txt"
awk '
BEGIN { n = 0 }
/^BenchmarkPageLoad300.*ratio/ {
	for (i = 2; i <= NF; i++) {
		if ($(i) == "plain-ms") p[n] = $(i-1)
		if ($(i) == "recorded-ms") r[n] = $(i-1)
		if ($(i) == "ratio") q[n] = $(i-1)
	}
	n++
}
END {
	if (n == 0) { print "page load benchmark did not run (no browser?)"; exit 1 }
	for (i = 0; i < n; i++) {
		printf "run %d: %-40s %8.0f ms\n", i+1, "baseline: 300-request page, not recorded", p[i]
		printf "run %d: %-40s %8.0f ms\n", i+1, "300-request page, recorded", r[i]
		printf "run %d: %-40s %8.3f (goal <= 1.10)\n", i+1, "ratio recorded/plain (medians)", q[i]
	}
	# the median of the runs
	for (i = 0; i < n; i++) for (j = i+1; j < n; j++) if (q[j] < q[i]) { t = q[i]; q[i] = q[j]; q[j] = t }
	printf "%-47s %8.3f (goal <= 1.10; load average %s)\n", "median ratio over runs", q[int(n/2)], load
}' load="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')" "$work/load.txt"
(cd host/capture && TMPDIR="$work" "$work/capture.test" -test.run '^$' -test.bench '^BenchmarkScreenshotTextMask$' \
	-test.benchtime "${REPROKIT_BENCH_SHOTS:-20}x" -test.timeout 10m) >"$work/mask.txt"
awk '
/^BenchmarkScreenshotTextMask/ { for (i = 2; i <= NF; i++) { if ($(i) == "unmasked-ms") p = $(i-1); if ($(i) == "masked-ms") m = $(i-1); if ($(i) == "delta-ms") d = $(i-1); if ($(i) == "ratio") q = $(i-1) } }
END {
	if (m == "") { print "screenshot mask benchmark did not run (no browser?)"; exit 1 }
	printf "%-48s %8.1f ms\n", "baseline: demo screenshot, text not masked", p
	printf "%-48s %8.1f ms\n", "demo screenshot, flagged text painted over", m
	printf "%-48s %8.1f ms (goal <= 150 ms; ratio %.3f)\n", "delta (medians)", d, q
}' "$work/mask.txt"
awk '
/^BenchmarkRecorderPeakRSS\/baseline/ { for (i = 2; i <= NF; i++) { if ($(i) == "peakRSS-MB") b = $(i-1); if ($(i) == "withBundle-peakRSS-MB") bt = $(i-1) } }
/^BenchmarkRecorderPeakRSS\/2000req/  { for (i = 2; i <= NF; i++) { if ($(i) == "peakRSS-MB") m = $(i-1); if ($(i) == "withBundle-peakRSS-MB") mt = $(i-1) } }
END {
	if (b == "" || m == "") { print "RSS benchmark did not run (no browser?)"; exit 1 }
	printf "%-48s %8.1f MB\n", "baseline: recorder peak RSS, 1 request", b
	printf "%-48s %8.1f MB (goal < 300 MB)\n", "recorder peak RSS, 2,000 requests / 200 MB", m
	printf "%-48s %8.2fx baseline\n", "ratio", m/b
	printf "%-48s %8.1f MB (goal < 400 MB; 1 request: %.1f MB)\n", "whole run incl. Finalize and bundle.Write", mt, bt
}' "$work/rss.txt"
awk '
/^BenchmarkStopToBundle500\/baseline/ { for (i = 2; i <= NF; i++) if ($(i) == "stop-to-bundle-ms") b = $(i-1) }
/^BenchmarkStopToBundle500\/500req/   { for (i = 2; i <= NF; i++) if ($(i) == "stop-to-bundle-ms") m = $(i-1) }
END {
	if (b == "" || m == "") { print "Stop -> bundle benchmark did not run (no browser?)"; exit 1 }
	printf "%-48s %8.0f ms\n", "baseline: Stop -> bundle, 1 request", b
	printf "%-48s %8.0f ms (goal < 3000 ms %s; x%.2f baseline)\n", "Stop -> bundle, 500 requests / 8 MB", m, (m < 3000 ? "ok" : "MISSED"), m/b
}' "$work/stop.txt"
