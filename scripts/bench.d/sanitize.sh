#!/usr/bin/env bash
# sanitize.sh: throughput and peak memory of the sanitizer on a generated
# HAR (200 MB by default; REPROKIT_BENCH_MB changes it), against the
# baseline of the same test binary decoding the HAR with encoding/json into
# generic values and encoding it back. Everything runs on one core
# (GOMAXPROCS=1), each measurement in its own process so that peak RSS is
# its own. MB/s is given for wall time and for CPU time (user+sys), which
# stays meaningful on a busy machine.
# Goals (issue 3): >= 60 MB/s on one core, peak RSS < 100 MB, <= 3x the baseline.
# Then (issue 4) the fail-closed rescan of the sanitized HAR, Verify on one
# core against Verify and VerifyBytes on every core, timed inside the
# benchmark (the sanitizing that makes their input is not counted), and
# Redactor.HAR on every core (a read-ahead goroutine decodes).
# Last (issue 10) the same baseline, sanitize and sanitize + verify rows on
# a HAR of real scripts, stylesheets and source maps: the published files
# of real libraries (scripts/fetch-real-code.sh caches them from npm),
# repeated under new URLs up to REPROKIT_BENCH_REAL_MB (default 60).
# Goal (issue 10): ratios within 10% of the figures before the code-aware
# sanitizer, on both HARs; peak RSS < 100 MB.
# REPROKIT_BENCH_BEFORE=REV also measures the sanitizer of git revision REV
# (exported with git archive, built beside this one) in the same run,
# against the same baseline, its runs alternating with this one's: on a
# busy machine two runs' ratios differ by more than the 10% the goal
# allows, alternating runs' do not (REPROKIT_BENCH_REPEAT=5 or more
# steadies them further).
set -euo pipefail
cd "$(dirname "$0")/../.."
mb="${REPROKIT_BENCH_MB:-200}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go test -c -o "$work/sanitize.test" ./host/sanitize
cli=1
go build -o "$work/reprokit" ./cmd/reprokit || { echo "cmd/reprokit does not build: the CLI row is skipped" >&2; cli=0; }
before="${REPROKIT_BENCH_BEFORE:-}"
if [[ -n "$before" ]]; then
	mkdir "$work/before"
	git archive "$before" | tar -x -C "$work/before"
	(cd "$work/before" && go test -c -o "$work/before.test" ./host/sanitize && go build -o "$work/reprokit-before" ./cmd/reprokit)
	before="$(git rev-parse --short "$before")"
fi
har="$work/bench.har"
REPROKIT_BENCH_HAR="$har" REPROKIT_BENCH_WRITE=1 REPROKIT_BENCH_MB="$mb" "$work/sanitize.test" -test.run '^TestWriteBenchHAR$' -test.timeout 30m >/dev/null
size=$(stat -c %s "$har")
echo "input: generated HAR of $((size / 1000000)) MB"

# measure NAME CMD…: prints nothing, sets wall/cpu/rss for NAME
# (one core; PROCS=0 measure … lets Go use every core)
# With REPROKIT_BENCH_REPEAT=N it runs N times and keeps the run of least
# CPU time (and the largest peak RSS): on a busy machine the least is the
# least disturbed.
measure() {
	local name="$1"; shift
	local procs=(GOMAXPROCS=1)
	if [[ "${PROCS:-1}" == 0 ]]; then procs=(-u GOMAXPROCS); fi
	local i best="" maxrss=0
	if [[ -n "${KEEP:-}" ]]; then # go on from the runs measured before under this name
		eval "best=\${${name}_cpu:-} maxrss=\${${name}_rss:-0}"
	fi
	for ((i = 0; i < ${REPEAT:-${REPROKIT_BENCH_REPEAT:-1}}; i++)); do
		/usr/bin/time -f '%e %U %S %M' -o "$work/$name.time" env "${procs[@]}" REPROKIT_BENCH_HAR="$har" "$@" >"$work/$name.out" 2>&1 || { cat "$work/$name.out" >&2; return 1; }
		read -r wall user sys rss <"$work/$name.time"
		local cpu
		cpu=$(echo "$user + $sys" | bc)
		if (( rss > maxrss )); then maxrss=$rss; fi
		if [[ -z "$best" ]] || (( $(echo "$cpu < $best" | bc) )); then
			best=$cpu
			eval "${name}_wall=$wall ${name}_cpu=$cpu"
			cp "$work/$name.out" "$work/$name.best"
		fi
	done
	cp "$work/$name.best" "$work/$name.out"
	eval "${name}_rss=$maxrss"
}
bench() { echo "$work/sanitize.test" -test.run '^$' -test.bench "^$1\$" -test.benchtime 1x -test.timeout 30m; }
bench_before() { echo "$work/before.test" -test.run '^$' -test.bench "^$1\$" -test.benchtime 1x -test.timeout 30m; }

measure base $(bench BenchmarkJSONRoundTrip)
measure san $(bench BenchmarkSanitizeHAR)
measure one $(bench BenchmarkSanitizeHARPassOne)
measure ver $(bench BenchmarkSanitizeAndVerifyHAR)
if [[ $cli == 1 ]]; then measure cli "$work/reprokit" sanitize "$har" -o "$work/out.har"; fi
measure vseq $(bench BenchmarkVerifyHAR)
PROCS=0 measure vall $(bench BenchmarkVerifyHAR)
PROCS=0 measure vpar $(bench BenchmarkVerifyBytesHAR)
PROCS=0 measure sall $(bench BenchmarkSanitizeHAR)

row() { # name label
	local w c r
	eval "w=\$${1}_wall c=\$${1}_cpu r=\$${1}_rss"
	printf '%-44s %7.1f MB/s wall %7.1f MB/s cpu %6.0f MB peak RSS  %4.2fx baseline cpu time\n' "$2" \
		"$(echo "$size / 1000000 / $w" | bc -l)" "$(echo "$size / 1000000 / $c" | bc -l)" "$(echo "$r / 1024" | bc -l)" "$(echo "$c / $base_cpu" | bc -l)"
}
# before_rows: with REPROKIT_BENCH_BEFORE, the sanitize, verify and CLI
# rows of that revision on the same input, and how each ratio changed.
before_rows() {
	[[ -n "$before" ]] || return 0
	echo "before: the sanitizer of $before, on the same input and baseline;"
	echo "  each row measured again in alternation with this one's (the least CPU time of each; REPROKIT_BENCH_REPEAT pairs)"
	# Alternating runs meet the same machine: measured one after the
	# other, a busy spell on either side moves the change by more than
	# the 10% the goal allows.
	local i n okv=1 okc=$cli
	unset san_cpu ver_cpu cli_cpu bsan_cpu bver_cpu bcli_cpu
	for ((i = 0; i < ${REPROKIT_BENCH_REPEAT:-1}; i++)); do
		KEEP=1 REPEAT=1 measure san $(bench BenchmarkSanitizeHAR)
		KEEP=1 REPEAT=1 measure bsan $(bench_before BenchmarkSanitizeHAR)
		if ((okv)); then
			KEEP=1 REPEAT=1 measure ver $(bench BenchmarkSanitizeAndVerifyHAR) &&
				KEEP=1 REPEAT=1 measure bver $(bench_before BenchmarkSanitizeAndVerifyHAR) || okv=0
		fi
		if ((okc)); then
			KEEP=1 REPEAT=1 measure cli "$work/reprokit" sanitize "$har" -o "$work/out.har" &&
				KEEP=1 REPEAT=1 measure bcli "$work/reprokit-before" sanitize "$har" -o "$work/out-before.har" || okc=0
		fi
	done
	row san "  now:    sanitize (Redactor.HAR)"
	row bsan "  before: sanitize (Redactor.HAR)"
	if ((okv)); then row ver "  now:    sanitize + fail-closed verify"; row bver "  before: sanitize + fail-closed verify"; else ver_cpu="" bver_cpu=""; echo "  the fail-closed verify refused this HAR (now or before)"; fi
	if ((okc)); then row cli "  now:    reprokit sanitize (CLI)"; row bcli "  before: reprokit sanitize (CLI)"; else cli_cpu="" bcli_cpu=""; fi
	for n in san ver cli; do
		local now was
		eval "now=\${${n}_cpu:-} was=\${b${n}_cpu:-}"
		if [[ -n "$now" && -n "$was" ]]; then printf '%-44s %+6.1f%% cpu time against before\n' "  change: $n" "$(echo "($now / $was - 1) * 100" | bc -l)"; fi
	done
}
row base "baseline: encoding/json decode+encode"
row one "sanitize walk only (no consistency pass)"
row san "sanitize (Redactor.HAR)"
row ver "sanitize + fail-closed verify"
if [[ $cli == 1 ]]; then row cli "reprokit sanitize (CLI, writes the file)"; fi
before_rows
echo "goals: sanitize >= 60 MB/s on one core, < 100 MB peak RSS, <= 3x the baseline"
# the rescan rows: ns/op of the benchmark itself
nsop() { awk '/^Benchmark/ { for (i = 2; i <= NF; i++) if ($(i) == "ns/op") print $(i-1) }' "$work/$1.out"; }
vseq_ns=$(nsop vseq)
vall_ns=$(nsop vall)
vpar_ns=$(nsop vpar)
sall_ns=$(nsop sall)
san_ns=$(nsop san)
printf '%-44s %7.1f MB/s wall (one core)\n' "verify the sanitized HAR: Verify" "$(echo "$size / 1000 / ($vseq_ns / 1000000)" | bc -l)"
printf '%-44s %7.1f MB/s wall (%d cores)  %4.2fx one core\n' "verify the sanitized HAR: Verify" "$(echo "$size / 1000 / ($vall_ns / 1000000)" | bc -l)" "$(nproc)" "$(echo "$vseq_ns / $vall_ns" | bc -l)"
printf '%-44s %7.1f MB/s wall (%d cores)  %4.2fx Verify on one core\n' "verify the sanitized HAR: VerifyBytes" "$(echo "$size / 1000 / ($vpar_ns / 1000000)" | bc -l)" "$(nproc)" "$(echo "$vseq_ns / $vpar_ns" | bc -l)"
printf '%-44s %7.1f MB/s wall (%d cores)  %4.2fx one core\n' "sanitize (Redactor.HAR), reading ahead" "$(echo "$size / 1000 / ($sall_ns / 1000000)" | bc -l)" "$(nproc)" "$(echo "$san_ns / $sall_ns" | bc -l)"
echo "(load average now: $(cut -d' ' -f1-3 /proc/loadavg); wall figures on a busy machine are upper bounds)"

# The HAR of real scripts and stylesheets (issue 10).
real_dir="${REPROKIT_REAL_CODE_DIR:-}"
if [[ -z "$real_dir" ]]; then real_dir="$(scripts/fetch-real-code.sh || true)"; fi
if [[ -z "$real_dir" ]]; then
	echo "no real libraries' files (npm is missing): the real-code rows are skipped"
	exit 0
fi
har="$work/real.har"
REPROKIT_REAL_CODE_DIR="$real_dir" REPROKIT_BENCH_HAR="$har" REPROKIT_BENCH_WRITE=1 REPROKIT_BENCH_MB="${REPROKIT_BENCH_REAL_MB:-60}" \
	"$work/sanitize.test" -test.run '^TestWriteRealCodeBenchHAR$' -test.timeout 10m >/dev/null
size=$(stat -c %s "$har")
echo
echo "input: HAR of real scripts, stylesheets and source maps of $((size / 1000000)) MB ($(find "$real_dir" -type f \( -name '*.js' -o -name '*.css' -o -name '*.map' \) | wc -l) files of react-dom, codemirror, mathjax, jquery, lodash, bootstrap, font-awesome, angular, moment, repeated)"
measure base $(bench BenchmarkJSONRoundTrip)
measure san $(bench BenchmarkSanitizeHAR)
row base "baseline: encoding/json decode+encode"
row san "sanitize (Redactor.HAR)"
if measure ver $(bench BenchmarkSanitizeAndVerifyHAR); then
	row ver "sanitize + fail-closed verify"
else
	ver_cpu=""
	echo "the fail-closed verify refused the HAR of real code (output above): real code must never make it refuse"
fi
if [[ $cli == 1 ]]; then
	if measure cli "$work/reprokit" sanitize "$har" -o "$work/out.har"; then
		row cli "reprokit sanitize (CLI, writes the file)"
	else
		cli_cpu=""
		echo "reprokit sanitize refused the HAR of real code (exit 1, output above): real code must never make it refuse"
	fi
fi
before_rows
echo "goals (issue 10): ratios within 10% of those before the code-aware sanitizer, on both HARs; < 100 MB peak RSS"
