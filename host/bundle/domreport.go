package bundle

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/reprokit/reprokit/host/report"
)

// DOMReplayFile is the bundle member holding the DOM session replay (see
// docs/BUNDLE.md): {"format":"rrweb","version":…,"tabs":[{"target":…,
// "events":[…]}]}, sanitized like the HAR.
const DOMReplayFile = "dom.json"

// Bounds of the image bodies the report's player shows from the HAR: one
// image (the same bound as the request previews), all of them in the
// report inside a bundle (it has session.har beside it), and in a report
// made on the support side.
const (
	maxReplayImagesBundle = 2 << 20
	maxReplayImagesFull   = 16 << 20
)

// replayOf reads a dom.json document for the report's player, with the
// image bodies of the HAR that its pages show. It returns nil and a
// warning when the document does not read.
func replayOf(raw []byte, doc *harDoc, infos []entryInfo, limits reportLimits) (*report.Replay, string) {
	if len(raw) == 0 {
		return nil, ""
	}
	var d struct {
		Format string `json:"format"`
		Tabs   []struct {
			Target string          `json:"target"`
			Events json.RawMessage `json:"events"`
		} `json:"tabs"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, DOMReplayFile + " could not be read (" + err.Error() + "); the report has no session replay"
	}
	if d.Format != "" && d.Format != "rrweb" {
		return nil, DOMReplayFile + " is in format " + d.Format + ", which this Reprokit does not play; update Reprokit"
	}
	r := &report.Replay{}
	for _, t := range d.Tabs {
		if len(t.Events) > 0 {
			r.Tabs = append(r.Tabs, report.ReplayTab{Target: t.Target, Events: t.Events})
		}
	}
	if len(r.Tabs) == 0 {
		return nil, ""
	}
	budget := maxReplayImagesBundle
	if limits.images {
		budget = maxReplayImagesFull
	}
	r.Images = replayImages(raw, doc, infos, budget)
	return r, ""
}

// replayImages maps the URLs of the HAR's image responses that the
// recorded pages name to data: URLs of their bodies, within budget bytes.
func replayImages(dom []byte, doc *harDoc, infos []entryInfo, budget int) map[string]string {
	text := string(dom)
	out := map[string]string{}
	for i := range infos {
		e := infos[i].e
		u := e.Request.URL
		if out[u] != "" || !strings.HasPrefix(strings.ToLower(e.Response.Content.MimeType), "image/") || doc.bodyLen[i] == 0 || doc.bodyLen[i] > maxImagePreview*4/3 {
			continue
		}
		if !strings.Contains(text, inJSONString(u, false)) && !strings.Contains(text, inJSONString(u, true)) {
			continue // not on the recorded pages
		}
		body, enc := doc.responseText(i)
		if enc != "base64" {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			continue
		}
		src := imageDataURL(b)
		if src == "" || len(src) > budget {
			continue
		}
		budget -= len(src)
		out[u] = src
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// inJSONString is s as it appears inside a JSON string, without the quotes,
// with or without HTML escaping.
func inJSONString(s string, html bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	enc.Encode(s)
	out := strings.TrimSuffix(b.String(), "\n")
	return strings.TrimSuffix(strings.TrimPrefix(out, `"`), `"`)
}
