package native

import (
	"context"
	"errors"
	"os"
	"strings"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bridge"
	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/capture"
	"github.com/reprokit/reprokit/host/sanitize"
	"github.com/reprokit/reprokit/host/spool"
)

// engine is the capture of one recording as the session drives it: the
// capture.Recorder of launch mode, over the bridge.
type engine interface {
	Screenshot(reason string) error
	Note(text string) error
	Pause()
	Resume()
	Stats() Stats
	Done() <-chan struct{}
	Err() error
	Stop(ctx context.Context, reason string) error
}

// recorderEngine runs capture.Recorder on a capture.Conn that taps the
// bridge. A chromedp browser on the same Conn reads it: it is the loop that
// pumps every message through the tap, exactly as in launch mode.
type recorderEngine struct {
	ctx    context.Context
	rec    *capture.Recorder
	conn   *capture.Conn
	cancel context.CancelFunc
}

func startEngine(ctx context.Context, s *session) (engine, error) {
	conn, err := capture.NewConn(s.br, s.dir, capture.ConnOptions{})
	if err != nil {
		return nil, err
	}
	bctx, cancel := context.WithCancel(ctx)
	if _, err := chromedp.NewBrowserTransport(bctx, conn,
		chromedp.WithBrowserLogf(s.h.log.Printf), chromedp.WithBrowserErrorf(s.h.log.Printf)); err != nil {
		cancel()
		conn.Close()
		return nil, err
	}
	rec, err := capture.Start(ctx, conn, target.SessionID(bridge.SessionID(s.tab.TabID)), s.dir, capture.Options{
		Mode:      string(spool.ModeExtension),
		TabTarget: target.ID(s.tab.TargetID),
		Logf:      s.h.log.Printf,
		Policy:    s.h.mp.policy, // the managed policy's detectors mask screenshots too
		NoDOM:     s.h.mp.noDOM,
		DOM:       s.h.mp.dom,
	})
	if err != nil {
		cancel()
		conn.Close()
		return nil, err
	}
	return &recorderEngine{ctx: ctx, rec: rec, conn: conn, cancel: cancel}, nil
}

func (e *recorderEngine) Screenshot(reason string) error { return e.rec.Screenshot(e.ctx, reason) }
func (e *recorderEngine) Note(text string) error         { return e.rec.Note(text) }
func (e *recorderEngine) Pause()                         { e.rec.Pause() }
func (e *recorderEngine) Resume()                        { e.rec.Resume() }
func (e *recorderEngine) Done() <-chan struct{}          { return e.rec.Done() }
func (e *recorderEngine) Err() error                     { return e.rec.Err() }

func (e *recorderEngine) Stats() Stats {
	st := e.rec.Stats()
	return Stats{Requests: st.Requests, Failed: st.Failed, Bytes: st.Bytes, Screenshots: st.Screenshots}
}

func (e *recorderEngine) Stop(ctx context.Context, reason string) error {
	err := e.rec.StopBecause(ctx, reason)
	e.cancel()
	e.conn.Close()
	return err
}

// finalizeSpool turns the protocol log into session.har, console.json,
// steps.json and environment.json (capture.Finalize) and marks the spool
// finalized.
func finalizeSpool(dir *spool.Dir) error {
	if err := capture.Finalize(dir); err != nil {
		return err
	}
	return dir.SetStatus(spool.StatusFinalized, "")
}

// previewSpool sanitizes and analyzes the finalized spool as the bundle
// writer would, for the review.
func previewSpool(ctx context.Context, dir *spool.Dir, opts bundle.Options) (*bundle.Review, error) {
	return bundle.Preview(ctx, dir, opts)
}

// writeBundle writes the sanitized bundle into outDir. A secret the
// sanitizer could not remove refuses the save (fail closed) with
// CodeSecretsFound and the kinds the reporter may allow.
func writeBundle(ctx context.Context, dir *spool.Dir, outDir string, opts bundle.Options) (*bundle.Result, error) {
	if err := os.MkdirAll(outDir, 0o700); err != nil {
		return nil, Errorf(CodeSaveFailed, "Set REPROKIT_OUT_DIR to a folder you can write to.", "create the output folder %s: %v", outDir, err)
	}
	res, err := bundle.Write(ctx, dir, outDir+string(os.PathSeparator), opts)
	var leak *bundle.LeakError
	var sleak *sanitize.LeakError
	var findings []sanitize.Finding
	switch {
	case errors.As(err, &leak):
		findings = leak.Findings
	case errors.As(err, &sleak):
		findings = sleak.Findings
	}
	if findings != nil {
		kinds := map[string]bool{}
		var list []string
		for _, f := range findings {
			if !kinds[f.Kind] {
				kinds[f.Kind] = true
				list = append(list, f.Kind)
			}
		}
		e := Errorf(CodeSecretsFound, "Exclude the domain that holds it, or allow these kinds if they are safe to share.",
			"the sanitized bundle still contains %d detected secret(s) (%s), so it was not saved", len(findings), strings.Join(list, ", "))
		e.Params["kinds"] = list
		return nil, e
	}
	return res, err
}
