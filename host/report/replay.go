package report

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"

	"github.com/reprokit/reprokit/host/domreplay"
)

// Replay is the DOM session replay of a bundle (its dom.json) as the report
// plays it. The page gets it in a block of its own, compressed and read
// only when the player starts, so that a long recording does not slow the
// rest of the report; [Data.Replay] (the summary the timeline draws) is in
// the data.
type Replay struct {
	Tabs []ReplayTab `json:"tabs"`
	// Images maps an image URL of the recording to a data: URL of its body
	// in the HAR; the player shows every other image as a neutral
	// placeholder (it never loads one from the network).
	Images map[string]string `json:"images,omitzero"`
}

// ReplayTab is the replay of one recorded tab.
type ReplayTab struct {
	// Target is the CDP target id of the tab (dom.json's "target").
	Target string `json:"target"`
	// Events are the tab's rrweb events, as dom.json holds them.
	Events json.RawMessage `json:"events"`
}

// ReplaySummary is what the report knows of the replay before the player
// starts: per tab, where it was, when it starts and ends and how many
// events it has.
type ReplaySummary struct {
	Tabs []ReplayTabSummary `json:"tabs"`
	// Version is the rrweb version of the player.
	Version string `json:"v"`
}

// ReplayTabSummary is one tab of a [ReplaySummary].
type ReplayTabSummary struct {
	Target string  `json:"target"`
	URL    string  `json:"u,omitzero"`
	Start  float64 `json:"b"`
	End    float64 `json:"e"`
	Events int     `json:"n"`
	// Width and Height are the recorded viewport (the first Meta event).
	Width  int `json:"w,omitzero"`
	Height int `json:"h,omitzero"`
}

// summary reads the tabs' events for their extent, URL and viewport. Tabs
// with fewer than two events (the player needs a snapshot and something
// after it) are left out, as is a replay left with no tab.
func (r *Replay) summary() (*ReplaySummary, *Replay) {
	var s ReplaySummary
	kept := &Replay{Images: r.Images}
	for _, t := range r.Tabs {
		var evs []struct {
			Type      int     `json:"type"`
			Timestamp float64 `json:"timestamp"`
			Data      struct {
				Href   string `json:"href"`
				Width  int    `json:"width"`
				Height int    `json:"height"`
			} `json:"data"`
		}
		if json.Unmarshal(t.Events, &evs) != nil || len(evs) < 2 {
			continue
		}
		ts := ReplayTabSummary{Target: t.Target, Events: len(evs)}
		full := false
		for _, e := range evs {
			if e.Timestamp > 0 && (ts.Start == 0 || e.Timestamp < ts.Start) {
				ts.Start = e.Timestamp
			}
			ts.End = max(ts.End, e.Timestamp)
			if e.Type == 4 && ts.URL == "" { // Meta
				ts.URL, ts.Width, ts.Height = e.Data.Href, e.Data.Width, e.Data.Height
			}
			full = full || e.Type == 2 // FullSnapshot
		}
		if !full || ts.Start == 0 {
			continue
		}
		s.Tabs = append(s.Tabs, ts)
		kept.Tabs = append(kept.Tabs, t)
	}
	if len(s.Tabs) == 0 {
		return nil, nil
	}
	s.Version = domreplay.Version
	return &s, kept
}

// writeReplayBlock writes the page's replay block: the events, the image
// bodies and rrweb's licence as JSON, gzipped and in base64. Compressed,
// the block costs the browser's HTML parser a tenth of the text it would
// be (the events of a long recording are megabytes), so the report draws
// as soon without a replay as with one; the page inflates it with
// DecompressionStream when the player starts. Base64 has no '<': nothing
// recorded can close the <script> it sits in.
func writeReplayBlock(w io.Writer, r *Replay) error {
	data, err := json.Marshal(struct {
		*Replay
		License string `json:"license"`
	}{r, domreplay.License})
	if err != nil {
		return fmt.Errorf("render the report: encode the session replay: %w", err)
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		return fmt.Errorf("render the report: compress the session replay: %w", err)
	}
	enc := base64.NewEncoder(base64.StdEncoding, w)
	if _, err := enc.Write(z.Bytes()); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	return nil
}
