package install

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// benchBinary is the reprokit binary the benchmarks start: $REPROKIT_BENCH_BIN
// or the one TestMain built.
func benchBinary(b *testing.B) string {
	if p := os.Getenv("REPROKIT_BENCH_BIN"); p != "" {
		return p
	}
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return builtBinary
}

// BenchmarkExecVersion is the baseline of BenchmarkSelfTest: starting the
// binary and waiting for it to exit (`reprokit --version`).
func BenchmarkExecVersion(b *testing.B) {
	bin := benchBinary(b)
	for b.Loop() {
		if err := exec.Command(bin, "--version").Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSelfTest measures the doctor's self-test: starting the host as
// Chrome does, one framed ping and its reply, and the host's exit. It is
// also the cold start of the host that the extension waits for.
func BenchmarkSelfTest(b *testing.B) {
	bin := benchBinary(b)
	b.Setenv("HOME", b.TempDir())
	b.Setenv("TMPDIR", b.TempDir())
	for b.Loop() {
		if _, err := SelfTest(context.Background(), bin, Origin(DefaultExtensionID), 10*time.Second); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInstallAgain measures an install that finds everything in place
// (the second run of the install script on a workstation with every browser).
func BenchmarkInstallAgain(b *testing.B) {
	base := b.TempDir()
	e := &Env{GOOS: "linux", Home: filepath.Join(base, "home"), Root: filepath.Join(base, "root"), Getenv: func(string) string { return "" }, LookPath: noPath}
	for _, r := range linuxTable {
		os.MkdirAll(filepath.Join(e.Home, ".config", r.config), 0o755)
	}
	bin := filepath.Join(base, "reprokit")
	os.WriteFile(bin, []byte("x"), 0o755)
	opts := Options{Binary: bin, ExtensionIDs: []string{DefaultExtensionID}}
	if _, err := Install(e, opts); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := Install(e, opts)
		if err != nil || res.Changed() {
			b.Fatal(err, res)
		}
	}
}
