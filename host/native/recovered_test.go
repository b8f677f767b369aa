package native

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/audit"
	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/install"
	"github.com/reprokit/reprokit/host/spool"
	"github.com/reprokit/reprokit/host/testapp"
)

// plantLeftover makes in base the spool a killed host leaves: capture's
// test protocol log, mode extension, status recording, a dead owner.
func plantLeftover(t *testing.T, base, out string) *spool.Dir {
	t.Helper()
	d, err := testapp.PlantLeftover(base, spool.ModeExtension, func(m *spool.Meta) { m.Options.Out = out })
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// port is a live native port to Serve: requests go in one at a time and
// the host's messages come out as they are sent.
type port struct {
	t      *testing.T
	in     *io.PipeWriter
	msgs   chan map[string]any
	done   chan error
	nextID int
	// early holds the host messages that arrived while request waited
	// for its reply and nobody took them; next looks there first.
	early []map[string]any
}

func openPort(t *testing.T, opts Options) *port {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	p := &port{t: t, in: inW, msgs: make(chan map[string]any, 64), done: make(chan error, 1)}
	go func() {
		p.done <- Serve(context.Background(), inR, outW, opts)
		outW.Close()
	}()
	go func() {
		defer close(p.msgs)
		for {
			b, err := ReadFrame(outR, MaxOutgoing)
			if err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(b, &m) == nil {
				p.msgs <- m
			}
		}
	}()
	t.Cleanup(func() {
		p.in.Close()
		for range p.msgs {
		}
		<-p.done
	})
	return p
}

// request sends a request and returns the host's reply to it; messages the
// host sent meanwhile are passed to other, or kept for next when other is
// nil (a "recovered" message can come before the reply to hello).
func (p *port) request(typ, data string, other func(map[string]any)) map[string]any {
	p.t.Helper()
	p.nextID++
	id := p.nextID
	if _, err := p.in.Write(frame(fmt.Sprintf(`{"id":%d,"type":%q,"data":%s}`, id, typ, data))); err != nil {
		p.t.Fatal(err)
	}
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-p.msgs:
			if !ok {
				p.t.Fatalf("the port closed before the reply to %s", typ)
			}
			if v, _ := m["id"].(float64); int(v) == id {
				return m
			}
			if other != nil {
				other(m)
			} else {
				p.early = append(p.early, m)
			}
		case <-timeout:
			p.t.Fatalf("no reply to %s", typ)
		}
	}
}

// next waits for a host message of type typ.
func (p *port) next(typ string) map[string]any {
	p.t.Helper()
	for i, m := range p.early {
		if m["type"] == typ && m["id"] == nil {
			p.early = append(p.early[:i], p.early[i+1:]...)
			return m
		}
	}
	timeout := time.After(30 * time.Second)
	for {
		select {
		case m, ok := <-p.msgs:
			if !ok {
				p.t.Fatalf("the port closed before a %s message", typ)
			}
			if m["type"] == typ && m["id"] == nil {
				return m
			}
		case <-timeout:
			p.t.Fatalf("no %s message", typ)
		}
	}
}

func TestALeftoverBundledAtHelloIsReportedApartFromThePortsRecording(t *testing.T) {
	t.Setenv(EnvReportsDir, t.TempDir())
	base, out := t.TempDir(), t.TempDir()
	auditLog := filepath.Join(t.TempDir(), "audit.jsonl")
	t.Setenv("REPROKIT_AUDIT_LOG", auditLog)
	d := plantLeftover(t, base, out)
	var mu sync.Mutex
	var opened []string
	p := openPort(t, Options{SpoolBase: base, OutDir: out, Log: log.New(io.Discard, "", 0), Managed: &install.ManagedConfig{},
		Finisher: func(string, string) error { return nil },
		Open:     func(path string) error { mu.Lock(); opened = append(opened, path); mu.Unlock(); return nil }})

	var early []map[string]any // a fast recovery may report before the hello reply
	hello := p.request("hello", fmt.Sprintf(`{"protocol":%d}`, protocolVersion()), func(m map[string]any) { early = append(early, m) })
	if hello["status"] != "ok" {
		t.Fatalf("hello: %v", hello)
	}
	var rec map[string]any
	for _, m := range early {
		if m["type"] == "recovered" {
			rec = m
		}
	}
	if rec == nil {
		rec = p.next("recovered")
	}
	data, _ := rec["data"].(map[string]any)
	path, _ := data["path"].(string)
	if data["recording"] != filepath.Base(d.Path()) || filepath.Dir(path) != out || data["size"].(float64) <= 0 ||
		data["stopReason"] != "extension disconnected" || data["started"] == "" {
		t.Fatalf("recovered message %v; want the planted recording's bundle in %s", rec, out)
	}
	if _, err := os.Stat(d.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the recovered spool is still there: %v", err)
	}
	b, err := bundle.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Manifest.Recording.Recovered {
		t.Error("the recovered bundle's bundle.json does not say recovered")
	}

	// The port's own recording is untouched: idle, nothing to open.
	st := p.request("status", `{}`, nil)
	if sd, _ := st["data"].(map[string]any); sd["phase"] != "idle" || sd["result"] != nil || sd["recording"] != nil {
		t.Errorf("status after the recovery %v; want idle with no result", st)
	}
	if r := p.request("open", `{"what":"report"}`, nil); r["code"] != float64(CodeNothingToReview) {
		t.Errorf("open without a path after a recovery: %v; want error %d (the recovered bundle is not the port's)", r, CodeNothingToReview)
	}

	// Its own open and discard.
	if r := p.request("open", fmt.Sprintf(`{"what":"report","path":%q}`, path), nil); r["status"] != "ok" {
		t.Fatalf("open the recovered report: %v", r)
	}
	reports, _ := ReportsDir()
	report := filepath.Join(reportDirOf(reports, path), strings.TrimSuffix(filepath.Base(path), ".zip")+".report.html")
	mu.Lock()
	if len(opened) != 1 || opened[0] != report {
		t.Errorf("opened %v, want %s", opened, report)
	}
	mu.Unlock()
	other := filepath.Join(t.TempDir(), "other.zip")
	if err := os.WriteFile(other, []byte("PK"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{other, "relative.zip", filepath.Join(out, "..", "x.zip")} {
		if r := p.request("discardRecovered", fmt.Sprintf(`{"path":%q}`, bad), nil); r["code"] != float64(CodeBadData) {
			t.Errorf("discardRecovered %s: %v; want error %d", bad, r, CodeBadData)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a refused discard touched %s: %v", other, err)
	}
	if r := p.request("discardRecovered", fmt.Sprintf(`{"path":%q}`, path), nil); r["status"] != "ok" {
		t.Fatalf("discard the recovered bundle: %v", r)
	}
	for _, f := range []string{path, report} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there after the discard: %v", f, err)
		}
	}
	if r := p.request("discardRecovered", fmt.Sprintf(`{"path":%q}`, path), nil); r["code"] != float64(CodeNothingToReview) {
		t.Errorf("a second discard: %v; want error %d", r, CodeNothingToReview)
	}
	recs, _, err := audit.Read(auditLog)
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, r := range recs {
		events = append(events, r.Event)
	}
	if strings.Join(events, " ") != "bundle discarded" {
		t.Errorf("audit events %v; want the recovered bundle, then its discard", events)
	}
}

// A bundle the port saved itself is not a recovered one: discardRecovered
// refuses it even in the output folder.
func TestDiscardRecoveredRefusesABundleThatWasNotRecovered(t *testing.T) {
	base, out := t.TempDir(), t.TempDir()
	t.Setenv("REPROKIT_AUDIT_LOG", filepath.Join(t.TempDir(), "audit.jsonl"))
	d := plantLeftover(t, base, out)
	if err := finalizeSpool(d); err != nil {
		t.Fatal(err)
	}
	res, err := writeBundle(context.Background(), d, out, bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.Remove()
	p := openPort(t, Options{SpoolBase: base, OutDir: out, Log: log.New(io.Discard, "", 0), Managed: &install.ManagedConfig{},
		Finisher: func(string, string) error { return nil }})
	p.request("hello", fmt.Sprintf(`{"protocol":%d}`, protocolVersion()), nil)
	if r := p.request("discardRecovered", fmt.Sprintf(`{"path":%q}`, res.Path), nil); r["code"] != float64(CodeBadData) {
		t.Errorf("discardRecovered of a saved bundle: %v; want error %d", r, CodeBadData)
	}
	if _, err := os.Stat(res.Path); err != nil {
		t.Errorf("the saved bundle was touched: %v", err)
	}
}

// A leftover whose bundle was refused before (fail closed) is not retried
// at hello, and not kept quiet either: a "recovered" message without a
// bundle says it is kept and how to finish it.
func TestALeftoverThatWaitsForTheUserIsReportedWithHowToFinishIt(t *testing.T) {
	base, out := t.TempDir(), t.TempDir()
	d := plantLeftover(t, base, out)
	if err := d.MarkBundleError(errors.New("the sanitized bundle still contains 1 detected secret(s) (jwt)")); err != nil {
		t.Fatal(err)
	}
	m, _ := d.Meta()
	p := openPort(t, Options{SpoolBase: base, OutDir: out, Log: log.New(io.Discard, "", 0), Managed: &install.ManagedConfig{},
		Finisher: func(string, string) error { return nil }})
	p.request("hello", fmt.Sprintf(`{"protocol":%d}`, protocolVersion()), nil)
	rec := p.next("recovered")
	data, _ := rec["data"].(map[string]any)
	e, _ := data["error"].(map[string]any)
	fix, _ := e["fix"].(string)
	if data["path"] != nil || data["id"] != m.ID || e["code"] != float64(CodeSaveFailed) ||
		!strings.Contains(e["message"].(string), "detected secret") || !strings.Contains(fix, "reprokit recover --discard "+m.ID) {
		t.Errorf("recovered message %v; want no bundle, the id and how to finish it", rec)
	}
	if _, err := os.Stat(d.Path()); err != nil {
		t.Errorf("the waiting spool was touched: %v", err)
	}
}
