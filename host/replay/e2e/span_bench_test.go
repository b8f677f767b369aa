package e2e

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/replay"
)

// BenchmarkReplaySpan measures issue 12's goal: a replay never takes longer
// than its recording plus 5 s. Each scenario is recorded in this run
// (except QA's demo bundle, a fixture) and replayed: the test app's kernel
// page (a websocket conversation and a second tab, a poll open at stop),
// its scenario and websocket pages, its steps page with the recorded steps,
// and the QA demo bundle with its steps (SSO, a streamed chat reply, a
// 21 MB upload). For each it reports the recording's timeline (first to
// last event), the replay's (first page to end), the whole Run (browser
// start and report included) and the CPU time of the replay: this process
// and the browser it started and waited for.
func BenchmarkReplaySpan(b *testing.B) {
	if _, err := replay.FindBrowser(""); err != nil {
		b.Skip(err)
	}
	kernel, _, _ := recordKernel(b, discard{})
	scenario, _, _ := recordApp(b)
	steps := recordSteps(b, discard{})
	for _, c := range []struct {
		name, path string
		steps      bool
	}{
		{"kernel", kernel, false},
		{"scenario", scenario, false},
		{"steps", steps, true},
		{"demo", filepath.Join("testdata", "qa-demo.zip"), true},
	} {
		src, err := replay.Load(c.path)
		if err != nil {
			b.Fatal(err)
		}
		var rec, rep, run, cpu float64
		for range b.N {
			before := cpuSeconds()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			began := time.Now()
			r, err := replay.Run(ctx, src, replay.Options{Steps: c.steps, Timeout: 2 * time.Minute})
			run += time.Since(began).Seconds()
			cancel()
			if err != nil {
				b.Fatal(err)
			}
			cpu += cpuSeconds() - before
			rec, rep = r.RecordingSpan, rep+r.ReplaySpan
			if r.Verdict != replay.Faithful {
				b.Logf("%s: verdict %s: %q", c.name, r.Verdict, r.Reasons)
			}
		}
		n := float64(b.N)
		b.ReportMetric(rec, c.name+"-recording-s")
		b.ReportMetric(rep/n, c.name+"-replay-s")
		b.ReportMetric(run/n, c.name+"-run-s")
		b.ReportMetric(cpu/n, c.name+"-cpu-s")
	}
}

// cpuSeconds is the user and system CPU time of this process and of the
// children it waited for (the replay's browser, once closed).
func cpuSeconds() float64 {
	var t float64
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var u syscall.Rusage
		if syscall.Getrusage(who, &u) == nil {
			t += time.Duration(u.Utime.Nano() + u.Stime.Nano()).Seconds()
		}
	}
	return t
}
