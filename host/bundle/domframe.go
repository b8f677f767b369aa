package bundle

import (
	"encoding/json"
	"html"
	"sort"
	"strings"
)

// ReviewDOMReplay is the DOM session replay as the reporter reviews it
// before saving: how much it holds and its first and last frame, as the
// support engineer's player will show them.
type ReviewDOMReplay struct {
	Tabs       int     `json:"tabs"`
	Events     int     `json:"events"`
	DurationMs float64 `json:"durationMs"`
	// Bytes is the size of dom.json (sanitized, before compression).
	Bytes int64        `json:"bytes"`
	First *ReviewFrame `json:"first,omitempty"`
	Last  *ReviewFrame `json:"last,omitempty"`
	// Dropped: the reporter chose to leave the replay out
	// ([Options.DropDOMReplay]).
	Dropped bool `json:"dropped,omitempty"`
}

// ReviewFrame is one moment of the replay as a static page: HTML with no
// script, no event handler, no frame and no URL that loads anything
// (images are placeholders, style sheets keep only data: URLs), made to
// be shown in an iframe sandboxed with no permission at all. It starts
// with a CSP that allows nothing but inline styles and data: images.
type ReviewFrame struct {
	Time   float64 `json:"time"` // ms since the epoch
	URL    string  `json:"url,omitempty"`
	Width  int     `json:"width,omitempty"`
	Height int     `json:"height,omitempty"`
	HTML   string  `json:"html,omitempty"`
	// Note says why HTML is empty (the page is too large to preview).
	Note string `json:"note,omitempty"`
}

// maxFrameHTML bounds one frame of the review (the review travels to the
// extension in native messages).
const maxFrameHTML = 192 << 10

// frameCSP is the first element of every review frame.
const frameCSP = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`

// ReviewDOM summarizes a dom.json document for the review: the first
// frame of the first tab (the one the user started on) and the last frame
// of the tab that changed last. It returns nil when the document does not
// read or holds no event.
func ReviewDOM(dom []byte) *ReviewDOMReplay {
	if len(dom) == 0 {
		return nil
	}
	var d struct {
		Tabs []struct {
			Events []rrEvent `json:"events"`
		} `json:"tabs"`
	}
	if json.Unmarshal(dom, &d) != nil {
		return nil
	}
	rv := &ReviewDOMReplay{Bytes: int64(len(dom))}
	var first, last float64
	lastTab := -1
	for k, t := range d.Tabs {
		if len(t.Events) == 0 {
			continue
		}
		rv.Tabs++
		rv.Events += len(t.Events)
		sort.SliceStable(t.Events, func(i, j int) bool { return t.Events[i].Timestamp < t.Events[j].Timestamp })
		if b := t.Events[0].Timestamp; first == 0 || b < first {
			first = b
		}
		if e := t.Events[len(t.Events)-1].Timestamp; e >= last {
			last, lastTab = e, k
		}
	}
	if rv.Events == 0 {
		return nil
	}
	rv.DurationMs = last - first
	for k, t := range d.Tabs {
		if len(t.Events) > 0 {
			rv.First = frameOf(t.Events, true)
			if lastTab < 0 {
				lastTab = k
			}
			break
		}
	}
	rv.Last = frameOf(d.Tabs[lastTab].Events, false)
	return rv
}

// rrEvent is an rrweb event (eventWithTime) as the review reads it.
type rrEvent struct {
	Type      int             `json:"type"`
	Data      json.RawMessage `json:"data"`
	Timestamp float64         `json:"timestamp"`
}

// rrNode is rrweb's serialized node (serializedNodeWithId).
type rrNode struct {
	Type        int                        `json:"type"`
	ID          int                        `json:"id"`
	TagName     string                     `json:"tagName"`
	Attributes  map[string]json.RawMessage `json:"attributes"`
	ChildNodes  []*rrNode                  `json:"childNodes"`
	TextContent string                     `json:"textContent"`
	IsStyle     bool                       `json:"isStyle"`
	parent      *rrNode
}

// mirror is the page as the events build it: rrweb's replayer in
// miniature (full snapshots, mutations, input values), enough for a still
// frame.
type mirror struct {
	root *rrNode
	byID map[int]*rrNode
}

func (m *mirror) index(n *rrNode, parent *rrNode) {
	n.parent = parent
	m.byID[n.ID] = n
	for _, c := range n.ChildNodes {
		m.index(c, n)
	}
}

func (m *mirror) detach(n *rrNode) {
	if p := n.parent; p != nil {
		for i, c := range p.ChildNodes {
			if c == n {
				p.ChildNodes = append(p.ChildNodes[:i], p.ChildNodes[i+1:]...)
				break
			}
		}
	}
	var drop func(*rrNode)
	drop = func(x *rrNode) {
		delete(m.byID, x.ID)
		for _, c := range x.ChildNodes {
			drop(c)
		}
	}
	drop(n)
}

func (m *mirror) apply(e rrEvent) {
	switch e.Type {
	case 2: // FullSnapshot
		var d struct {
			Node *rrNode `json:"node"`
		}
		if json.Unmarshal(e.Data, &d) == nil && d.Node != nil {
			m.root, m.byID = d.Node, map[int]*rrNode{}
			m.index(d.Node, nil)
		}
	case 3: // IncrementalSnapshot
		if m.root == nil {
			return
		}
		var d struct {
			Source  int `json:"source"`
			Removes []struct {
				ID int `json:"id"`
			} `json:"removes"`
			Adds []struct {
				ParentID int     `json:"parentId"`
				NextID   *int    `json:"nextId"`
				Node     *rrNode `json:"node"`
			} `json:"adds"`
			Texts []struct {
				ID    int     `json:"id"`
				Value *string `json:"value"`
			} `json:"texts"`
			Attributes []struct {
				ID         int                        `json:"id"`
				Attributes map[string]json.RawMessage `json:"attributes"`
			} `json:"attributes"`
			ID   int    `json:"id"`
			Text string `json:"text"`
		}
		if json.Unmarshal(e.Data, &d) != nil {
			return
		}
		switch d.Source {
		case 0: // Mutation: removes, adds, texts, attributes, as rrweb does
			for _, r := range d.Removes {
				if n := m.byID[r.ID]; n != nil {
					m.detach(n)
				}
			}
			pending := d.Adds
			for len(pending) > 0 {
				var later = pending[:0:0]
				for _, a := range pending {
					p := m.byID[a.ParentID]
					if a.Node == nil || p == nil {
						continue
					}
					at := len(p.ChildNodes)
					if a.NextID != nil {
						next := m.byID[*a.NextID]
						if next == nil || next.parent != p {
							later = append(later, a)
							continue
						}
						for i, c := range p.ChildNodes {
							if c == next {
								at = i
							}
						}
					}
					if old := m.byID[a.Node.ID]; old != nil {
						m.detach(old)
					}
					p.ChildNodes = append(p.ChildNodes[:at], append([]*rrNode{a.Node}, p.ChildNodes[at:]...)...)
					m.index(a.Node, p)
				}
				if len(later) == len(pending) {
					// Their next siblings never came: append them.
					for _, a := range later {
						a.NextID = nil
					}
				}
				pending = later
			}
			for _, t := range d.Texts {
				if n := m.byID[t.ID]; n != nil && t.Value != nil {
					n.TextContent = *t.Value
				}
			}
			for _, a := range d.Attributes {
				n := m.byID[a.ID]
				if n == nil {
					continue
				}
				if n.Attributes == nil {
					n.Attributes = map[string]json.RawMessage{}
				}
				for k, v := range a.Attributes {
					if string(v) == "null" {
						delete(n.Attributes, k)
					} else if len(v) > 0 && v[0] == '"' {
						n.Attributes[k] = v
					}
					// A style given as an object of properties is left
					// as it was: a still frame does without it.
				}
			}
		case 5: // Input
			if n := m.byID[d.ID]; n != nil {
				if n.Attributes == nil {
					n.Attributes = map[string]json.RawMessage{}
				}
				v, _ := json.Marshal(d.Text)
				n.Attributes["value"] = v
			}
		}
	}
}

// frameOf is the frame after the first full snapshot (first) or after
// every event (last).
func frameOf(evs []rrEvent, first bool) *ReviewFrame {
	m := &mirror{}
	f := &ReviewFrame{}
	for _, e := range evs {
		if e.Type == 4 { // Meta
			var d struct {
				Href   string `json:"href"`
				Width  int    `json:"width"`
				Height int    `json:"height"`
			}
			if json.Unmarshal(e.Data, &d) == nil {
				f.URL, f.Width, f.Height = d.Href, d.Width, d.Height
			}
		}
		m.apply(e)
		f.Time = e.Timestamp
		if first && m.root != nil {
			break
		}
	}
	if m.root == nil {
		return nil
	}
	for _, styles := range []bool{true, false} {
		var b strings.Builder
		b.WriteString(frameCSP)
		writeFrameHTML(&b, m.root, styles)
		if b.Len() <= maxFrameHTML {
			f.HTML = b.String()
			if !styles {
				f.Note = "Shown without the page's styles, which are too large to preview."
			}
			return f
		}
	}
	f.Note = "This page is too large to preview here; the report's player shows it."
	return f
}

// placeholderImage is the neutral box that stands for every image.
const placeholderImage = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='24' height='24'%3E%3Crect width='24' height='24' fill='%23e3e6ec'/%3E%3C/svg%3E"

// droppedTags are left out of a frame with their content: they run
// script, load something or change how the frame is read.
var droppedTags = map[string]bool{
	"script": true, "noscript": true, "iframe": true, "frame": true, "frameset": true, "object": true,
	"embed": true, "applet": true, "base": true, "meta": true, "link": true, "template": true,
	"portal": true, "video": true, "audio": true, "source": true, "track": true, "canvas": true,
}

// voidTags have no end tag.
var voidTags = map[string]bool{"area": true, "br": true, "col": true, "hr": true, "img": true, "input": true, "wbr": true}

func writeFrameHTML(b *strings.Builder, n *rrNode, styles bool) {
	switch n.Type {
	case 0: // Document
		for _, c := range n.ChildNodes {
			writeFrameHTML(b, c, styles)
		}
	case 1: // Doctype
		b.WriteString("<!DOCTYPE html>")
	case 3: // Text
		if n.parent != nil && strings.EqualFold(n.parent.TagName, "style") {
			if styles {
				b.WriteString(inertCSS(n.TextContent))
			}
			return
		}
		b.WriteString(html.EscapeString(n.TextContent))
	case 2: // Element
		tag := strings.ToLower(n.TagName)
		if !validTag(tag) {
			return
		}
		css := attrString(n.Attributes, "_cssText")
		if (tag == "link" || tag == "style") && css != "" {
			// rrweb keeps a style sheet's rules in _cssText.
			if styles {
				b.WriteString("<style>" + inertCSS(css) + "</style>")
			}
			return
		}
		if droppedTags[tag] {
			// A frame or a media element keeps its place as a grey box.
			if w, h := attrString(n.Attributes, "width"), attrString(n.Attributes, "height"); (tag == "iframe" || tag == "video" || tag == "canvas" || tag == "object" || tag == "embed") && (w != "" || h != "") {
				b.WriteString(`<div style="display:inline-block;background:#e3e6ec;width:` + cssLength(w) + `;height:` + cssLength(h) + `"></div>`)
			}
			return
		}
		if tag == "style" && !styles {
			return
		}
		b.WriteString("<" + tag)
		names := make([]string, 0, len(n.Attributes))
		for k := range n.Attributes {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			v := attrString(n.Attributes, k)
			lk := strings.ToLower(k)
			switch {
			case !validAttr(lk), strings.HasPrefix(lk, "on"), strings.HasPrefix(lk, "rr_"), lk == "_csstext",
				lk == "srcset", lk == "srcdoc", lk == "href", lk == "xlink:href", lk == "action", lk == "formaction",
				lk == "poster", lk == "background", lk == "ping", lk == "data", lk == "codebase", lk == "manifest", lk == "http-equiv":
				continue
			case lk == "src":
				if tag == "img" || tag == "input" {
					v = placeholderImage
				} else {
					continue
				}
			case lk == "style":
				if !styles {
					continue
				}
				v = inertCSS(v)
			}
			b.WriteString(" " + lk + `="` + html.EscapeString(v) + `"`)
		}
		// A blocked element (rrweb keeps its size) stays a grey box.
		if w, h := attrString(n.Attributes, "rr_width"), attrString(n.Attributes, "rr_height"); w != "" && h != "" {
			b.WriteString(` data-blocked="1" style="display:inline-block;background:#e3e6ec;width:` + cssLength(w) + `;height:` + cssLength(h) + `"`)
		}
		b.WriteString(">")
		if voidTags[tag] {
			return
		}
		for _, c := range n.ChildNodes {
			writeFrameHTML(b, c, styles)
		}
		b.WriteString("</" + tag + ">")
	}
}

func attrString(a map[string]json.RawMessage, k string) string {
	var s string
	if v, ok := a[k]; ok && json.Unmarshal(v, &s) == nil {
		return s
	}
	return ""
}

func validTag(t string) bool {
	if t == "" {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func validAttr(a string) bool {
	if a == "" {
		return false
	}
	for _, r := range a {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == ':') {
			return false
		}
	}
	return true
}

// cssLength is a number of pixels or a CSS length from an attribute, or
// "auto".
func cssLength(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "auto"
	}
	num := strings.TrimSuffix(strings.TrimSuffix(s, "px"), "%")
	for _, r := range num {
		if !(r >= '0' && r <= '9' || r == '.') {
			return "auto"
		}
	}
	if strings.HasSuffix(s, "%") {
		return num + "%"
	}
	return num + "px"
}

// inertCSS is CSS that loads nothing: every url() that is not a data:
// image becomes none, @import rules go, and nothing can close the <style>.
func inertCSS(css string) string {
	var b strings.Builder
	rest := css
	for {
		i := strings.Index(strings.ToLower(rest), "url(")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		end := strings.IndexByte(rest[i:], ')')
		if end < 0 {
			break
		}
		arg := strings.Trim(strings.TrimSpace(rest[i+4:i+end]), `"'`)
		if strings.HasPrefix(strings.ToLower(arg), "data:image/") && !strings.ContainsAny(arg, `"'\`) {
			b.WriteString(`url("` + arg + `")`)
		} else {
			b.WriteString("none")
		}
		rest = rest[i+end+1:]
	}
	out := b.String()
	for {
		i := strings.Index(strings.ToLower(out), "@import")
		if i < 0 {
			break
		}
		end := strings.IndexByte(out[i:], ';')
		if end < 0 {
			out = out[:i]
			break
		}
		out = out[:i] + out[i+end+1:]
	}
	// '<' is no CSS outside strings, and \3c is the same in them: no
	// "</style" can close the element.
	return strings.ReplaceAll(out, "<", `\3c `)
}
