package capture

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"time"
)

// screencastMinGap is the least time between two kept screencast frames:
// a low rate is enough to play a session back and keeps the bundle small.
const screencastMinGap = 500 * time.Millisecond

// screencastMaskScript keeps the mask style on in every document while the
// screencast runs, from the first paint on.
var screencastMaskScript = `(function(){var f=function(){try{` + MaskExpression(true) + `}catch(e){}};f();document.addEventListener('DOMContentLoaded',f);})();`

func (r *Recorder) startScreencast(ctx context.Context) error {
	if err := r.mask(ctx, r.tab, true); err != nil {
		return fmt.Errorf("could not mask the page: %w", err)
	}
	_, err := r.conn.Call(ctx, r.tab, "Page.startScreencast", map[string]any{
		"format": "jpeg", "quality": 60, "maxWidth": 1280, "maxHeight": 800, "everyNthFrame": 1,
	}, false)
	return err
}

// onScreencastFrame keeps a frame when the last one is old enough and no
// earlier frame is still being masked, and acknowledges every frame, so
// that Chrome keeps sending them. A kept frame is masked in the
// background (see [Recorder.keepFrame]).
func (r *Recorder) onScreencastFrame(params []byte) {
	var ev struct {
		Data      string `json:"data"`
		SessionID int64  `json:"sessionId"`
		Metadata  struct {
			OffsetTop    float64 `json:"offsetTop"`
			DeviceWidth  float64 `json:"deviceWidth"`
			DeviceHeight float64 `json:"deviceHeight"`
			Timestamp    float64 `json:"timestamp"`
		} `json:"metadata"`
	}
	if json.Unmarshal(params, &ev) != nil {
		return
	}
	r.conn.Send(r.tab, "Page.screencastFrameAck", map[string]any{"sessionId": ev.SessionID}, false, nil)
	now := time.Now()
	// the gap is measured between the frames' own times (when Chrome
	// painted them), which may bunch up on arrival
	painted := now
	if ts := ev.Metadata.Timestamp; ts > 0 {
		painted = time.UnixMicro(int64(ts * 1e6))
	}
	r.mu.Lock()
	keep := !r.stopped && !r.paused && !r.castBusy && painted.Sub(r.lastCast) >= screencastMinGap
	if keep {
		r.lastCast = painted
		r.castBusy = true
		r.casting.Add(1)
	}
	url := r.mainURL
	r.mu.Unlock()
	if !keep {
		return
	}
	t := ev.Metadata.Timestamp
	if t == 0 {
		t = float64(now.UnixMicro()) / 1e6
	}
	info := ScreenshotInfo{
		Time: t, URL: url, Reason: "screencast",
		Width: int(ev.Metadata.DeviceWidth), Height: int(ev.Metadata.DeviceHeight), Format: "jpeg", Masked: Masks{},
	}
	go func() {
		defer r.casting.Done()
		r.keepFrame(ev.Data, ev.Metadata.OffsetTop, info)
		r.mu.Lock()
		r.castBusy = false
		r.mu.Unlock()
	}()
}

// keepFrame masks and writes one screencast frame. Chrome pushes frames
// unasked, so the text a frame shows is read when it arrives: a snapshot
// is taken for every kept frame (at most two a second, the rate kept), and
// its boxes are painted on that frame. A frame whose page cannot be read
// is not kept.
func (r *Recorder) keepFrame(data string, offsetTop float64, info ScreenshotInfo) {
	img, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(r.shotCtx, shotTimeout)
	screen, err := r.readScreen(ctx, r.tab)
	cancel()
	flags, vp := screen.boxes, screen.vp
	if screen.url != "" {
		info.URL = screen.url
	}
	if err != nil {
		r.warnf("screencast frame left out: could not read the page's text to mask it: %v", err)
		return
	}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(img)); err == nil && cfg.Width > 0 {
		// the frame is scaled to fit; place the boxes in it, below
		// any top offset of the view
		for i := range flags {
			flags[i].Y += offsetTop
		}
		if info.Masked = placeBoxes(flags, vp, cfg.Width, cfg.Height); len(info.Masked) > 0 {
			if img, err = paintMasks(img, "jpeg", 60, info.Masked, vp); err != nil {
				r.warnf("screencast frame left out: %v", err)
				return
			}
		}
	}
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return
	}
	n := len(r.frames) + 1
	info.File = fmt.Sprintf("screencast/%06d.jpg", n)
	if err := r.dir.WriteFile(info.File, img); err != nil {
		r.mu.Unlock()
		r.warnf("screencast frame: %v", err)
		return
	}
	r.frames = append(r.frames, info)
	r.stats.SpoolBytes += int64(len(img))
	r.mu.Unlock()
	r.conn.Record("Reprokit.screencastFrame", r.tab, info)
}

// writeScreencastIndex writes screencast.json when there are frames.
func (r *Recorder) writeScreencastIndex() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.frames) == 0 {
		return
	}
	b, _ := json.MarshalIndent(r.frames, "", "  ")
	if err := r.dir.WriteFile("screencast.json", b); err != nil {
		r.warnf("screencast index: %v", err)
	}
}
