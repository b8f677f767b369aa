package capture

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
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

// onScreencastFrame keeps a frame when the last one is old enough and
// acknowledges every frame, so that Chrome keeps sending them.
func (r *Recorder) onScreencastFrame(params []byte) {
	var ev struct {
		Data      string `json:"data"`
		SessionID int64  `json:"sessionId"`
		Metadata  struct {
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
	r.mu.Lock()
	keep := !r.stopped && !r.paused && now.Sub(r.lastCast) >= screencastMinGap
	if keep {
		r.lastCast = now
	}
	n := len(r.frames) + 1
	url := r.mainURL
	r.mu.Unlock()
	if !keep {
		return
	}
	img, err := base64.StdEncoding.DecodeString(ev.Data)
	if err != nil {
		return
	}
	t := ev.Metadata.Timestamp
	if t == 0 {
		t = float64(now.UnixMicro()) / 1e6
	}
	info := ScreenshotInfo{
		File: fmt.Sprintf("screencast/%06d.jpg", n), Time: t, URL: url, Reason: "screencast",
		Width: int(ev.Metadata.DeviceWidth), Height: int(ev.Metadata.DeviceHeight), Format: "jpeg", Masked: true,
	}
	if err := r.dir.WriteFile(info.File, img); err != nil {
		r.warnf("screencast frame: %v", err)
		return
	}
	r.mu.Lock()
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
