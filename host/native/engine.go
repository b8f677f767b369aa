package native

import (
	"context"
	"errors"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bridge"
	"github.com/reprokit/reprokit/host/capture"
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

func finalizeSpool(dir *spool.Dir) error {
	return dir.SetStatus(spool.StatusFinalized, "")
}

func previewSpool(ctx context.Context, dir *spool.Dir, outDir string) (*Review, error) {
	return &Review{}, nil
}

func writeBundle(ctx context.Context, dir *spool.Dir, outDir string, req SaveRequest) (string, int64, error) {
	return "", 0, errors.New("the bundle writer is not available yet")
}
