package native

import (
	"archive/zip"
	"encoding/json"
	"io"
	"log"
	"os"
	"path/filepath"
	"testing"

	"github.com/reprokit/reprokit/host/install"
)

func TestOpenReportCopiesReportHTMLNextToTheBundleAndShowFileOpensItsFolder(t *testing.T) {
	dir := t.TempDir()
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
	report := filepath.Join(dir, "reprokit-20261126-120000.report.html")
	if len(opened) != 2 || opened[0] != report || opened[1] != dir {
		t.Fatalf("opened %v, want %s then %s", opened, report, dir)
	}
	if b, err := os.ReadFile(report); err != nil || string(b) != "<!doctype html><title>report</title>" {
		t.Fatalf("report copy: %q, %v", b, err)
	}
	if _, err := handlers["open"].run(h, Request{ID: 2, Type: "open", Data: json.RawMessage(`{"what":"desktop"}`)}); err == nil {
		t.Error("open accepted an unknown target")
	}
}
