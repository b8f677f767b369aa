package sanitize

import (
	"math/rand/v2"
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
			r.javascript(&locator{}, s, textCtx{ip: true}, false)
		}
	}
	b.ReportMetric(float64(cpuTime()-t0)/float64(b.N)/1e6, "cpu-ms/op")
}

func BenchmarkTextBodies(b *testing.B) {
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
			r.text(&locator{}, s, textCtx{ip: true})
		}
	}
	b.ReportMetric(float64(cpuTime()-t0)/float64(b.N)/1e6, "cpu-ms/op")
}
