package native

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

var (
	hostOnce sync.Once
	hostBin  string
	hostErr  error
)

// hostBinary builds cmd/reprokit once, or takes REPROKIT_BENCH_HOST.
func hostBinary(b *testing.B) string {
	hostOnce.Do(func() {
		if p := os.Getenv("REPROKIT_BENCH_HOST"); p != "" {
			hostBin = p
			return
		}
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		dir, err := os.MkdirTemp("", "reprokit-bench-")
		if err != nil {
			hostErr = err
			return
		}
		hostBin = filepath.Join(dir, "reprokit")
		cmd := exec.Command("go", "build", "-o", hostBin, "./cmd/reprokit")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			hostErr = err
			b.Logf("%s", out)
		}
	})
	if hostErr != nil {
		b.Fatalf("build the host: %v", hostErr)
	}
	return hostBin
}

// BenchmarkHostColdStartPing starts the host as Chrome does (origin
// argument, stdin/stdout pipes) and times the answer to a ping from the
// start of the process (goal: under 50 ms). ping-ms is the figure.
func BenchmarkHostColdStartPing(b *testing.B) {
	bin := hostBinary(b)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, "chrome-extension://"+ExtensionID+"/")
		cmd.Env = append(os.Environ(), "TMPDIR="+b.TempDir())
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		msg := []byte(`{"id":1,"type":"ping"}`)
		var hdr [4]byte
		binary.NativeEndian.PutUint32(hdr[:], uint32(len(msg)))
		stdin.Write(append(hdr[:], msg...))
		reply, err := ReadFrame(stdout, MaxOutgoing)
		took := time.Since(start)
		if err != nil || !bytes.Contains(reply, []byte(`"status":"ok"`)) {
			b.Fatalf("ping: %q, %v", reply, err)
		}
		total += took
		stdin.Close()
		io.Copy(io.Discard, stdout)
		cmd.Wait()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ping-ms")
}

// BenchmarkHostColdStartBaseline times `reprokit --version` the same way:
// the cost of starting the binary at all, the baseline of the ping figure.
func BenchmarkHostColdStartBaseline(b *testing.B) {
	bin := hostBinary(b)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, "--version")
		stdout, _ := cmd.StdoutPipe()
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		line := make([]byte, 64)
		if _, err := stdout.Read(line); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		io.Copy(io.Discard, stdout)
		cmd.Wait()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ping-ms")
}
