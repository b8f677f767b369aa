package capture

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig of JPEG screenshots
	_ "image/png"  // DecodeConfig of PNG screenshots
	"strings"
	"time"

	"github.com/chromedp/cdproto/target"
)

// ScreenshotInfo is one entry of screenshots.json (and screencast.json) and
// the params of a `Reprokit.screenshot` record.
type ScreenshotInfo struct {
	File   string  `json:"file"` // path inside the spool, "screenshots/003-load.png"
	Time   float64 `json:"time"` // wall seconds since the epoch
	URL    string  `json:"url"`
	Reason string  `json:"reason"` // "load", "demand", "stop", "start", "screencast"
	Width  int     `json:"width"`
	Height int     `json:"height"`
	Format string  `json:"format"` // "png" or "jpeg"
	// Masked lists the boxes painted over text the detectors flag (the
	// mask style, on during every capture, blacks out password inputs
	// and [data-private] elements).
	Masked Masks `json:"masked"`
	// Target is the tab it shows: "page" for the recorded tab, "popup"
	// for a tab the recorded pages opened; absent in older spools.
	Target string `json:"target,omitempty"`
}

// shotTimeout bounds one screenshot (mask, capture): Page.captureScreenshot
// may not answer around navigations, popups and dialogs, and the recording
// must not wait long for it.
const shotTimeout = 4 * time.Second

// unmaskTimeout bounds taking the mask off after a capture.
const unmaskTimeout = time.Second

// stopShotWait is the longest Stop waits for its screenshot.
const stopShotWait = shotTimeout + unmaskTimeout + 500*time.Millisecond

type shotRequest struct {
	reason string
	// session is the popup to shoot; empty for the recorded tab.
	session target.SessionID
	title   bool // also write a Reprokit.pageTitle record
	done    chan error
}

// Screenshot takes a screenshot of the recorded tab now, with password inputs
// and [data-private] elements masked, and records it with the reason.
func (r *Recorder) Screenshot(ctx context.Context, reason string) error {
	done := make(chan error, 1)
	if !r.requestShot(shotRequest{reason: reason, done: done}) {
		return errors.New("screenshot: the recording has stopped or is busy; try again")
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Recorder) shotLoop() {
	defer close(r.shotDone)
	for req := range r.shotReq {
		var err error
		if req.title {
			r.recordTitle(req.session)
		}
		r.mu.Lock()
		late := r.stopped && req.reason == "load"
		r.mu.Unlock()
		if late {
			continue
		}
		if cerr := r.shotCtx.Err(); cerr != nil {
			err = fmt.Errorf("screenshot (%s) not taken: the recording is stopping", req.reason)
		} else if r.Err() == nil {
			err = r.takeShot(req.reason, req.session)
			if err != nil {
				r.warnf("screenshot (%s): %v", req.reason, err)
			}
		} else {
			err = r.Err()
		}
		if req.done != nil {
			req.done <- err
		}
	}
}

// recordTitle writes a Reprokit.pageTitle record for the document of the
// tab, or of the popup sid.
func (r *Recorder) recordTitle(sid target.SessionID) {
	if sid == "" {
		sid = r.tab
	}
	ctx, cancel := context.WithTimeout(r.shotCtx, shotTimeout)
	defer cancel()
	res, err := r.conn.Call(ctx, sid, "Runtime.evaluate", map[string]any{
		"expression": "JSON.stringify([document.title, location.href])", "returnByValue": true,
	}, false)
	if err != nil {
		return
	}
	var v struct {
		Result struct {
			Value string `json:"value"`
		} `json:"result"`
	}
	var pair []string
	if json.Unmarshal(res, &v) != nil || json.Unmarshal([]byte(v.Result.Value), &pair) != nil || len(pair) != 2 {
		return
	}
	r.conn.Record("Reprokit.pageTitle", sid, map[string]any{"title": pair[0], "url": pair[1]})
}

// mask turns the mask style on or off in the page of session page (the tab
// or a popup) and in its out-of-process frames. It fails when the page's
// own document could not be masked.
func (r *Recorder) mask(ctx context.Context, page target.SessionID, on bool) error {
	expr := map[string]any{"expression": MaskExpression(on), "returnByValue": true}
	if _, err := r.conn.Call(ctx, page, "Runtime.evaluate", expr, false); err != nil {
		return err
	}
	r.mu.Lock()
	var frames []target.SessionID
	for sid, si := range r.sessions {
		if si.typ == "iframe" && (page == r.tab || si.parent == page) {
			frames = append(frames, sid)
		}
	}
	r.mu.Unlock()
	for _, sid := range frames {
		r.conn.Call(ctx, sid, "Runtime.evaluate", expr, false)
	}
	return nil
}

func (r *Recorder) format() (string, map[string]any) {
	if r.opts.JPEGQuality > 0 {
		return "jpeg", map[string]any{"format": "jpeg", "quality": r.opts.JPEGQuality}
	}
	return "png", map[string]any{"format": "png"}
}

// takeShot masks, captures, unmasks and writes one screenshot of the tab,
// or of the popup sid. A page that cannot be masked is not captured: no
// unmasked image is ever written.
func (r *Recorder) takeShot(reason string, sid target.SessionID) error {
	kind := "popup"
	if sid == "" || sid == r.tab {
		sid, kind = r.tab, "page"
	}
	ctx, cancel := context.WithTimeout(r.shotCtx, shotTimeout)
	defer cancel()
	var err error
	for try := 0; try < 3; try++ {
		if err = r.mask(ctx, sid, true); err == nil {
			break
		}
		time.Sleep(200 * time.Millisecond) // a navigation is replacing the document
	}
	if err != nil {
		return fmt.Errorf("could not mask the page, so no screenshot was taken: %w", err)
	}
	// What the page shows is read right before the capture, with the
	// mask style on (it changes colours, not layout).
	var screen screenRead
	var ferr error
	if !r.noTextMask {
		screen, ferr = r.readScreen(ctx, sid)
	}
	format, params := r.format()
	var res []byte
	if ferr == nil {
		res, err = r.conn.Call(ctx, sid, "Page.captureScreenshot", params, false)
	}
	if !r.opts.Screencast {
		// Unmask even when the capture timed out: the page must not keep
		// the black boxes. A short budget of its own, since ctx may be over.
		uctx, ucancel := context.WithTimeout(context.Background(), unmaskTimeout)
		r.mask(uctx, sid, false)
		ucancel()
	}
	if ferr != nil {
		return fmt.Errorf("could not read the page's text to mask it, so no screenshot was taken: %w", ferr)
	}
	if err != nil {
		return err
	}
	var shot struct {
		Data string `json:"data"`
	}
	if err := json.Unmarshal(res, &shot); err != nil {
		return err
	}
	img, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.shotSeq++
	n := r.shotSeq
	url := r.mainURL
	if si := r.sessions[sid]; kind == "popup" && si != nil {
		url = si.url
	}
	r.mu.Unlock()
	if screen.url != "" {
		url = screen.url // the document shown (the tab may not have navigated since Record)
	}
	ext := "png"
	if format == "jpeg" {
		ext = "jpg"
	}
	info := ScreenshotInfo{
		File:   fmt.Sprintf("screenshots/%03d-%s.%s", n, shotFileName(reason), ext),
		Time:   float64(time.Now().UnixMicro()) / 1e6,
		URL:    url,
		Reason: reason,
		Format: format,
		Masked: Masks{},
		Target: kind,
	}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(img)); err == nil {
		info.Width, info.Height = cfg.Width, cfg.Height
	}
	if info.Masked = placeBoxes(screen.boxes, screen.vp, info.Width, info.Height); len(info.Masked) > 0 {
		if img, err = paintMasks(img, format, r.opts.JPEGQuality, info.Masked, screen.vp); err != nil {
			return fmt.Errorf("could not paint over the flagged text, so no screenshot was taken: %w", err)
		}
	}
	if err := r.dir.WriteFile(info.File, img); err != nil {
		return err
	}
	r.mu.Lock()
	r.shots = append(r.shots, info)
	r.stats.Screenshots++
	r.stats.SpoolBytes += int64(len(img))
	index, _ := json.MarshalIndent(r.shots, "", "  ")
	r.mu.Unlock()
	if err := r.dir.WriteFile("screenshots.json", index); err != nil {
		return err
	}
	return r.conn.Record("Reprokit.screenshot", sid, info)
}

// shotFileName keeps a reason usable in a file name.
func shotFileName(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 32 {
			break
		}
	}
	if b.Len() == 0 {
		return "shot"
	}
	return b.String()
}
