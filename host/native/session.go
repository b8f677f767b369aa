package native

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reprokit/reprokit/host/bridge"
	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/capture"
	"github.com/reprokit/reprokit/host/spool"
	"github.com/reprokit/reprokit/host/version"
)

// session is one recording of a port: the spool, the bridge to the tab, the
// capture engine, and the phase the popup shows.
type session struct {
	h      *Host
	dir    *spool.Dir
	br     *bridge.Transport
	tab    bridge.Tab
	limits Limits
	fields map[string]string

	ctx    context.Context // ends when the port closes
	cancel context.CancelFunc

	// pushMu orders the state messages of the session: a snapshot is
	// taken and sent under it, so a stale one (a live counter taken before
	// Stop) never follows a newer phase.
	pushMu   sync.Mutex
	mu       sync.Mutex
	state    State
	eng      engine
	started  time.Time
	paused   time.Duration // total paused time
	pausedAt time.Time
	stopOnce sync.Once
	work     sync.WaitGroup // background work that touches the spool
	// previewGen numbers the review's previews; a save bumps it too, so
	// that an older preview's result is dropped.
	previewGen atomic.Int64
	previewMu  sync.Mutex // one preview at a time
}

// setPhase moves the session to p and tells the extension.
func (s *session) setPhase(p Phase, edit func(st *State)) {
	s.pushMu.Lock()
	defer s.pushMu.Unlock()
	s.h.pushState(s.applyPhase(p, edit))
}

// applyPhase moves the session to p, applies edit and returns the new
// state; the caller holds pushMu and sends it.
func (s *session) applyPhase(p Phase, edit func(st *State)) State {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.Phase = p
	if edit != nil {
		edit(&s.state)
	}
	return s.snapshotLocked()
}

// pushLive sends the live counters while the recording runs, and nothing
// once it stopped: a screenshot finishing after Stop must not send the
// finished state again after the user pressed New recording.
func (s *session) pushLive() {
	s.pushMu.Lock()
	defer s.pushMu.Unlock()
	st := s.snapshot()
	if st.Phase != PhaseRecording && st.Phase != PhasePaused {
		return
	}
	s.h.pushState(st)
}

// snapshot returns the current state with the live counters.
func (s *session) snapshot() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

func (s *session) snapshotLocked() State {
	st := s.state
	if !s.started.IsZero() && (st.Phase == PhaseRecording || st.Phase == PhasePaused) {
		el := time.Since(s.started) - s.paused
		if !s.pausedAt.IsZero() {
			el -= time.Since(s.pausedAt)
		}
		st.ElapsedMs = el.Milliseconds()
		s.state.ElapsedMs = st.ElapsedMs
		if s.eng != nil {
			st.Stats = s.eng.Stats()
			s.state.Stats = st.Stats
		}
	}
	return st
}

// pushState sends a state message; it is also kept for a reopened popup.
func (h *Host) pushState(st State) {
	if h.debug {
		h.log.Printf("state %s", st.Phase)
	}
	h.out.Send(Message{Type: "state", Data: st.withError()})
}

// current returns the state of the port's recording, or idle.
func (h *Host) current() State {
	h.mu.Lock()
	rec, last := h.rec, h.last
	h.mu.Unlock()
	if rec != nil {
		return rec.snapshot()
	}
	if last != nil {
		return *last
	}
	return State{Phase: PhaseIdle, AutoSave: h.auto}
}

// startRequest is the data of "start".
type startRequest struct {
	Tab     bridge.Tab        `json:"tab"`
	Browser bridge.Version    `json:"browser"`
	Fields  map[string]string `json:"fields"`
	Limits  Limits            `json:"limits"`
}

// begin creates the spool and the bridge and starts the capture engine in
// the background; the state messages say when it records.
func (h *Host) begin(req startRequest) (*session, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rec != nil {
		return nil, Errorf(CodeBusy, "Stop or save the current recording first.", "a recording is already %s", h.rec.snapshot().Phase)
	}
	dir, err := spool.Create(h.opts.SpoolBase)
	if err != nil {
		return nil, Errorf(CodeAttachFailed, "Free some disk space or set TMPDIR to a writable folder.", "%v", err)
	}
	out := h.outDir
	err = dir.Update(func(m *spool.Meta) error {
		m.Mode = spool.ModeExtension
		m.StartURL = req.Tab.URL
		m.ToolVersion = version.Version
		m.Reporter = req.Fields
		m.Options.Out = out
		// every finisher of this spool (the detached one, a host
		// recovering it at hello, reprokit recover) seals alike
		m.Options.SealTo, m.Options.SealLabel, m.Options.RequireSeal = h.mp.sealTo, h.mp.sealLabel, h.mp.requireSeal
		return nil
	})
	if err != nil {
		dir.Remove()
		return nil, Errorf(CodeAttachFailed, "", "%v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &session{h: h, dir: dir, tab: req.Tab, limits: req.Limits, fields: req.Fields, ctx: ctx, cancel: cancel}
	s.state = State{Phase: PhaseStarting, Recording: filepath.Base(dir.Path()), TabID: req.Tab.TabID, URL: req.Tab.URL, Limits: req.Limits, AutoSave: h.auto, Seal: h.mp.sealInfo()}
	s.br = bridge.New(req.Tab, req.Browser, func(c bridge.Command) error {
		return h.out.Send(Message{Type: "cdp.send", Data: c})
	})
	if h.debug {
		s.br.Debugf = h.log.Printf
	}
	h.rec = s
	h.last = nil
	s.work.Add(1)
	go s.run()
	return s, nil
}

// run starts the engine, then watches the limits and the tab until the
// recording stops.
func (s *session) run() {
	defer s.work.Done()
	eng, err := startEngine(s.ctx, s)
	if err != nil {
		s.h.log.Printf("start recording tab %d: %v", s.tab.TabID, err)
		s.br.Close()
		s.dir.Remove()
		s.fail(Errorf(CodeAttachFailed, "Reload the tab and press Record again.", "could not start recording the tab: %v", err))
		return
	}
	now := time.Now()
	s.mu.Lock()
	s.eng = eng
	s.started = now
	s.state.Started = now.Format(time.RFC3339)
	s.mu.Unlock()
	s.setPhase(PhaseRecording, nil)

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.br.Detached():
			if code, text := detachStop(s.br.Reason()); code != "" {
				s.stop(code, text)
			}
			return // port closed: portClosed finishes the spool
		case <-eng.Done():
			// chrome.debugger sends the tab's Inspector.detached before its
			// onDetach, so the capture may notice first: give the bridge a
			// moment to learn why.
			select {
			case <-s.br.Detached():
			case <-time.After(time.Second):
			}
			if s.br.Reason() == bridge.ReasonPortClosed {
				return // portClosed hands the spool on
			}
			s.stop(endedStop(s.br.Reason(), eng.Err()))
			return
		case <-tick.C:
			st := s.snapshot()
			if st.Phase != PhaseRecording && st.Phase != PhasePaused {
				return
			}
			if s.limits.MaxSeconds > 0 && st.ElapsedMs >= int64(s.limits.MaxSeconds)*1000 {
				s.stop(StopMaxDuration, stopText(StopMaxDuration))
				return
			}
			if s.limits.MaxBytes > 0 && st.Stats.Bytes >= s.limits.MaxBytes {
				s.stop(StopMaxSize, stopText(StopMaxSize))
				return
			}
			s.pushLive()
		}
	}
}

// detachStop is the stop code and reason of a detach of the recorded tab,
// or "" when the port closed (portClosed then hands the spool on).
func detachStop(r bridge.DetachReason) (StopCode, string) {
	switch r {
	case bridge.ReasonTargetClosed:
		return StopTabClosed, stopText(StopTabClosed)
	case bridge.ReasonCanceledByUser:
		return StopCancelled, stopText(StopCancelled)
	case "", bridge.ReasonPortClosed:
		return "", ""
	}
	return StopDetached, "debugger detached: " + string(r)
}

// endedStop is the stop code and reason of a capture that ended by itself:
// the bridge's detach reason when it knows one, else the capture's error.
// The code never depends on an error's wording.
func endedStop(r bridge.DetachReason, err error) (StopCode, string) {
	if code, text := detachStop(r); code != "" {
		return code, text
	}
	switch {
	case errors.Is(err, capture.ErrTabClosed):
		return StopTabClosed, stopText(StopTabClosed)
	case errors.Is(err, capture.ErrTabCrashed):
		return StopCrashed, stopText(StopCrashed)
	}
	return StopEnded, "the recording ended: " + errText(err)
}

func errText(err error) string {
	if err == nil {
		return "the tab went away"
	}
	return err.Error()
}

// stop ends the capture, finalizes the spool, and saves at once (auto-save)
// or prepares the review. It runs once; later calls return at once.
func (s *session) stop(code StopCode, reason string) {
	s.stopOnce.Do(func() {
		s.setPhase(PhaseStopping, func(st *State) { st.StopReason = reason; st.StopCode = code })
		s.work.Add(1)
		go func() {
			defer s.work.Done()
			s.finishStop(reason)
		}()
	})
}

func (s *session) finishStop(reason string) {
	s.mu.Lock()
	eng := s.eng
	s.mu.Unlock()
	if eng != nil {
		ctx, cancel := context.WithTimeout(s.ctx, 15*time.Second)
		if err := eng.Stop(ctx, reason); err != nil {
			s.h.log.Printf("stop capture: %v (keeping what was recorded)", err)
		}
		cancel()
	}
	s.br.Close()
	if err := s.dir.SetStatus(spool.StatusStopped, reason); err != nil {
		s.h.log.Printf("mark the spool stopped: %v", err)
	}
	if s.ctx.Err() != nil {
		return // the port closed meanwhile: portClosed hands the spool on
	}
	if err := finalizeSpool(s.dir); err != nil {
		s.fail(Errorf(CodeSaveFailed, "The recording is kept; the next start of the extension retries it.", "could not finish the recording: %v", err))
		return
	}
	if s.h.auto {
		s.save(SaveRequest{})
		return
	}
	opts, err := s.h.mp.bundleOptions(SaveRequest{})
	var rv *bundle.Review
	if err == nil {
		rv, err = previewSpool(s.ctx, s.dir, opts)
	}
	if err != nil {
		s.fail(Errorf(CodeSaveFailed, "The recording is kept; the next start of the extension retries it.", "could not prepare the review: %v", err))
		return
	}
	s.setPhase(PhaseReview, func(st *State) { st.Review = rv })
}

// SaveRequest is the data of "save": the reporter's choices in the review.
type SaveRequest struct {
	ExcludeDomains  []string          `json:"excludeDomains"`
	DropScreenshots []string          `json:"dropScreenshots"`
	Fields          map[string]string `json:"fields"`
	Allow           []string          `json:"allow"`
	// Blackout lists the screenshot regions the reporter blacked out in
	// the review (pixels of the image).
	Blackout []bundle.Blackout `json:"blackout"`
	// DropDOMReplay leaves the DOM session replay out of the bundle.
	DropDOMReplay bool `json:"dropDomReplay"`

	recovered bool // the browser went away before Save (Finish)
}

// repreview computes the review again with the reporter's choices and
// sends it, unless a newer preview or a save came meanwhile.
func (s *session) repreview(req SaveRequest, gen int64) {
	s.previewMu.Lock()
	defer s.previewMu.Unlock()
	if s.previewGen.Load() != gen {
		return
	}
	opts, err := s.h.mp.bundleOptions(req)
	var rv *bundle.Review
	if err == nil {
		rv, err = previewSpool(s.ctx, s.dir, opts)
	}
	if err != nil {
		s.h.log.Printf("preview the review again: %v", err)
		return
	}
	s.pushMu.Lock()
	defer s.pushMu.Unlock()
	if s.previewGen.Load() != gen || s.snapshot().Phase != PhaseReview {
		return
	}
	s.h.pushState(s.applyPhase(PhaseReview, func(st *State) { st.Review = rv }))
}

// save writes the bundle and ends the session with done (or error).
func (s *session) save(req SaveRequest) {
	s.previewGen.Add(1) // a preview still running is stale now
	s.setPhase(PhaseSaving, nil)
	if req.Fields != nil {
		s.dir.Update(func(m *spool.Meta) error { m.Reporter = req.Fields; return nil })
	}
	opts, err := s.h.mp.bundleOptions(req)
	var res *bundle.Result
	if err == nil {
		res, err = writeBundle(s.ctx, s.dir, s.h.outDir, opts)
	}
	if err != nil {
		if s.ctx.Err() != nil {
			return
		}
		var pe *Error
		if !errors.As(err, &pe) {
			pe = Errorf(CodeSaveFailed, "The recording is kept; press Save again, or exclude the domains the findings name.", "could not save the bundle: %v", err)
		}
		if pe.Code == CodeSecretsFound {
			auditEvent("refused", s.h.log)
		}
		s.setPhase(PhaseReview, func(st *State) { st.Error = pe })
		return
	}
	auditBundle(res, opts, s.h.log)
	if res.Report != nil {
		if _, err := keepSealedReport(res.Path, res.Report); err != nil {
			s.h.log.Printf("keep the sealed bundle's report: %v", err)
		}
	}
	s.h.mp.applyRetention(s.h.outDir, s.h.log)
	if err := s.dir.Remove(); err != nil {
		s.h.log.Printf("%v", err)
	}
	s.end(PhaseDone, func(st *State) {
		st.Result = &Result{Path: res.Path, Size: res.Size, SupportRequest: res.SupportRequest, SealedFor: s.h.mp.sealInfo()}
		st.Review = nil
		st.Error = nil
	})
}

// discard removes the recording without saving it.
func (s *session) discard() {
	if err := s.dir.Remove(); err != nil {
		s.h.log.Printf("%v", err)
	}
	auditEvent("discarded", s.h.log)
	s.end(PhaseIdle, func(st *State) { *st = State{Phase: PhaseIdle, AutoSave: st.AutoSave} })
}

// fail ends the session with an error the popup shows.
func (s *session) fail(e *Error) {
	s.end(PhaseError, func(st *State) { st.Error = e })
}

// end moves to a final phase and frees the port for the next recording.
//
// The host forgets the session before it sends the final state, so a
// reset the extension sends on seeing that state always finds it in last.
func (s *session) end(p Phase, edit func(st *State)) {
	s.pushMu.Lock()
	defer s.pushMu.Unlock()
	st := s.applyPhase(p, edit)
	s.h.mu.Lock()
	if s.h.rec == s {
		s.h.rec = nil
		s.h.last = &st
	}
	s.h.mu.Unlock()
	s.h.pushState(st)
}

// portClosed runs when the extension's port closes. Chrome kills this
// process in a second or two, so a recording that is not saved yet goes to
// the finisher, which outlives it.
func (h *Host) portClosed(ctx context.Context) {
	h.mu.Lock()
	s := h.rec
	h.rec = nil
	h.mu.Unlock()
	if s == nil {
		return
	}
	s.br.Close()
	s.cancel()
	done := make(chan struct{})
	go func() { s.work.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(500 * time.Millisecond):
		h.log.Printf("background work still running; handing the spool to the finisher anyway")
	}
	if _, err := os.Stat(s.dir.Path()); err != nil {
		return // saved or discarded already
	}
	if m, err := s.dir.Meta(); err == nil && m.Status == spool.StatusRecording {
		if err := s.dir.SetStatus(spool.StatusStopped, "extension disconnected"); err != nil {
			h.log.Printf("mark the spool stopped: %v", err)
		}
	}
	fin := h.opts.Finisher
	if fin == nil {
		fin = func(path, out string) error {
			_, err := Finish(context.Background(), path, out)
			return err
		}
	}
	if err := fin(s.dir.Path(), h.outDir); err != nil {
		h.log.Printf("finish %s: %v (the next start recovers it)", s.dir.Path(), err)
	}
}

// Finish turns the spool of a recording whose port closed into a bundle in
// outDir and removes the spool: the job of the detached child the host
// starts (`reprokit native-finish`) and of the leftover recovery. It takes
// the spool over (its pid in recording.json) so that no one else recovers it
// at the same time, and applies the machine's managed configuration as the
// host does. Only one process at a time finishes a spool (a claim the
// operating system drops when the process dies): another one gets an error
// saying so and leaves the spool to it. It returns the bundle's path.
func Finish(ctx context.Context, spoolPath, outDir string) (string, error) {
	logger := log.New(os.Stderr, "reprokit finish: ", log.LstdFlags)
	dir, err := spool.Open(spoolPath)
	if err != nil {
		return "", err
	}
	release, err := dir.Claim()
	if err != nil {
		return "", err
	}
	defer release()
	// removeSpool gives the claim back first: Windows cannot remove a
	// folder with an open file.
	removeSpool := func() error {
		release()
		return dir.Remove()
	}
	m, err := dir.Meta()
	if err != nil {
		return "", err
	}
	if m.Status == spool.StatusBundled {
		return "", removeSpool()
	}
	if err := dir.Update(func(m *spool.Meta) error { m.PID = os.Getpid(); return nil }); err != nil {
		return "", err
	}
	mp := loadMachinePolicy(nil, logger)
	if outDir == "" {
		outDir = m.Options.Out
	}
	if outDir == "" {
		outDir = mp.outDir
	}
	if outDir == "" {
		outDir = DefaultOutDir()
	}
	if m.Status == spool.StatusRecording {
		if err := dir.SetStatus(spool.StatusStopped, "extension disconnected"); err != nil {
			return "", err
		}
	}
	if m.Status != spool.StatusFinalized {
		if err := finalizeSpool(dir); err != nil {
			return "", fmt.Errorf("finalize %s: %w", spoolPath, err)
		}
	}
	opts, err := mp.bundleOptions(SaveRequest{recovered: true})
	if err != nil {
		return "", err
	}
	res, err := writeBundle(ctx, dir, outDir, opts)
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) && pe.Code == CodeSecretsFound {
			auditEvent("refused", logger)
		}
		// Marked, as `reprokit record` marks its own: leftover recovery
		// leaves this spool to `reprokit recover` instead of retrying it on
		// every start.
		dir.MarkBundleError(err)
		return "", fmt.Errorf("bundle %s: %w", spoolPath, err)
	}
	auditBundle(res, opts, logger)
	if res.Report != nil {
		if _, err := keepSealedReport(res.Path, res.Report); err != nil {
			logger.Printf("keep the sealed bundle's report: %v", err)
		}
	}
	mp.applyRetention(outDir, logger)
	return res.Path, removeSpool()
}

// recoverLeftovers bundles the extension recordings that a killed host and
// finisher left behind; each spool is removed only once its bundle exists.
// A spool whose bundle failed before (bundleError) is skipped and named
// with how to finish it (`reprokit recover`).
func (h *Host) recoverLeftovers() {
	dirs, err := spool.Leftovers(h.opts.SpoolBase)
	if err != nil {
		h.log.Printf("look for unfinished recordings: %v", err)
		return
	}
	for _, d := range dirs {
		m, err := d.Meta()
		if err != nil || m.Mode != spool.ModeExtension {
			continue
		}
		if m.AwaitsUser() {
			// Its bundle was refused before (fail closed): retrying it
			// on every start would refuse it again. The same rule as
			// `reprokit record`'s recovery.
			h.log.Printf("not retrying %s, whose bundle failed: %s\n%s", d.Path(), strings.SplitN(m.BundleError, "\n", 2)[0], spool.ResolveHint(d))
			h.reportUnrecovered(d, m, errors.New(m.BundleError))
			continue
		}
		path, err := Finish(context.Background(), d.Path(), "")
		if errors.Is(err, spool.ErrBeingFinished) {
			h.log.Printf("not recovering %s: %v", d.Path(), err)
			continue
		}
		if _, serr := os.Stat(d.Path()); (err != nil || path == "") && errors.Is(serr, os.ErrNotExist) {
			// Another process (the detached finisher) bundled it and
			// removed it meanwhile: its bundle is not ours to report.
			h.log.Printf("%s was finished by another process", d.Path())
			continue
		}
		if err != nil {
			h.log.Printf("recover %s: %v\n%s", d.Path(), err, spool.ResolveHint(d))
			h.reportUnrecovered(d, m, err)
			continue
		}
		h.log.Printf("recovered an unfinished recording into %s", path)
		h.reportRecovered(filepath.Base(d.Path()), m, path)
	}
}
