package audit

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestAppendWritesOneLinePerBundleWithoutContent(t *testing.T) {
	p := filepath.Join(t.TempDir(), "logs", "audit.jsonl")
	t.Setenv("REPROKIT_AUDIT_LOG", p)
	if err := Append(Record{Event: "bundle", BundleID: "b-1", File: "bundle.zip", Size: 1234, SHA256: "ab12", Redactions: map[string]int{"cookie": 3}}); err != nil {
		t.Fatal(err)
	}
	if err := Append(Record{Event: "refused", BundleID: "b-2"}); err != nil {
		t.Fatal(err)
	}
	recs, damaged, err := Read(p)
	if err != nil || damaged != 0 || len(recs) != 2 {
		t.Fatalf("read: %v %d %d", err, damaged, len(recs))
	}
	r := recs[0]
	if r.User == "" || r.Time.IsZero() || r.Redactions["cookie"] != 3 || r.Size != 1234 {
		t.Errorf("record %+v", r)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestConcurrentAppendsNeverInterleave(t *testing.T) {
	p := filepath.Join(t.TempDir(), "audit.jsonl")
	t.Setenv("REPROKIT_AUDIT_LOG", p)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			Append(Record{Event: "bundle", BundleID: strings.Repeat("x", 500)})
		}()
	}
	wg.Wait()
	recs, damaged, err := Read(p)
	if err != nil || damaged != 0 || len(recs) != 50 {
		t.Fatalf("got %d records, %d damaged, %v", len(recs), damaged, err)
	}
}

func TestPathOrder(t *testing.T) {
	t.Setenv("REPROKIT_AUDIT_LOG", "")
	t.Setenv("XDG_STATE_HOME", "/state")
	SetPath("")
	if got := Path(); got != DefaultPath() {
		t.Errorf("default %s", got)
	}
	SetPath("/managed/audit.jsonl")
	defer SetPath("")
	if got := Path(); got != "/managed/audit.jsonl" {
		t.Errorf("managed %s", got)
	}
	t.Setenv("REPROKIT_AUDIT_LOG", "/env/audit.jsonl")
	if got := Path(); got != "/env/audit.jsonl" {
		t.Errorf("env %s", got)
	}
}

func TestAppendRefusesARecordWithoutEvent(t *testing.T) {
	t.Setenv("REPROKIT_AUDIT_LOG", filepath.Join(t.TempDir(), "a.jsonl"))
	if err := Append(Record{}); err == nil {
		t.Error("no error")
	}
}
