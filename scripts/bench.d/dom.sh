#!/usr/bin/env bash
# dom.sh: the cost of the DOM session replay (issue 16), each figure next to
# a baseline measured in the same run.
#  1. Page load: the test app's 300-request page in two headless Chromiums,
#     both recorded as `reprokit record` does, one with --no-dom (baseline)
#     and one with the DOM replay (the default); loads alternate, and which
#     of the pair goes first too. Goal: median DOM / no-DOM <= 1.05. Also
#     printed: the renderer main thread's busy time (Performance metric
#     TaskDuration) of a load up to its idle time, first snapshot included;
#     indicative only: the counter belongs to a renderer process, which a
#     load may replace, and it counts time the task was preempted, so on a
#     loaded machine it is as noisy as the wall time.
#  2. Bundle size: `reprokit demo` with and without --no-dom; the growth of
#     the bundle, dom.json's compressed size in it, and the growth of
#     report.html (which embeds the player and the events). Goal: the DOM
#     events (dom.json and the copy report.html plays) add <= 10%; the
#     player (about 60 KB compressed) is printed apart: a fixed cost per
#     bundle, not the events'.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go test -c -o "$work/capture.test" ./host/capture
go build -o "$work/reprokit" ./cmd/reprokit
(cd host/capture && TMPDIR="$work" "$work/capture.test" -test.run '^$' -test.bench '^BenchmarkPageLoad300DOM$' \
	-test.benchtime "${REPROKIT_BENCH_LOADS:-20}x" -test.count "${REPROKIT_BENCH_COUNT:-3}" -test.timeout 30m) >"$work/load.txt"
awk '
BEGIN { n = 0 }
/^BenchmarkPageLoad300DOM/ {
	for (i = 2; i <= NF; i++) {
		if ($(i) == "nodom-ms") p[n] = $(i-1)
		if ($(i) == "dom-ms") d[n] = $(i-1)
		if ($(i) == "ratio") q[n] = $(i-1)
		if ($(i) == "nodom-busy-ms") bp[n] = $(i-1)
		if ($(i) == "dom-busy-ms") bd[n] = $(i-1)
		if ($(i) == "busy-ratio") bq[n] = $(i-1)
	}
	n++
}
END {
	if (n == 0) { print "DOM page load benchmark did not run (no browser?)"; exit 1 }
	for (i = 0; i < n; i++) {
		printf "run %d: %-46s %8.0f ms (busy %6.0f ms)\n", i+1, "baseline: 300-request page, recorded --no-dom", p[i], bp[i]
		printf "run %d: %-46s %8.0f ms (busy %6.0f ms)\n", i+1, "300-request page, recorded with the DOM replay", d[i], bd[i]
		printf "run %d: %-46s %8.3f (busy %.3f; goal <= 1.05)\n", i+1, "ratio DOM/no-DOM (medians)", q[i], bq[i]
	}
	for (i = 0; i < n; i++) for (j = i+1; j < n; j++) { if (q[j] < q[i]) { t = q[i]; q[i] = q[j]; q[j] = t }; if (bq[j] < bq[i]) { t = bq[i]; bq[i] = bq[j]; bq[j] = t } }
	printf "%-53s %8.3f (goal <= 1.05 %s; busy-time ratio %.3f; load average %s)\n", "median ratio over runs", q[int(n/2)], (q[int(n/2)] <= 1.05 ? "ok" : "MISSED"), bq[int(n/2)], load
}' load="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')" "$work/load.txt"
mkdir -p "$work/demo"
(cd "$work/demo" && TMPDIR="$work/demo" "$work/reprokit" demo --out "$work/dom.zip" 2>"$work/demo-dom.log" >/dev/null)
(cd "$work/demo" && TMPDIR="$work/demo" "$work/reprokit" demo --no-dom --out "$work/nodom.zip" 2>"$work/demo-nodom.log" >/dev/null)
with=$(stat -c %s "$work/dom.zip")
without=$(stat -c %s "$work/nodom.zip")
member=$(unzip -v "$work/dom.zip" | awk '$NF == "dom.json" { print $3 }')
rwith=$(unzip -v "$work/dom.zip" | awk '$NF == "report.html" { print $3 }')
rwithout=$(unzip -v "$work/nodom.zip" | awk '$NF == "report.html" { print $3 }')
# the events' copy in report.html (the gzip+base64 block the player
# reads) and the player itself (a fixed cost per bundle)
copy=$(unzip -p "$work/dom.zip" report.html | tr '\n' ' ' | grep -o '<script type="application/octet-stream" id="rk-replay"[^<]*' | sed 's/^[^>]*>//' | gzip -6 | wc -c)
player=$(cat host/domreplay/vendor/replay.min.js host/domreplay/vendor/replay.min.css | gzip -6 | wc -c)
events=$(unzip -p "$work/dom.zip" bundle.json | grep -o '"domEvents": *[0-9]*' | head -1 | grep -o '[0-9]*$')
awk -v w="$with" -v wo="$without" -v m="${member:-0}" -v e="${events:-0}" -v rw="${rwith:-0}" -v rwo="${rwithout:-0}" -v c="${copy:-0}" -v p="${player:-0}" 'BEGIN {
	printf "%-53s %8.1f KB\n", "baseline: demo bundle, --no-dom", wo/1024
	printf "%-53s %8.1f KB (%d DOM events)\n", "demo bundle with the DOM replay", w/1024, e
	printf "%-53s %8.1f KB compressed (%.1f%% of the no-DOM bundle)\n", "  of which dom.json", m/1024, m/wo*100
	printf "%-53s %8.1f KB compressed (the player and the events it plays)\n", "  and report.html grew by", (rw-rwo)/1024
	printf "%-53s %8.1f KB compressed\n", "    of which the copy of the events the player reads", c/1024
	printf "%-53s %8.1f KB compressed (rrweb 2.1.6, the same in every bundle)\n", "    and the player", p/1024
	ev = (m + c) / wo * 100
	printf "%-53s %8.1f%% of the no-DOM bundle (goal <= 10%% %s)\n", "the DOM events (dom.json and their copy)", ev, (ev <= 10 ? "ok" : "MISSED")
	g = (w - wo) / wo * 100
	printf "%-53s %8.1f%% (the events, the player and the rest: %.1f KB)\n", "growth of the whole bundle", g, (w - wo - m - c - p)/1024
}'
