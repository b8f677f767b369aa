package install

import (
	"archive/zip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/audit"
)

func writeZip(t *testing.T, p string, names ...string) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, n := range names {
		w, _ := zw.Create(n)
		w.Write([]byte("{}"))
	}
	zw.Close()
	f.Close()
}

func TestRetentionDeletesOnlyOldBundles(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	t.Setenv("REPROKIT_AUDIT_LOG", logPath)
	now := time.Now()
	old := now.Add(-40 * 24 * time.Hour)
	files := map[string][]string{
		"old-bundle.zip": {"bundle.json", "session.har"},
		"new-bundle.zip": {"bundle.json"},
		"old-other.zip":  {"photos.jpg"},
		"old-notes.txt":  nil,
	}
	for name, entries := range files {
		p := filepath.Join(dir, name)
		if entries == nil {
			os.WriteFile(p, []byte("x"), 0o644)
		} else {
			writeZip(t, p, entries...)
		}
		if name != "new-bundle.zip" {
			os.Chtimes(p, old, old)
		}
	}
	removed, err := ApplyRetention(dir, 30, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || filepath.Base(removed[0]) != "old-bundle.zip" {
		t.Errorf("removed %v", removed)
	}
	for _, keep := range []string{"new-bundle.zip", "old-other.zip", "old-notes.txt"} {
		if _, err := os.Stat(filepath.Join(dir, keep)); err != nil {
			t.Errorf("%s was deleted", keep)
		}
	}
	recs, _, err := audit.Read(logPath)
	if err != nil || len(recs) != 1 || recs[0].Event != "retention" || recs[0].File != "old-bundle.zip" {
		t.Errorf("audit %+v %v", recs, err)
	}
	if r, _ := ApplyRetention(dir, 0, now); r != nil {
		t.Errorf("retention 0 removed %v", r)
	}
}
