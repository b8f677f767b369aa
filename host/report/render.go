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
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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

// Render writes report.html for d to w.
func Render(w io.Writer, d *Data) error {
	// '<', '>' and '&' as \u003c… (and U+2028/9 escaped): the data cannot
	// close its <script> block or break out of it.
	data, err := jsonv2.Marshal(d, jsontext.EscapeForHTML(true), jsontext.EscapeForJS(true), jsontext.AllowInvalidUTF8(true))
	if err != nil {
		return fmt.Errorf("render the report: encode its data: %w", err)
	}
	title := d.Title
	if title == "" {
		title = "Reprokit report"
	}
	out := shell
	repl := strings.NewReplacer(
		"{{CSP}}", html.EscapeString(CSP),
		"{{TITLE}}", html.EscapeString(title),
		"{{CSS}}", css,
		"{{JS}}", js,
	)
	out = repl.Replace(out)
	before, after, ok := strings.Cut(out, "{{DATA}}")
	if !ok {
		return fmt.Errorf("render the report: the page template has no data slot")
	}
	if _, err := io.WriteString(w, before); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	if _, err := io.WriteString(w, after); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	return nil
}
