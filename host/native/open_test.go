package native

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/install"
)

// Open report extracts report.html into the user's private reports folder
// (0700, the file 0600, as the bundle), not next to the bundle; it goes
// when its bundle goes (issue 11 item 6).
func TestOpenReportExtractsItIntoThePrivateFolderAndShowFileOpensTheBundlesFolder(t *testing.T) {
	dir := t.TempDir()
	reports := filepath.Join(t.TempDir(), "cache", "reprokit", "reports")
	t.Setenv(EnvReportsDir, reports)
	path := filepath.Join(dir, "reprokit-20261126-120000.zip")
	f, _ := os.Create(path)
	zw := zip.NewWriter(f)
	w, _ := zw.Create("report.html")
	w.Write([]byte("<!doctype html><title>report</title>"))
	zw.Close()
	f.Close()

	var opened []string
	h := newHost(io.Discard, Options{Log: log.New(io.Discard, "", 0), Managed: &install.ManagedConfig{},
		Open: func(p string) error { opened = append(opened, p); return nil }})
	h.helloV = 1
	h.last = &State{Phase: PhaseDone, Result: &Result{Path: path, Size: 10}}
	for _, what := range []string{"report", "folder"} {
		data, _ := json.Marshal(map[string]string{"what": what})
		if _, err := handlers["open"].run(h, Request{ID: 1, Type: "open", Data: data}); err != nil {
			t.Fatalf("open %s: %v", what, err)
		}
	}
	if len(opened) != 2 || filepath.Dir(filepath.Dir(opened[0])) != reports || filepath.Base(opened[0]) != "reprokit-20261126-120000.report.html" || opened[1] != dir {
		t.Fatalf("opened %v, want a report under %s then %s", opened, reports, dir)
	}
	report := opened[0]
	if b, err := os.ReadFile(report); err != nil || string(b) != "<!doctype html><title>report</title>" {
		t.Fatalf("report copy: %q, %v", b, err)
	}
	for p, want := range map[string]os.FileMode{report: 0o600, filepath.Dir(report): 0o700, reports: 0o700} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", p, st.Mode().Perm(), err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "reprokit-20261126-120000.report.html")); err == nil {
		t.Error("the report was copied next to the bundle")
	}
	if _, err := handlers["open"].run(h, Request{ID: 2, Type: "open", Data: json.RawMessage(`{"what":"desktop"}`)}); err == nil {
		t.Error("open accepted an unknown target")
	}
	// The bundle goes (retention, or by hand): its report goes at the
	// next sweep.
	os.Remove(path)
	h.mp.applyRetention(dir, h.log)
	if _, err := os.Stat(report); !os.IsNotExist(err) {
		t.Errorf("the report of a removed bundle is still there: %v", err)
	}
}

// An opener that fails (xdg-open exits 4) is an error that names the file
// to open by hand.
func TestAFailingOpenerIsReportedWithThePath(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the opener is explorer")
	}
	bin := t.TempDir()
	fake := filepath.Join(bin, "xdg-open")
	if runtime.GOOS == "darwin" {
		fake = filepath.Join(bin, "open")
	}
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nexit 4\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	t.Setenv(EnvReportsDir, t.TempDir())
	dir := t.TempDir()
	path := filepath.Join(dir, "b.zip")
	os.WriteFile(path, []byte("PK"), 0o600)
	h := newHost(io.Discard, Options{Log: log.New(io.Discard, "", 0), Managed: &install.ManagedConfig{}})
	h.helloV = 1
	h.last = &State{Phase: PhaseDone, Result: &Result{Path: path, Size: 2}}
	_, err := handlers["open"].run(h, Request{ID: 1, Type: "open", Data: json.RawMessage(`{"what":"folder"}`)})
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeOpenFailed || e.Params["path"] != dir || !strings.Contains(fmt.Sprint(e.Params["fix"]), dir) {
		t.Fatalf("open with a failing opener: %v (%+v); want error %d naming %s", err, e, CodeOpenFailed, dir)
	}
}
