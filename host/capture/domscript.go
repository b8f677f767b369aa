package capture

import (
	_ "embed"
	"encoding/json"
	"strings"

	"github.com/reprokit/reprokit/host/domreplay"
)

// domStarter starts rrweb in a frame and batches its events to the binding
// [DOMBinding]; [domScript] puts it behind the rrweb recorder.
//
//go:embed domscript.js
var domStarter string

// DOMBinding is the name of the Runtime binding the DOM recorder calls with
// one batch of rrweb events: {"events": [...], "origins": {...}}. The
// recorder writes each batch as a line of [DOMFile].
const DOMBinding = "__reprokitDOM"

// DOMFile is the name of the DOM events stream in a spool: one JSON object
// per line, {"target": "<target id of the tab>", "events": [rrweb events]},
// plus "origins" (index -> frame origin) for events of cross-origin frames.
const DOMFile = "dom.jsonl"

// DOMOptions are the privacy settings of the DOM recorder.
type DOMOptions struct {
	// BlockSelectors are CSS selectors whose elements are recorded as
	// empty placeholders, added to the built-in ones (password inputs and
	// [data-private]): the managed key domBlockSelectors.
	BlockSelectors []string
	// MaskAllText masks every text of the page (managed domMaskAllText).
	MaskAllText bool
}

// domScript returns the source injected into every frame: the starter with
// its configuration and a function that evaluates the rrweb recorder inside
// a closure (the page sees no rrwebRecord global, and an AMD or CommonJS
// loader of the page is not used). The starter calls it only once the page
// has loaded: at document start V8 merely pre-parses the 77 KB, so the
// page's own load does not pay for compiling it.
func domScript(o DOMOptions) string {
	cfg, _ := json.Marshal(map[string]any{"blockSelectors": nonNilStrings(o.BlockSelectors), "maskAllText": o.MaskAllText})
	var b strings.Builder
	b.Grow(len(domreplay.RecorderJS) + len(domStarter) + 256)
	b.WriteString("(function(){function __load(){var __rk={};(function(exports,module,define){\n")
	b.WriteString(domreplay.RecorderJS)
	b.WriteString("\n}).call(__rk);var __rec=__rk.rrwebRecord;return __rec&&__rec.record;}\n(")
	b.WriteString(domStarter)
	b.WriteString(")(__load,")
	b.Write(cfg)
	b.WriteString(");})();\n")
	return b.String()
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
