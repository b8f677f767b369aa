package replay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// bodyKind is how a request body was understood.
type bodyKind uint8

const (
	bodyRaw bodyKind = iota
	bodyJSON
	bodyForm
	bodyMultipart
)

// body is a request body in the forms the matcher compares: the bytes, and
// when they parse, the decoded JSON, the form fields or the multipart parts
// (without the boundary, which every browser picks anew).
type body struct {
	present bool
	raw     []byte
	kind    bodyKind
	json    any
	form    []param
	parts   []part
}

// part is one multipart part.
type part struct {
	name, fileName, contentType string
	data                        string
}

func parseBody(raw []byte, contentType string) body {
	b := body{present: len(raw) > 0, raw: raw}
	if !b.present {
		return b
	}
	mt, params, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "application/x-www-form-urlencoded":
		if vs, err := url.ParseQuery(string(raw)); err == nil {
			for n, list := range vs {
				for _, v := range list {
					b.form = append(b.form, param{n, v})
				}
			}
			sortParams(b.form)
			b.kind = bodyForm
			return b
		}
	case strings.HasPrefix(mt, "multipart/"):
		parts, ok := parseMultipart(raw, params["boundary"])
		if !ok {
			// The declared boundary may not be the one in the body (a
			// sanitizer can redact either): use the body's first line.
			parts, ok = parseMultipart(raw, "")
		}
		if ok {
			b.parts, b.kind = parts, bodyMultipart
			return b
		}
	}
	// JSON whatever the declared type: pages often post JSON as text/plain.
	if t := bytes.TrimSpace(raw); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		d := json.NewDecoder(bytes.NewReader(t))
		d.UseNumber()
		var v any
		if d.Decode(&v) == nil && !d.More() {
			b.json, b.kind = v, bodyJSON
		}
	}
	return b
}

func parseMultipart(raw []byte, boundary string) ([]part, bool) {
	if boundary == "" {
		// A recorded body may have lost its Content-Type: take the
		// boundary from the first line ("--boundary\r\n").
		line, _, _ := bytes.Cut(raw, []byte("\n"))
		line = bytes.TrimSpace(line)
		if !bytes.HasPrefix(line, []byte("--")) {
			return nil, false
		}
		boundary = string(line[2:])
	}
	r := multipart.NewReader(bytes.NewReader(raw), boundary)
	var out []part
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return out, true
		}
		if err != nil {
			return nil, false
		}
		data, err := io.ReadAll(io.LimitReader(p, 64<<20))
		if err != nil {
			return nil, false
		}
		out = append(out, part{
			name: p.FormName(), fileName: p.FileName(),
			contentType: p.Header.Get("Content-Type"), data: string(data),
		})
	}
}

// bodyResult is the comparison of a recorded body with a request's.
type bodyResult struct {
	score float64 // 0..1
	exact bool    // equal bytes, or equal once parsed, redactions aside
	how   string  // "bytes", "canonical-json", "form", "multipart", …
	notes []string
	// volatile counts the values ignored as generated (timestamps, UUIDs).
	volatile int
}

// compareBody compares a recorded body with a request body. got.present is
// false when the request had none; unknown is true when the browser said the
// request had a body but did not give it (large uploads).
func compareBody(rec, got body, unknown bool, volatile map[string]bool, silent bool) bodyResult {
	switch {
	case !rec.present && !got.present && unknown:
		return bodyResult{score: 1, how: "body not available"}
	case !rec.present && !got.present:
		return bodyResult{score: 1, exact: true, how: "no body"}
	case !got.present && unknown:
		return bodyResult{score: 1, how: "body not available"}
	case !rec.present || !got.present:
		// Usable when nothing better exists: recordings lose bodies
		// (budget, uploads the browser did not pass on).
		return bodyResult{score: 0.5, how: "body on one side only"}
	}
	if bytes.Equal(rec.raw, got.raw) {
		return bodyResult{score: 1, exact: true, how: "bytes"}
	}
	switch {
	case rec.kind == bodyJSON && got.kind == bodyJSON:
		c := leafCount{silent: silent}
		hard := compareJSON(rec.json, got.json, "", volatile, &c)
		r := c.result("canonical-json")
		if hard {
			r.score, r.exact = 0, false
			r.notes = append(r.notes, "graphql operationName differs")
		}
		return r
	case rec.kind == bodyForm && got.kind == bodyForm:
		c := leafCount{silent: silent}
		compareParams(rec.form, got.form, volatile, &c)
		return c.result("form")
	case rec.kind == bodyMultipart && got.kind == bodyMultipart:
		return compareParts(rec.parts, got.parts, silent)
	}
	if rs := string(rec.raw); strings.Contains(rs, redactionMark) && redactedEqual(rs, string(got.raw)) {
		return bodyResult{score: 1, exact: true, how: "bytes with redactions"}
	}
	// Opaque bodies that differ: usable only when nothing better exists.
	return bodyResult{score: 0.5, how: "bytes differ"}
}

// leafCount counts compared leaves: equal (redacted placeholders included),
// volatile (generated on both sides, ignored) and different.
type leafCount struct {
	equal, volatile, differ int
	notes                   []string
	silent                  bool // count only; no notes (scoring many candidates)
}

func (c *leafCount) result(how string) bodyResult {
	r := bodyResult{how: how, notes: c.notes, volatile: c.volatile}
	n := c.equal + c.differ
	if n == 0 {
		r.score = 1
	} else {
		r.score = float64(c.equal) / float64(n)
	}
	r.exact = c.differ == 0 && c.volatile == 0
	return r
}

func (c *leafCount) note(format string, a ...any) {
	if !c.silent && len(c.notes) < 4 {
		c.notes = append(c.notes, fmt.Sprintf(format, a...))
	}
}

// compareJSON walks two decoded JSON values. It returns true when a GraphQL
// operationName differs: then the requests are different operations, however
// alike the rest is.
func compareJSON(rec, got any, path string, volatile map[string]bool, c *leafCount) (hard bool) {
	switch rv := rec.(type) {
	case map[string]any:
		gv, ok := got.(map[string]any)
		if !ok {
			c.differ++
			c.note("%s: type differs", pathOr(path))
			return false
		}
		keys := make([]string, 0, len(rv)+len(gv))
		for k := range rv {
			keys = append(keys, k)
		}
		for k := range gv {
			if _, ok := rv[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := path + "." + k
			r, rok := rv[k]
			g, gok := gv[k]
			switch {
			case volatileName(k, volatile):
				if !rok || !gok || !jsonScalarEqual(r, g) {
					c.volatile++
				} else {
					c.equal++
				}
			case !rok || !gok:
				c.differ++
				c.note("%s: on one side only", p)
			default:
				if compareJSON(r, g, p, volatile, c) {
					hard = true
				}
				if k == "operationName" && path == "" && !jsonScalarEqual(r, g) {
					hard = true
				}
			}
		}
		return hard
	case []any:
		gv, ok := got.([]any)
		if !ok {
			c.differ++
			c.note("%s: type differs", pathOr(path))
			return false
		}
		n := max(len(rv), len(gv))
		for i := range n {
			if i >= len(rv) || i >= len(gv) {
				c.differ++
				continue
			}
			if compareJSON(rv[i], gv[i], fmt.Sprintf("%s[%d]", path, i), volatile, c) {
				hard = true
			}
		}
		if len(rv) != len(gv) {
			c.note("%s: %d items, recorded %d", pathOr(path), len(gv), len(rv))
		}
		return hard
	default:
		rs, gs := jsonScalar(rec), jsonScalar(got)
		switch {
		case rs == gs:
			c.equal++
		case strings.Contains(rs, redactionMark) && redactedEqual(rs, gs):
			c.equal++
		case looksGenerated(rs) && looksGenerated(gs):
			c.volatile++
		default:
			c.differ++
			c.note("%s differs", pathOr(path))
		}
		return false
	}
}

func pathOr(p string) string {
	if p == "" {
		return "$"
	}
	return "$" + p
}

func jsonScalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	case nil:
		return "null"
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

func jsonScalarEqual(a, b any) bool {
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	return bytes.Equal(ab, bb)
}

// compareParts compares multipart parts by name, in order within a name
// (a browser keeps FormData's order, but a sanitizer may drop or merge
// repeated parts). Parts whose recorded values are all redacted match any
// number of parts of that name.
func compareParts(rec, got []part, silent bool) bodyResult {
	c := leafCount{silent: silent}
	var names []string
	byName := func(ps []part) map[string][]part {
		m := map[string][]part{}
		for _, p := range ps {
			if _, ok := m[p.name]; !ok && !slices.Contains(names, p.name) {
				names = append(names, p.name)
			}
			m[p.name] = append(m[p.name], p)
		}
		return m
	}
	rm, gm := byName(rec), byName(got)
	for _, name := range names {
		rv, gv := rm[name], gm[name]
		if len(rv) != len(gv) && len(rv) > 0 && len(gv) > 0 && allPartsRedacted(rv) {
			c.equal++
			continue
		}
		for i := range max(len(rv), len(gv)) {
			if i >= len(rv) || i >= len(gv) {
				c.differ++
				if len(rv) == 0 {
					c.note("part %q not recorded", name)
				} else {
					c.note("part %q: %d sent, recorded %d", name, len(gv), len(rv))
				}
				break
			}
			r, g := rv[i], gv[i]
			switch {
			case r.data == g.data && r.fileName == g.fileName:
				c.equal++
			case strings.Contains(r.data, redactionMark) && redactedEqual(r.data, g.data):
				c.equal++
			case strings.Contains(r.fileName, redactionMark) && r.data == g.data:
				c.equal++
			case g.fileName != "" && isUploadStandIn(g.data) && (r.fileName == g.fileName || strings.Contains(r.fileName, redactionMark)):
				// The replay page sent a stand-in for a large file
				// (see uploadStandInScript): any file in its place.
				c.equal++
				c.note("part %q: the file's bytes were left out by the replay", r.name)
			case looksGenerated(r.data) && looksGenerated(g.data):
				c.volatile++
			default:
				c.differ++
				c.note("part %q differs", r.name)
			}
		}
	}
	return c.result("multipart")
}

// allPartsRedacted reports whether every part's value is one whole
// redaction tag (a file part's sized tag included).
func allPartsRedacted(ps []part) bool {
	for _, p := range ps {
		if !wholeTag(p.data, true) {
			return false
		}
	}
	return true
}
