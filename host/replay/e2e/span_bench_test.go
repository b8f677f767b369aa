package e2e

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/replay"
)

// BenchmarkReplaySpan measures issue 12's goal: a replay never takes longer
// than its recording plus 5 s. For the test app's kernel scenario (recorded
// in this run, replayed without steps) and the QA demo bundle (replayed
// with its steps), it reports the recording's timeline (first to last
// event) and the replay's (first page to end), in seconds.
func BenchmarkReplaySpan(b *testing.B) {
	if _, err := replay.FindBrowser(""); err != nil {
		b.Skip(err)
	}
	kernel, _, _ := recordKernel(b, discard{})
	for _, c := range []struct {
		name, path string
		steps      bool
	}{{"kernel", kernel, false}, {"demo", filepath.Join("testdata", "qa-demo.zip"), true}} {
		src, err := replay.Load(c.path)
		if err != nil {
			b.Fatal(err)
		}
		var rec, rep float64
		for range b.N {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			r, err := replay.Run(ctx, src, replay.Options{Steps: c.steps, Timeout: 2 * time.Minute})
			cancel()
			if err != nil {
				b.Fatal(err)
			}
			rec, rep = r.RecordingSpan, rep+r.ReplaySpan
		}
		b.ReportMetric(rec, c.name+"-recording-s")
		b.ReportMetric(rep/float64(b.N), c.name+"-replay-s")
	}
}
