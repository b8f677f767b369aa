package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/reprokit/reprokit/host/har"
	"github.com/reprokit/reprokit/host/report"
)

// Preview limits of the report: the report inside a bundle keeps it small
// (the bundle has session.har anyway); a report made on the support side
// (`reprokit report`, `view`) shows more.
const (
	previewBytesBundle = 32 << 10
	previewTotalBundle = 4 << 20
	previewBytesFull   = 256 << 10
	previewTotalFull   = 96 << 20
	maxFrames          = 200
	maxFrameBytes      = 2 << 10
	maxImagePreview    = 256 << 10
)

// reportLimits bound what the report embeds.
type reportLimits struct {
	perBody int
	total   int
	images  bool // embed small image bodies as previews
}

var (
	bundleLimits = reportLimits{perBody: previewBytesBundle, total: previewTotalBundle}
	fullLimits   = reportLimits{perBody: previewBytesFull, total: previewTotalFull, images: true}
)

// reportPreview reports whether the bundle's report embeds a preview of the
// response body of entry i (a text body).
func (p *pack) reportPreview(i int) bool {
	return textMime(p.infos[i].e.Response.Content.MimeType) && p.infos[i].kind != "image"
}

func textMime(mt string) bool {
	mt = strings.ToLower(mt)
	return strings.HasPrefix(mt, "text/") || strings.Contains(mt, "json") || strings.Contains(mt, "xml") ||
		strings.Contains(mt, "javascript") || strings.Contains(mt, "x-www-form-urlencoded") || strings.Contains(mt, "graphql") || mt == ""
}

// ReportData builds what report.html shows for the bundle.
func (b *Bundle) ReportData() *report.Data {
	infos := make([]entryInfo, len(b.doc.entries))
	for i := range b.doc.entries {
		infos[i] = newEntryInfo(&b.doc.entries[i])
	}
	m := b.Manifest
	var warnings []string
	warnings = append(warnings, b.Warnings...)
	if b.Kind == "har" {
		warnings = append(warnings, "This is a bare HAR, not a Reprokit bundle: it may hold unsanitized secrets, and has no screenshots, console or steps.")
	}
	title := "Reprokit report"
	if h := mainHost(infos); h != "" {
		title += ": " + h
	}
	d := buildReport(reportInput{
		title: title, source: filepath.Base(b.Path), kind: b.Kind, manifest: m, doc: b.doc, infos: infos,
		ids: m.RequestIDs, findings: m.Findings,
		console: b.Console, steps: b.Steps, shots: b.Screenshots, cast: b.Screencast, support: b.Support,
		warnings: warnings, limits: fullLimits, dom: b.dom,
	})
	d.Integrity = b.Integrity
	return d
}

type reportInput struct {
	title, source, kind string
	manifest            *Manifest
	doc                 *harDoc
	infos               []entryInfo
	// ids and findings point at entries (by index); the bundle writer
	// passes its own, as its manifest is not made yet when the report is.
	ids         []RequestID
	findings    []Finding
	console     []ConsoleMessage
	steps       []Step
	shots, cast []Image
	support     string
	warnings    []string
	limits      reportLimits
	// dom is dom.json, the DOM session replay (nil: none).
	dom []byte
}

func mainHost(infos []entryInfo) string {
	for i := range infos {
		if infos[i].kind == "document" && infos[i].host != "" {
			return infos[i].host
		}
	}
	if len(infos) > 0 {
		return infos[0].host
	}
	return ""
}

func buildReport(in reportInput) *report.Data {
	mj, _ := json.Marshal(in.manifest)
	d := &report.Data{
		Title: in.title, Source: in.source, Kind: in.kind, Manifest: mj, Support: in.support,
		Warnings: in.warnings, Entries: make([]report.Entry, len(in.infos)),
	}
	d.Browser = browserOf(in.manifest.Environment)
	setReportWords(d, in.manifest)
	ids := map[int][]string{}
	for _, r := range in.ids {
		if !slices.Contains(ids[r.Entry], r.Value) {
			ids[r.Entry] = append(ids[r.Entry], r.Value)
		}
	}
	findingRules := map[int][]string{}
	for _, f := range in.findings {
		for _, i := range f.Entries {
			findingRules[i] = append(findingRules[i], f.Rule)
		}
	}
	budget := in.limits.total
	// Failed entries and finding entries get their previews first.
	order := make([]int, 0, len(in.infos))
	for i := range in.infos {
		if in.infos[i].failed || len(findingRules[i]) > 0 {
			order = append(order, i)
		}
	}
	for i := range in.infos {
		if !(in.infos[i].failed || len(findingRules[i]) > 0) {
			order = append(order, i)
		}
	}
	for _, i := range order {
		info := &in.infos[i]
		e := info.e
		re := report.Entry{
			Method: e.Request.Method, URL: e.Request.URL, Status: e.Response.Status, StatusText: e.Response.StatusText,
			Type: info.kind, Mime: e.Response.Content.MimeType, Start: info.startMs, Time: e.Time,
			Timings: [7]float64{e.Timings.Blocked, e.Timings.DNS, e.Timings.Connect, e.Timings.SSL, e.Timings.Send, e.Timings.Wait, e.Timings.Receive},
			Size:    max(e.Response.Content.Size, int64(in.doc.bodyLen[i])), Transfer: max(e.TransferSize, e.Response.TransferSize),
			Error: info.errText, Failed: info.failed, Incomplete: e.Incomplete, Protocol: e.Response.HTTPVersion,
			ServerIP: e.ServerIPAddress, Initiator: initiatorText(e.Initiator), Target: e.Target, FromCache: e.FromCache,
			ReqHeaders: pairs(e.Request.Headers), ResHeaders: pairs(e.Response.Headers), Query: pairs(e.Request.QueryString),
			ReqCookies: len(e.Request.Cookies), ResCookies: len(e.Response.Cookies),
			Findings: findingRules[i], IDs: ids[i], Page: e.Pageref, Redirect: e.Response.RedirectURL,
			CorsErr: e.CorsError, Blocked: e.BlockedReason,
		}
		if re.Transfer == 0 && e.Response.BodySize > 0 {
			re.Transfer = e.Response.BodySize + max(e.Response.HeadersSize, 0)
		}
		if pd := e.Request.PostData; pd != nil {
			re.ReqMime = pd.MimeType
			limit := min(in.limits.perBody, max(budget, 4096))
			text, total := in.doc.requestHead(i, limit+8)
			re.ReqSize = max(e.Request.BodySize, int64(total))
			if pd.Encoding == "base64" {
				re.ReqSize = max(e.Request.BodySize, int64(total*3/4))
				re.ReqNote = "Binary request body (" + HumanSize(int64(total*3/4)) + "): not previewed in the report; session.har holds it."
				text = "" // the fields below say what it held
			} else {
				preview, _ := clip(text, limit)
				budget -= len(preview)
				re.ReqBody, re.ReqCut = preview, int64(max(0, total-len(preview)))
			}
			if text == "" && len(pd.Params) > 0 {
				var b strings.Builder
				for _, p := range pd.Params {
					b.WriteString(p.Name)
					b.WriteString(": ")
					if p.FileName != "" {
						b.WriteString("(file " + p.FileName + ", " + p.ContentType + ")")
						if len(pd.Params) <= 2 && re.ReqSize > 0 {
							b.WriteString(", about " + HumanSize(re.ReqSize))
						}
					} else {
						b.WriteString(p.Value)
					}
					b.WriteByte('\n')
				}
				re.ReqBody = b.String()
			}
		}
		if n := in.doc.bodyLen[i]; n > 0 {
			mt := strings.ToLower(e.Response.Content.MimeType)
			limit := min(in.limits.perBody, max(budget, 0))
			if info.failed || len(findingRules[i]) > 0 {
				limit = max(limit, min(in.limits.perBody, 16<<10)) // evidence always shows
			}
			imageCandidate := in.limits.images && strings.HasPrefix(mt, "image/") && n <= maxImagePreview*4/3
			var text, enc string
			var total int
			if imageCandidate {
				text, enc = in.doc.responseText(i)
				total = len(text)
			} else {
				// A large body is previewed from its start, not unquoted
				// whole.
				text, total, enc = in.doc.responseHead(i, max(limit, 16)*4/3+8)
			}
			switch {
			case enc == "base64" && imageCandidate && len(text) <= maxImagePreview*4/3:
				if raw, err := base64.StdEncoding.DecodeString(text); err == nil {
					if src := imageDataURL(raw); src != "" && budget > len(src) {
						re.Image = src
						budget -= len(src)
					}
				}
				if re.Image == "" {
					re.BodyNote = "Image body (" + HumanSize(int64(len(text)*3/4)) + ") not previewed."
				}
			case enc == "base64":
				head := text
				if total > len(text) {
					head = text[:len(text)/4*4]
				}
				raw, err := base64.StdEncoding.DecodeString(head)
				if err == nil && total > len(text) {
					for k := 0; k < 3 && len(raw) > 0 && !utf8.Valid(raw); k++ {
						raw = raw[:len(raw)-1] // a character cut by the head
					}
				}
				if err == nil && textMime(mt) && utf8.Valid(raw) {
					preview, _ := clip(string(raw), limit)
					budget -= len(preview)
					re.ResBody, re.ResCut = preview, int64(max(0, total*3/4-len(preview)))
				} else {
					re.BodyNote = "Binary body (" + mt + ", " + HumanSize(int64(total*3/4)) + "): see session.har."
				}
			case textMime(mt) || info.kind != "image":
				preview, _ := clip(text, limit)
				budget -= len(preview)
				re.ResBody, re.ResCut = preview, int64(max(0, total-len(preview)))
			}
		}
		if res, req := trimmedNotes(in.doc, i); res != "" || req != "" {
			if res != "" {
				if re.BodyNote != "" {
					re.BodyNote += " "
				}
				re.BodyNote += res
			}
			if req != "" {
				re.ReqNote = req
			}
		}
		if len(e.WebSocketMessages) > 0 {
			re.WSTotal = len(e.WebSocketMessages)
			for k, m := range e.WebSocketMessages {
				if k >= maxFrames {
					break
				}
				data, cut := clip(m.Data, maxFrameBytes)
				if m.Opcode == 2 {
					data, cut = "(binary, "+strconv.Itoa(len(m.Data)*3/4)+" bytes)", 0
				}
				re.WS = append(re.WS, report.Frame{Dir: m.Type, Time: m.Time * 1000, Op: m.Opcode, Data: data, Cut: cut})
			}
		}
		if len(e.EventSourceMessages) > 0 {
			re.WSTotal = len(e.EventSourceMessages)
			for k, m := range e.EventSourceMessages {
				if k >= maxFrames {
					break
				}
				data, cut := clip(m.Data, maxFrameBytes)
				label := m.EventName
				if label != "" && label != "message" {
					data = label + ": " + data
				}
				re.WS = append(re.WS, report.Frame{Dir: "event", Time: m.Time * 1000, Data: data, Cut: cut})
			}
		}
		if c := e.WebSocketClose; c != nil {
			switch {
			case c.Error != "":
				re.WSClose = "Closed abnormally: " + c.Error
			case c.Closed:
				re.WSClose = "Closed."
			}
		}
		d.Entries[i] = re
	}
	for _, mem := range in.doc.log {
		if mem.name != "pages" {
			continue
		}
		var pages []har.Page
		json.Unmarshal(mem.value, &pages)
		for _, p := range pages {
			var start Millis
			start.UnmarshalJSON([]byte(strconv.Quote(p.StartedDateTime)))
			d.Pages = append(d.Pages, report.Page{ID: p.ID, Title: p.Title, Start: float64(start), Target: p.TargetID})
		}
	}
	for _, c := range in.console {
		var stack string
		if len(c.Stack) > 0 && string(c.Stack) != "null" {
			stack = stackText(c.Stack)
		}
		text, _ := clip(c.Text, 8<<10)
		d.Console = append(d.Console, report.Console{Time: float64(c.Time), Level: normLevel(c.Level), Source: c.Source, Text: text, URL: c.URL, Line: c.Line, Stack: stack})
	}
	for _, s := range in.steps {
		text := s.Describe()
		if text == "" {
			continue // a key release
		}
		d.Steps = append(d.Steps, report.Step{Time: float64(s.when()), Type: s.Type, Text: text, URL: s.URL})
	}
	seen := map[[32]byte]bool{}
	for _, s := range in.shots {
		// A screenshot identical to one already shown (a page that did not
		// change between a load and the stop) is shown once.
		sum := sha256.Sum256(s.Data)
		if seen[sum] {
			continue
		}
		seen[sum] = true
		if src := imageDataURL(s.Data); src != "" {
			d.Screenshots = append(d.Screenshots, report.Image{File: s.File, Time: float64(s.Time), URL: s.URL, Reason: s.Reason, Width: s.Width, Height: s.Height, Src: src})
		}
	}
	for _, s := range in.cast {
		if src := imageDataURL(s.Data); src != "" {
			d.Screencast = append(d.Screencast, report.Image{File: s.File, Time: float64(s.Time), URL: s.URL, Src: src})
		}
	}
	var warn string
	d.DOM, warn = replayOf(in.dom, in.doc, in.infos, in.limits)
	if warn != "" {
		d.Warnings = append(d.Warnings, warn)
	}
	return d
}

func normLevel(l string) string {
	switch strings.ToLower(l) {
	case "error", "exception", "assert":
		return "error"
	case "warning", "warn":
		return "warning"
	case "info":
		return "info"
	case "debug", "verbose", "trace":
		return "debug"
	case "note":
		return "note" // the reporter's "Add a note" markers
	}
	return "log"
}

// imageDataURL returns a data: URL for a PNG, JPEG, GIF or WebP image,
// with the type sniffed from the bytes (never taken from the input), or "".
func imageDataURL(b []byte) string {
	ct := http.DetectContentType(b)
	switch ct {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return "data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(b)
	}
	return ""
}

// clip cuts s to at most n bytes at a rune boundary; it returns the kept
// text and how many bytes were left out.
func clip(s string, n int) (string, int) {
	if n < 0 {
		n = 0
	}
	if len(s) <= n {
		return s, 0
	}
	cut := safeCut(s, n)
	return s[:cut], len(s) - cut
}

func pairs(nv []har.NameValue) [][2]string {
	if len(nv) == 0 {
		return nil
	}
	out := make([][2]string, len(nv))
	for i, h := range nv {
		out[i] = [2]string{h.Name, h.Value}
	}
	return out
}

// initiatorText summarizes a DevTools initiator: its type and the URL and
// line of the script that started the request.
func initiatorText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var in struct {
		Type       string  `json:"type"`
		URL        string  `json:"url"`
		LineNumber float64 `json:"lineNumber"`
		Stack      *struct {
			CallFrames []struct {
				FunctionName string  `json:"functionName"`
				URL          string  `json:"url"`
				LineNumber   float64 `json:"lineNumber"`
			} `json:"callFrames"`
		} `json:"stack"`
	}
	if json.Unmarshal(raw, &in) != nil {
		return ""
	}
	s := in.Type
	switch {
	case in.URL != "":
		s += " " + in.URL
		if in.LineNumber > 0 {
			s += ":" + strconv.Itoa(int(in.LineNumber)+1)
		}
	case in.Stack != nil && len(in.Stack.CallFrames) > 0:
		f := in.Stack.CallFrames[0]
		s += " " + f.URL + ":" + strconv.Itoa(int(f.LineNumber)+1)
		if f.FunctionName != "" {
			s += " (" + f.FunctionName + ")"
		}
	}
	return s
}

// stackText formats a console stack (CDP StackTrace or a string).
func stackText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var st struct {
		CallFrames []struct {
			FunctionName string  `json:"functionName"`
			URL          string  `json:"url"`
			LineNumber   float64 `json:"lineNumber"`
			ColumnNumber float64 `json:"columnNumber"`
		} `json:"callFrames"`
	}
	if json.Unmarshal(raw, &st) != nil {
		return ""
	}
	var b strings.Builder
	for i, f := range st.CallFrames {
		if i >= 10 {
			break
		}
		name := f.FunctionName
		if name == "" {
			name = "(anonymous)"
		}
		b.WriteString("    at " + name + " (" + f.URL + ":" + strconv.Itoa(int(f.LineNumber)+1) + ":" + strconv.Itoa(int(f.ColumnNumber)+1) + ")\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// trimmedNotes say what the size budget did to an entry's response and
// request bodies, from the `_reprokitTrimmed` markers it left in the raw
// entry.
func trimmedNotes(doc *harDoc, i int) (res, req string) {
	if !doc.mayBeTrimmed(i) {
		return "", ""
	}
	raw := doc.entryRaw(i)
	if !bytes.Contains(raw, []byte("_reprokitTrimmed")) {
		return "", ""
	}
	var x struct {
		Request struct {
			PostData struct {
				T *struct {
					Action       string `json:"action"`
					OriginalSize int64  `json:"originalSize"`
				} `json:"_reprokitTrimmed"`
			} `json:"postData"`
		} `json:"request"`
		Response struct {
			Content struct {
				T *struct {
					Action       string `json:"action"`
					OriginalSize int64  `json:"originalSize"`
				} `json:"_reprokitTrimmed"`
			} `json:"content"`
		} `json:"response"`
	}
	json.Unmarshal(raw, &x)
	if t := x.Response.Content.T; t != nil {
		res = "The size budget " + budgetVerb(t.Action) + " the response body (" + HumanSize(t.OriginalSize) + " originally)."
	}
	if t := x.Request.PostData.T; t != nil {
		req = HumanSize(t.OriginalSize) + ", not kept: over the size budget (" + budgetVerb(t.Action) + ")."
	}
	return res, req
}

func budgetVerb(action string) string {
	if action == "truncate-body" {
		return "truncated"
	}
	return "removed"
}

// browserOf names the browser of an environment.json ("" when unknown).
func browserOf(raw json.RawMessage) string {
	var env struct{ Browser envBrowser }
	if len(raw) == 0 || json.Unmarshal(raw, &env) != nil {
		return ""
	}
	return env.Browser.label()
}
