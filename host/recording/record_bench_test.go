package recording_test

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkRecorderPeakRSS records, with the real binary, the test app's
// page of 2,000 requests with 100 KB bodies (200 MB in all) and reports the
// recorder process's own peak RSS (VmHWM; the browser is separate) while
// recording, and over the whole run with finalizing and bundling, next to
// the same figures for a one-request page measured in the same run.
// scripts/bench.d/capture.sh prints them (goal: recording under 300 MB).
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
			var rec, total int64
			for b.Loop() {
				r, t := recordPeakRSS(b, c.path)
				rec, total = max(rec, r), max(total, t)
			}
			b.ReportMetric(float64(rec)/(1<<20), "peakRSS-MB")
			b.ReportMetric(float64(total)/(1<<20), "withBundle-peakRSS-MB")
		})
	}
}

// recordPeakRSS runs `reprokit record` until the page is done and returns
// the recorder's peak resident set size in bytes while recording (read
// when it prints "stopped:") and over the whole run, finalizing and
// bundling included.
func recordPeakRSS(b *testing.B, path string) (recording, total int64) {
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
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	pid := cmd.Process.Pid
	stopped := make(chan int64, 1)
	var lines strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "stopped:") {
				stopped <- vmHWM(pid)
			}
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				b.Fatalf("record %s: %v\n%s", path, err, lines.String())
			}
			select {
			case recording = <-stopped:
			default:
			}
			return recording, total
		case recording = <-stopped:
		case <-tick.C:
			if v := vmHWM(pid); v > total {
				total = v
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
