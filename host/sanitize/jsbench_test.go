package sanitize

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+sys time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchScripts are the script bodies of the generated benchmark HAR
// (benchEntry's identifier-dense scripts), about 2 MB.
func benchScripts() []string {
	g := rand.New(rand.NewPCG(1, 2))
	var out []string
	total := 0
	for i := 0; total < 2<<20; i++ {
		if k := i % 20; k < 8 || k >= 13 {
			benchEntry(g, i)
			continue
		}
		e := benchEntry(g, i)
		s := e["response"].(map[string]any)["content"].(map[string]any)["text"].(string)
		out = append(out, s)
		total += len(s)
	}
	return out
}

// BenchmarkJavaScriptBodies sanitizes the generated HAR's scripts with
// the JavaScript pass; BenchmarkTextBodies with the text pass that read
// scripts before the code-aware sanitizer, for comparison.
func BenchmarkJavaScriptBodies(b *testing.B) {
	benchScriptBodies(b, func(r *Redactor, s string) { r.javascript(&locator{}, s, textCtx{ip: true}, false) })
}

func BenchmarkTextBodies(b *testing.B) {
	benchScriptBodies(b, func(r *Redactor, s string) { r.text(&locator{}, s, textCtx{ip: true}) })
}

// benchScriptBodies runs pass over the benchmark HAR's scripts and
// reports its CPU time per run.
func benchScriptBodies(b *testing.B, pass func(r *Redactor, s string)) {
	scripts := benchScripts()
	n := 0
	for _, s := range scripts {
		n += len(s)
	}
	b.SetBytes(int64(n))
	r := New(nil)
	b.ResetTimer()
	t0 := cpuTime()
	for i := 0; i < b.N; i++ {
		for _, s := range scripts {
			pass(r, s)
		}
	}
	b.ReportMetric(float64(cpuTime()-t0)/float64(b.N)/1e6, "cpu-ms/op")
}

// TestJumpSavingOnTheBenchmarkHAR measures, in one process, what the
// jump over plain code saves on the whole benchmark HAR: it sanitizes
// the HAR alternately with and without the jump and logs the least CPU
// time of each (on a busy machine two processes' CPU times differ by
// more than the saving; one process's alternating runs do not). It runs
// only with REPROKIT_BENCH_AB=N (rounds) and REPROKIT_BENCH_HAR.
func TestJumpSavingOnTheBenchmarkHAR(t *testing.T) {
	rounds, _ := strconv.Atoi(os.Getenv("REPROKIT_BENCH_AB"))
	path := os.Getenv("REPROKIT_BENCH_HAR")
	if rounds == 0 || path == "" {
		t.Skip("REPROKIT_BENCH_AB and REPROKIT_BENCH_HAR are not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	best := map[bool]time.Duration{}
	defer func(old bool) { jsNoJump = old }(jsNoJump)
	for i := 0; i < rounds; i++ {
		for _, jump := range []bool{true, false} {
			jsNoJump = !jump
			runtime.GC()
			t0 := cpuTime()
			if err := New(nil).HAR(io.Discard, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			d := cpuTime() - t0
			if b, ok := best[jump]; !ok || d < b {
				best[jump] = d
			}
		}
	}
	t.Logf("%d MB, least CPU of %d rounds: with the jump %v, without %v (%+.1f%%)", len(data)>>20, rounds,
		best[true].Round(time.Millisecond), best[false].Round(time.Millisecond), (float64(best[true])/float64(best[false])-1)*100)
}
