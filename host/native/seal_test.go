package native

import (
	"encoding/json"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/install"
	"github.com/reprokit/reprokit/host/seal"
)

// A fleet that seals: the state says who for (fingerprints, never the
// key), and Open report of a sealed bundle shows the report kept at save
// time, since only the support team's key opens the bundle.
func TestASealedBundlesReportIsKeptAndTheStateSaysWhoItIsSealedFor(t *testing.T) {
	_, pub, err := seal.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	on := true
	cfg := &install.ManagedConfig{SealTo: &install.SealTo{Label: "Acme Support", Recipients: []string{pub}}, RequireSeal: &on}
	var opened []string
	h := newHost(io.Discard, Options{Log: log.New(io.Discard, "", 0), Managed: cfg,
		Open: func(p string) error { opened = append(opened, p); return nil }})
	info := h.mp.sealInfo()
	if info == nil || info.Label != "Acme Support" || !info.Required || len(info.Recipients) != 1 ||
		strings.Contains(info.Recipients[0], pub[10:]) || !strings.HasPrefix(info.Recipients[0], "age1") {
		t.Fatalf("seal info %+v", info)
	}
	if data, _ := json.Marshal(State{Seal: info}); strings.Contains(string(data), pub) {
		t.Fatal("the state carries the whole public key")
	}

	t.Setenv(EnvReportsDir, filepath.Join(t.TempDir(), "reports"))
	dir := t.TempDir()
	bundlePath := filepath.Join(dir, "reprokit-20261207-120000.zip.age")
	rs, _ := seal.Recipients([]string{pub}, nil)
	f, _ := os.Create(bundlePath)
	w, _ := seal.Encrypt(f, rs)
	w.Write([]byte("PK sealed zip"))
	w.Close()
	f.Close()

	h.helloV = 1
	h.last = &State{Phase: PhaseDone, Result: &Result{Path: bundlePath, Size: 10}}
	open := func() error {
		_, err := handlers["open"].run(h, Request{ID: 1, Type: "open", Data: json.RawMessage(`{"what":"report"}`)})
		return err
	}
	if err := open(); err == nil {
		t.Fatal("Open report of a sealed bundle whose report was not kept succeeded")
	}
	kept, err := keepSealedReport(bundlePath, []byte("<!doctype html><title>sent</title>"))
	if err != nil {
		t.Fatal(err)
	}
	if err := open(); err != nil || len(opened) != 1 || opened[0] != kept || filepath.Base(kept) != "reprokit-20261207-120000.report.html" {
		t.Fatalf("open: %v, opened %v, kept %s", err, opened, kept)
	}
	if st, err := os.Stat(kept); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("kept report: %v %v", st, err)
	}
}
