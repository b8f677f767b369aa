package replay

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/har"
)

// Source is what a replay reads from a bundle or a bare HAR.
type Source struct {
	// HAR is the recorded session.
	HAR *har.HAR
	// Screenshots are the recorded screenshots in recorded order, with
	// their image bytes (empty for a bare HAR).
	Screenshots []Screenshot
	// Steps is steps.json as stored (nil when absent).
	Steps []byte
	// Env is the recorded environment (zero when absent).
	Env Environment
	// Console is the recorded console.json (nil when absent): the
	// verdict counts the exceptions a replay raises that it lacks.
	Console *RecordedConsole
	// Warnings are problems met while reading that did not stop it.
	Warnings []string

	// streamed are the entries whose response body was left in the
	// file (Text empty): the replay streams it (see [Source.Body]).
	streamed map[int]bool
	bundle   *bundle.Bundle
}

// Body streams the recorded response body of entry i when the HAR's entry
// does not hold it (a large body left in the file); ok is false otherwise.
func (s *Source) Body(i int) (io.Reader, bool) {
	if s == nil || !s.streamed[i] || s.bundle == nil {
		return nil, false
	}
	return s.bundle.ResponseBodyReader(i)
}

// Screenshot is one recorded (or replayed) screenshot.
type Screenshot struct {
	File   string `json:"file"`
	URL    string `json:"url,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Target is the tab it shows: "page" (the first tab) or "popup" (a
	// tab the pages opened); empty when a recording does not say.
	Target string `json:"target,omitempty"`
	// Masked are the boxes the recorder painted over flagged text, in
	// CSS pixels ("reporter" boxes in image pixels); the comparison paints
	// them onto the replay's screenshot too.
	Masked []bundle.MaskBox `json:"-"`
	Data   []byte           `json:"-"`
}

// Environment is the part of a bundle's environment.json that a replay
// emulates (the fields of capture.Environment it needs, read by name so
// that replay reads bundles of any version).
type Environment struct {
	Browser struct {
		UserAgent string `json:"userAgent"`
	} `json:"browser"`
	Screen struct {
		Width            int     `json:"width"`
		Height           int     `json:"height"`
		DevicePixelRatio float64 `json:"devicePixelRatio"`
	} `json:"screen"`
	Viewport struct {
		Width             int     `json:"width"`
		Height            int     `json:"height"`
		DeviceScaleFactor float64 `json:"deviceScaleFactor"`
		IsMobile          bool    `json:"isMobile"`
		HasTouch          bool    `json:"hasTouch"`
		IsLandscape       bool    `json:"isLandscape"`
	} `json:"viewport"`
	Locale    string   `json:"locale"`
	Languages []string `json:"languages"`
	TimeZone  string   `json:"timeZone"`
	Start     string   `json:"start"`
}

// Load reads a bundle .zip or a bare HAR file through [bundle.Open], which
// enforces the size limits and path rules for hostile input.
func Load(file string) (*Source, error) {
	b, err := bundle.Open(file)
	if err != nil {
		return nil, err
	}
	// The HAR as the bundle decoded it; the bodies it left in the file
	// (over a few KB) stream from there when served (see Source.Body).
	lg := b.LogHeader()
	lg.Entries = append([]har.Entry(nil), b.Entries()...)
	streamed := map[int]bool{}
	for i := range lg.Entries {
		e := &lg.Entries[i]
		if b.StreamedBody(i) {
			streamed[i] = true
		} else if e.Response.Content.Text == "" && b.ResponseBodyLen(i) > 0 {
			// left in the file at no known place (an entry with a
			// name twice): read back whole
			e.Response.Content.Text, _ = b.ResponseBody(i)
		}
		// a request body is matched, so held (up to the readers' caps)
		if pd := e.Request.PostData; pd != nil && pd.Text == "" {
			pd.Text = b.RequestBody(i)
		}
	}
	h := &har.HAR{Log: lg}
	if h.Log.Entries == nil && h.Log.Version == "" {
		return nil, fmt.Errorf("read the HAR of %s: no log.entries: not a HAR file", file)
	}
	src := &Source{HAR: h, streamed: streamed, bundle: b}
	if env := b.File("environment.json"); env != nil {
		_ = json.Unmarshal(env, &src.Env) // an unreadable environment only loses emulation
	}
	if b.Kind == "bundle" {
		src.Console = &RecordedConsole{}
		for _, m := range b.Console {
			src.Console.Messages = append(src.Console.Messages, RecordedMessage{Level: m.Level, Source: m.Source, Text: m.Text})
		}
	}
	for _, img := range b.Screenshots {
		src.Screenshots = append(src.Screenshots, Screenshot{File: img.File, URL: img.URL, Reason: img.Reason, Target: img.Target, Masked: img.Masked, Data: img.Data})
	}
	if b.Kind == "bundle" {
		// The bundle reader keeps the steps' common fields only; a replay
		// needs offsets and scroll positions too, so read steps.json whole.
		if src.Steps, err = zipMember(file, "steps.json", maxStepsBytes); err != nil {
			return nil, err
		}
	}
	for _, w := range b.Warnings {
		src.Warnings = append(src.Warnings, w)
	}
	return src, nil
}

// maxStepsBytes caps steps.json.
const maxStepsBytes = 16 << 20

// zipMember reads one top-level member of a zip, at most limit bytes; nil
// when it is absent.
func zipMember(file, name string, limit int64) ([]byte, error) {
	z, err := zip.OpenReader(file)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable zip: %w", file, err)
	}
	defer z.Close()
	for _, f := range z.File {
		if f.Name != name {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s in %s: %w", name, file, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, limit+1))
		if err != nil {
			return nil, fmt.Errorf("%s in %s: %w", name, file, err)
		}
		if int64(len(b)) > limit {
			return nil, fmt.Errorf("%s in %s is larger than %d bytes", name, file, limit)
		}
		return b, nil
	}
	return nil, nil
}
