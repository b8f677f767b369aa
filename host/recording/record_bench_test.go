package recording_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkRecorderPeakRSS records, with the real binary, the test app's
// page of 2,000 requests with 100 KB bodies (200 MB in all) and reports the
// recorder process's own peak RSS (VmHWM; the browser is separate), next to
// the same figure for a one-request page measured in the same run.
// scripts/bench.d/capture.sh prints both (goal: under 300 MB).
func BenchmarkRecorderPeakRSS(b *testing.B) {
	if noBrowser != nil {
		b.Skip(noBrowser)
	}
	for _, c := range []struct {
		name string
		path string
	}{
		{"baseline-1req", "/bench/page?n=1&kb=1"},
		{"2000req-200MB", "/bench/page?n=2000&kb=100"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var peak int64
			for b.Loop() {
				if p := recordPeakRSS(b, c.path); p > peak {
					peak = p
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peakRSS-MB")
		})
	}
}

// recordPeakRSS runs `reprokit record` until the page is done and returns
// the recorder's peak resident set size in bytes.
func recordPeakRSS(b *testing.B, path string) int64 {
	tmp, err := os.MkdirTemp("", "rk")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	out, err := os.MkdirTemp("", "rkout")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(out)
	cmd := execRecord(tmp, out, "--until-selector", "body[data-done]", "--budget", "0", app.URL+path)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var peak int64
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				b.Fatalf("record %s: %v", path, err)
			}
			return peak
		case <-tick.C:
			if v := vmHWM(cmd.Process.Pid); v > peak {
				peak = v
			}
		}
	}
}

// vmHWM reads the peak RSS of a process from /proc (Linux).
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
