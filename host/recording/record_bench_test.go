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
				r, t, _ := recordPeakRSS(b, c.path)
				rec, total = max(rec, r), max(total, t)
			}
			b.ReportMetric(float64(rec)/(1<<20), "peakRSS-MB")
			b.ReportMetric(float64(total)/(1<<20), "withBundle-peakRSS-MB")
		})
	}
}

// BenchmarkStopToBundle500 records, with the real binary, the test app's
// page of 500 requests with 16 KB bodies (8 MB) and reports the time from
// the recorder's "stopped:" line (the recording is stopped and flushed) to
// the process's exit with the bundle written (closing the browser,
// Finalize, bundle.Write with the default budget): the Stop -> bundle goal
// (< 3 s), next to the same for a one-request page measured in the same
// run. scripts/bench.d/capture.sh prints them; bundle.sh has the
// bundle.Write part alone.
func BenchmarkStopToBundle500(b *testing.B) {
	if noBrowser != nil {
		b.Skip(noBrowser)
	}
	for _, c := range []struct {
		name string
		path string
	}{
		{"baseline-1req", "/bench/page?n=1&kb=1"},
		{"500req-8MB", "/bench/page?n=500&kb=16"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var sum time.Duration
			for b.Loop() {
				_, _, d := recordPeakRSS(b, c.path, "--budget", "25MB")
				sum += d
			}
			b.ReportMetric(float64(sum.Milliseconds())/float64(b.N), "stop-to-bundle-ms")
		})
	}
}

// recordPeakRSS runs `reprokit record` until the page is done (with no
// size budget unless args say otherwise) and returns the recorder's peak
// resident set size in bytes while recording (read when it prints
// "stopped:") and over the whole run, finalizing and bundling included,
// and the time from "stopped:" to its exit.
func recordPeakRSS(b *testing.B, path string, args ...string) (recording, total int64, stopToExit time.Duration) {
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
	if len(args) == 0 {
		args = []string{"--budget", "0"}
	}
	cmd := execRecord(tmp, out, append(append([]string{"--until-selector", "body[data-done]"}, args...), app.URL+path)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	pid := cmd.Process.Pid
	type stop struct {
		rss int64
		at  time.Time
	}
	stopped := make(chan stop, 1)
	var stoppedAt time.Time
	var lines strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "stopped:") {
				stopped <- stop{vmHWM(pid), time.Now()}
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
			exited := time.Now()
			if err != nil {
				b.Fatalf("record %s: %v\n%s", path, err, lines.String())
			}
			select {
			case s := <-stopped:
				recording, stoppedAt = s.rss, s.at
			default:
			}
			if !stoppedAt.IsZero() {
				stopToExit = exited.Sub(stoppedAt)
			}
			return recording, total, stopToExit
		case s := <-stopped:
			recording, stoppedAt = s.rss, s.at
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
