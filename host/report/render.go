// Package report renders report.html, the one self-contained page a support
// engineer opens to read a bundle, and serves it for `reprokit view`.
//
// The page is inert by construction: recorded content travels only as JSON
// in a <script type="application/json"> block (with '<' escaped), the code
// inserts it with textContent and never as HTML, and a Content-Security-Policy
// allows only the page's own script and style (by SHA-256 hash) and data:
// images. A hostile HAR cannot run script in it.
//
// This package does not read bundles: host/bundle builds a [Data] and calls
// [Render], which keeps the dependency one way.
package report

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/reprokit/reprokit/host/domreplay"
)

//go:embed assets/report.css
var css string

//go:embed assets/report.js
var js string

//go:embed assets/report.html
var shell string

func cspHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}

// CSP is the Content-Security-Policy of the report: nothing but the page's
// own script and style, images from data: URLs, no network, no forms.
var CSP = "default-src 'none'; script-src " + cspHash(js) + "; style-src " + cspHash(css) +
	"; img-src data:; media-src data:; base-uri 'none'; form-action 'none'"

// ReplayCSP is the Content-Security-Policy of a report with a session
// replay ([Data.DOM]). Scripts are as strict as in [CSP]: only the page's
// own script and the vendored rrweb player, each by its SHA-256 hash
// (never 'unsafe-inline', 'unsafe-eval' or a source). Only styles and
// images are loosened, for the page the player rebuilds in its frame
// (which inherits this policy): style-src 'unsafe-inline' for the
// recorded <style> elements and style attributes, img-src blob: beside
// data: for the images it rebuilds. The frame is sandboxed without
// allow-scripts besides.
var ReplayCSP = "default-src 'none'; script-src " + cspHash(js) + " " + cspHash(domreplay.PlayerJS) +
	"; style-src 'unsafe-inline'; img-src data: blob:; media-src data:; base-uri 'none'; form-action 'none'"

// PageCSP returns the Content-Security-Policy of a page that [Render]
// wrote: [ReplayCSP] when it has a session replay, else [CSP].
func PageCSP(page []byte) string {
	// The recorded data cannot hold this tag: '<' is escaped in it.
	if bytes.Contains(page, []byte(replayTag)) {
		return ReplayCSP
	}
	return CSP
}

const replayTag = `<script type="application/octet-stream" id="rk-replay" data-encoding="gzip+base64">`

// Render writes report.html for d to w.
//
// The data travels in two blocks: the first, before the script, holds
// everything but the entries' details (headers, query, body previews,
// frames, image previews); the second, after the script, holds those
// details, one array per entry in entry order. The browser runs the script
// as soon as the first block is parsed, so the table and the filter are
// there before the (much larger) details have been read; the script merges
// them on DOMContentLoaded.
//
// With a session replay (d.DOM) the page also embeds, after those, the
// replay's block, the rrweb player and its licence, and has [ReplayCSP].
func Render(w io.Writer, d *Data) error {
	var replay *Replay
	policy := CSP
	if d.DOM != nil {
		dd := *d
		dd.Replay, replay = d.DOM.summary()
		if replay != nil {
			policy = ReplayCSP
			d = &dd
		}
	}
	light := *d
	light.Entries = make([]Entry, len(d.Entries))
	details := make([]entryDetail, len(d.Entries))
	for i, e := range d.Entries {
		details[i] = entryDetail{ReqHeaders: e.ReqHeaders, ResHeaders: e.ResHeaders, Query: e.Query, ReqBody: e.ReqBody, ResBody: e.ResBody, Image: e.Image, WS: e.WS}
		e.ReqHeaders, e.ResHeaders, e.Query, e.ReqBody, e.ResBody, e.Image, e.WS = nil, nil, nil, "", "", "", nil
		light.Entries[i] = e
	}
	title := d.Title
	if title == "" {
		title = "Reprokit report"
	}
	repl := strings.NewReplacer(
		"{{CSP}}", html.EscapeString(policy),
		"{{TITLE}}", html.EscapeString(title),
		"{{CSS}}", css,
		"{{JS}}", js,
	)
	out := repl.Replace(shell)
	for _, part := range []struct {
		slot string
		v    any
	}{{"{{DATA}}", &light}, {"{{DETAIL}}", details}} {
		before, after, ok := strings.Cut(out, part.slot)
		if !ok {
			return fmt.Errorf("render the report: the page template has no %s slot", part.slot)
		}
		if _, err := io.WriteString(w, before); err != nil {
			return fmt.Errorf("write the report: %w", err)
		}
		// '<', '>' and '&' as \u003c… (and U+2028/9 escaped): the data
		// cannot close its <script> block or break out of it.
		if err := jsonv2.MarshalWrite(w, part.v, jsontext.EscapeForHTML(true), jsontext.EscapeForJS(true), jsontext.AllowInvalidUTF8(true)); err != nil {
			return fmt.Errorf("render the report: encode its data: %w", err)
		}
		out = after
	}
	rest, tail, ok := strings.Cut(out, "{{REPLAY}}")
	if !ok {
		return fmt.Errorf("render the report: the page template has no replay slot")
	}
	if _, err := io.WriteString(w, rest); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	if replay != nil {
		// After the report's own script, so that the report draws before
		// the browser reads the player; the page starts the player later.
		if _, err := io.WriteString(w, replayTag); err != nil {
			return fmt.Errorf("write the report: %w", err)
		}
		if err := writeReplayBlock(w, replay); err != nil {
			return err
		}
		if _, err := io.WriteString(w, "</script>\n<style>"+domreplay.PlayerCSS+"</style>\n<script>"+domreplay.PlayerJS+"</script>\n"); err != nil {
			return fmt.Errorf("write the report: %w", err)
		}
	}
	if _, err := io.WriteString(w, tail); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	return nil
}

// entryDetail is the part of an [Entry] that the page reads only after it
// is interactive (the second data block); the names are Entry's.
type entryDetail struct {
	ReqHeaders [][2]string `json:"rqh,omitzero"`
	ResHeaders [][2]string `json:"rsh,omitzero"`
	Query      [][2]string `json:"q,omitzero"`
	ReqBody    string      `json:"rqb,omitzero"`
	ResBody    string      `json:"rsb,omitzero"`
	Image      string      `json:"img,omitzero"`
	WS         []Frame     `json:"ws,omitzero"`
}
