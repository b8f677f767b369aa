#!/usr/bin/env bash
# bundle.sh: the bundle and report goals of issue 4, each next to a baseline
# measured in the same run.
#  - packing a recording with ~100 MB of bodies into a 25 MB bundle
#    (bundle.Write: sanitize, verify, findings, budget, report) against a
#    plain zip of the same spool files; goal < 3 s;
#  - the same packing sealed to two age recipients, against the unsealed
#    run; goal: sealing adds at most 5% (issue 15);
#  - bundling a 500-request session (the bundle part of Stop -> bundle)
#    against a plain zip of its spool; goal < 3 s for the whole Stop;
#  - opening the report of a 10,000-entry HAR in Chromium until the table
#    has drawn and answered a search, against loading the same page bytes
#    without its script; goal < 2 s. (Skipped when no Chromium is found:
#    REPROKIT_BROWSER or /usr/bin/chromium.)
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
count="${REPROKIT_BENCH_COUNT:-2}"
go test -c -o "$work/bundle.test" ./host/bundle
go test -c -o "$work/report.test" ./host/report
(cd host/bundle && TMPDIR="$work" "$work/bundle.test" -test.run '^$' \
	-test.bench '^Benchmark(Pack100MBInto25MB|Pack100MBInto25MBSealed|PlainZip100MB|Bundle500Requests|PlainZip500Requests|Open25MB|Open25MBSealed)$' \
	-test.benchtime 1x -test.count "$count" -test.timeout 20m) >"$work/out.txt"
(cd host/report && TMPDIR="$work" "$work/report.test" -test.run '^$' \
	-test.bench '^Benchmark(Report10000Interactive|StaticPage10000|Render10000)$' \
	-test.benchtime 1x -test.count "$count" -test.timeout 20m) >>"$work/out.txt"
awk -v load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)" '
/^Benchmark/ {
	name=$1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
	for (i = 2; i <= NF; i++) {
		if ($(i) == "ns/op") { ns[name] += $(i-1); cnt[name]++ }
		if ($(i) == "MB") mb[name] = $(i-1)
		if ($(i) == "actions") act[name] = $(i-1)
		if ($(i) == "MB-page") page = $(i-1)
		if ($(i) == "cpu-ms/op") { cpu[name] += $(i-1); ccnt[name]++ }
	}
}
function ms(n) { return cnt[n] ? ns[n]/cnt[n]/1e6 : -1 }
function line(label, n, base, goal, extra) {
	if (!cnt[n]) { printf "%-58s skipped\n", label; return }
	printf "%-58s %8.0f ms", label, ms(n)
	if (base != "" && cnt[base]) printf "  baseline %7.0f ms  x%5.2f", ms(base), ms(n)/ms(base)
	if (goal > 0) printf "  goal < %d ms %s", goal, (ms(n) < goal ? "ok" : "MISSED")
	if (ccnt[n]) printf "  [cpu %.0f ms", cpu[n]/ccnt[n]
	if (ccnt[n] && ccnt[base]) printf ", baseline cpu %.0f ms", cpu[base]/ccnt[base]
	if (ccnt[n]) printf "]"
	printf "%s\n", extra
}
END {
	printf "(load average now: %s; wall times on a busy machine are upper bounds, cpu = user+system time of the process)\n", load
	line("pack ~100 MB of bodies into a 25 MB bundle", "Pack100MBInto25MB", "PlainZip100MB", 3000, sprintf("  (%.1f MB, %d budget actions; plain zip %.1f MB)", mb["Pack100MBInto25MB"], act["Pack100MBInto25MB"], mb["PlainZip100MB"]))
	line("the same, sealed to two age recipients (goal: +5% at most)", "Pack100MBInto25MBSealed", "Pack100MBInto25MB", 0, sprintf("  (%.1f MB sealed)", mb["Pack100MBInto25MBSealed"]))
	line("open a sealed 25 MB bundle (inspect; goal: +10% at most)", "Open25MBSealed", "Open25MB", 0, "")
	line("bundle a 500-request session", "Bundle500Requests", "PlainZip500Requests", 3000, sprintf("  (%.1f MB)", mb["Bundle500Requests"]))
	line("report of 10,000 entries: open until interactive", "Report10000Interactive", "StaticPage10000", 2000, sprintf("  (page %.1f MB; baseline = same page, no script)", page))
	line("report of 10,000 entries: read the HAR and render (Go)", "Render10000", "", 0, "")
}' "$work/out.txt"
