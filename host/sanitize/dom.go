package sanitize

import (
	"io"
	"strings"
)

// The DOM session replay (dom.json) is rrweb's record of a page: a full
// snapshot of its serialized DOM, then incremental changes (mutations,
// typed input, style rules). The page's text, attribute values and styles
// are the same content as the HTML and CSS bodies of the HAR, so they are
// sanitized by the same rules with the same tags: a text node's content
// like the text of an element (CSS under <style>, JavaScript under
// <script>), an attribute's value by its name through the attribute table
// of markup (htmlAttrValue: URLs, style, event handlers, an input's value
// by the input's name and type, data-* and the rest named by the
// attribute), typed input by its input. rrweb's keys and numbers (node
// ids, types, timestamps, positions) are structure: never changed, so the
// player rebuilds the sanitized events. Members this walk does not know
// (other events, other fields, custom and plugin payloads) go through the
// generic walk of JSON strings: never dropped, never left unread.

// DOMFile is the bundle member that holds the DOM replay.
const DOMFile = "dom.json"

// rrweb's event types (EventType) and incremental sources
// (IncrementalSource), and its serialized node types (NodeType).
const (
	rrFullSnapshot        = 2
	rrIncrementalSnapshot = 3
	rrMeta                = 4

	rrMutation          = 0
	rrInput             = 5
	rrStyleSheetRule    = 8
	rrCanvasMutation    = 9
	rrFont              = 10
	rrStyleDeclaration  = 13
	rrAdoptedStyleSheet = 15

	rrDocument     = 0
	rrDocumentType = 1
	rrElement      = 2
	rrText         = 3
	rrCDATA        = 4
	rrComment      = 5
)

// maxDOMContext bounds the nodes whose context a DOM walk remembers
// (style and script elements, inputs and metas, and their text nodes);
// past it a later change to one of them is read without its context.
const maxDOMContext = 1 << 16

// DOM reads a dom.json document from src and writes it sanitized to dst:
//
//	{"format":"rrweb","version":"2.1.6","tabs":[{"target":"…","events":[…]}]}
//
// It streams, holding one rrweb event at a time (a full snapshot is the
// largest), and applies the rules of [Redactor.HAR] with the same tags,
// so a value shown on the page and sent in a request gets one tag in both
// files; only string values change, so the events still replay. Then, as
// [Redactor.JSON] does, it replaces every value this Redactor redacted
// anywhere in the bundle wherever it appears in the document. Invalid JSON
// gives an [*InputError]; on error dst holds a partial document. The
// fail-closed rescan of the result is [Redactor.Verify] with the name
// "dom.json" (it reads a file of that name as DOM events).
func (r *Redactor) DOM(dst io.Writer, src io.Reader) error {
	return r.scrubbed(dst, DOMFile, func(w io.Writer) error { return r.domStream(w, src, DOMFile) })
}

// domStream is the walk of a dom.json document; doc names it in the report.
func (r *Redactor) domStream(dst io.Writer, src io.Reader, doc string) error {
	return r.walkDoc(dst, src, doc, false, func(s *streamer) {
		w := &domWalker{r: r, ctx: textCtx{ip: true}}
		s.whole = domWhole
		s.visit = w.visit
		// no s.key: the keys are rrweb's structure; no s.dry: the walk
		// remembers nodes from one event to the next, so it runs in order
	})
}

// domNamed says whether a JSON document is read as DOM events: by its
// name ("dom.json", "bundle.zip!dom.json"), or by the format in its first
// bytes (head).
func domNamed(name string, head []byte) bool {
	n := strings.ToLower(name)
	if i := strings.LastIndexAny(n, "!/\\"); i >= 0 {
		n = n[i+1:]
	}
	h := string(head[:min(len(head), 64)])
	return n == DOMFile || strings.Contains(h, `"format":"rrweb"`) || strings.Contains(h, `"format": "rrweb"`)
}

// domWhole says which parts of a dom.json are read as whole trees: each
// event, each member of a tab other than its events, and each top-level
// member other than the tabs.
func domWhole(path []string) bool {
	switch len(path) {
	case 0:
		return false
	case 1, 2:
		return path[0] != "tabs"
	case 3:
		return path[0] != "tabs" || path[2] != "events"
	}
	return true
}

// domWalker sanitizes the events of a dom.json one by one, in order.
type domWalker struct {
	r   *Redactor
	ctx textCtx // page content: IP addresses are personal data, as in bodies
	tab string  // the tab whose events are read: node ids are per tab
	// nodes are the ids of the nodes whose context a later event needs:
	// the element of a text node (style, script), an input's or meta's
	// attributes (its name and type).
	nodes map[float64]domNode
}

// domNode is the context of one node: its element's lower-case tag (a
// text node's: its parent's) and the attributes that name its value.
type domNode struct {
	tag   string
	attrs []htmlAttr
	text  bool
}

// domContextTags are the elements whose context outlives their event:
// whose text is code, and whose value is read by their name.
var domContextTags = map[string]bool{
	"style": true, "script": true, "noscript": true,
	"input": true, "textarea": true, "select": true, "option": true, "button": true,
	"param": true, "data": true, "meta": true,
}

// domNamingAttrs are the attributes that give a value its context.
var domNamingAttrs = map[string]bool{
	"name": true, "id": true, "type": true, "property": true, "http-equiv": true, "itemprop": true, "autocomplete": true,
}

// visit sanitizes one tree of a dom.json read whole: an event, or a
// member that is not one (read as generic JSON).
func (w *domWalker) visit(loc *locator, n *node) {
	p := loc.path
	switch {
	case len(p) == 4 && p[0] == "tabs" && p[2] == "events" && n.kind == '{':
		if p[1] != w.tab {
			w.tab, w.nodes = p[1], nil
		}
		w.event(loc, n)
	default:
		// the format, the version, a tab's target and anything else
		w.r.walk(loc, n, w.generic())
	}
}

// rest walks the members of object n that no rule of the DOM walk read
// (not done) with the generic walk; their keys stay.
func (w *domWalker) rest(loc *locator, n *node, ctx textCtx) {
	if n.kind != '{' {
		w.r.walk(loc, n, ctx)
		return
	}
	for i, k := range n.keys {
		if v := n.vals[i]; !v.done {
			loc.push(k)
			w.r.walk(loc, v, ctx)
			loc.pop()
		}
	}
}

// generic is the context of the generic walk of rrweb's own members:
// numbers stay numbers.
func (w *domWalker) generic() textCtx {
	c := w.ctx
	c.structure = true
	return c
}

// domNumber returns the number member k of n (ok false when absent).
func domNumber(n *node, k string) (float64, bool) {
	v := n.get(k)
	if v == nil || v.kind != '0' {
		return 0, false
	}
	f, ok := parseNumber(v.str)
	return f, ok
}

// parseNumber reads a JSON number (small integers are all rrweb uses for
// ids and types).
func parseNumber(s string) (float64, bool) {
	if s == "" || len(s) > 20 {
		return 0, false
	}
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var f float64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false // a fraction or exponent: not an id or a type
		}
		f = f*10 + float64(c-'0')
	}
	if neg {
		f = -f
	}
	return f, s != ""
}

// domString sanitizes the string member k of n with f, and marks it done.
func domString(loc *locator, n *node, k string, f func(string) string) {
	v := n.get(k)
	if v == nil || v.kind != '"' || v.done {
		return
	}
	loc.push(k)
	v.str = f(v.str)
	v.done = true
	loc.pop()
}

// event sanitizes one rrweb event {type, data, timestamp}.
func (w *domWalker) event(loc *locator, ev *node) {
	typ, _ := domNumber(ev, "type")
	data := ev.get("data")
	if data != nil && data.kind == '{' {
		loc.push("data")
		switch typ {
		case rrFullSnapshot:
			w.nodes = nil // a new page, or a new recorder: ids start again
			if nd := data.get("node"); nd != nil {
				loc.push("node")
				w.node(loc, nd, "", nil)
				loc.pop()
			}
		case rrIncrementalSnapshot:
			w.incremental(loc, data)
		case rrMeta:
			domString(loc, data, "href", func(s string) string { return w.r.url(loc, s, textCtx{docURL: true}) })
		}
		w.rest(loc, data, w.generic())
		data.done = true
		loc.pop()
	}
	w.rest(loc, ev, w.generic())
}

// node sanitizes a serialized node and its children; parent is its
// parent element's lower-case tag and attributes ("" and nil when
// unknown).
func (w *domWalker) node(loc *locator, n *node, parent string, parentAttrs []htmlAttr) {
	if n == nil || n.kind != '{' || n.done {
		return
	}
	typ, _ := domNumber(n, "type")
	id, hasID := domNumber(n, "id")
	tag := ""
	var attrs []htmlAttr
	switch typ {
	case rrElement:
		tag = strings.ToLower(n.getString("tagName"))
		// a name, searched for key shapes only, as a start tag in a page
		domString(loc, n, "tagName", func(s string) string { return w.r.shapeToken(loc, s) })
		as := n.get("attributes")
		if domContextTags[tag] {
			attrs = namingAttrs(as)
			if hasID {
				w.remember(id, domNode{tag: tag, attrs: attrs})
			}
		}
		if as != nil && as.kind == '{' {
			loc.push("attributes")
			w.attributes(loc, tag, as, attrs)
			loc.pop()
			as.done = true
		}
	case rrText:
		if hasID && (parent == "style" || parent == "script" || parent == "noscript") {
			w.remember(id, domNode{tag: parent, attrs: parentAttrs, text: true})
		}
		domString(loc, n, "textContent", func(s string) string { return w.text(loc, parent, parentAttrs, s) })
	case rrComment, rrCDATA:
		domString(loc, n, "textContent", func(s string) string { return w.r.text(loc, s, w.ctx) })
	case rrDocumentType:
		for _, k := range []string{"name", "publicId", "systemId"} {
			domString(loc, n, k, func(s string) string { return w.r.litText(loc, s, w.ctx) })
		}
	}
	if cs := n.get("childNodes"); cs != nil && cs.kind == '[' {
		loc.push("childNodes")
		for i, c := range cs.vals {
			loc.push(itoa(i))
			w.node(loc, c, tag, attrs)
			loc.pop()
		}
		loc.pop()
		cs.done = true
	}
	w.rest(loc, n, w.generic())
	n.done = true
}

// remember keeps the context of node id, up to maxDOMContext nodes.
func (w *domWalker) remember(id float64, c domNode) {
	if w.nodes == nil {
		w.nodes = map[float64]domNode{}
	}
	if _, ok := w.nodes[id]; ok || len(w.nodes) < maxDOMContext {
		w.nodes[id] = c
	}
}

// context is what the walk remembers of node id when it is (text) or is
// not (element) a text node; the zero context otherwise.
func (w *domWalker) context(id float64, text bool) domNode {
	if c := w.nodes[id]; c.text == text {
		return c
	}
	return domNode{}
}

// namingAttrs are the attributes of an rrweb attributes object that name
// its element's value, as markup's attribute list (values quoted and
// escaped, read back by attrValue).
func namingAttrs(as *node) []htmlAttr {
	if as == nil || as.kind != '{' {
		return nil
	}
	var out []htmlAttr
	for i, k := range as.keys {
		lk := strings.ToLower(k)
		if v := as.vals[i]; v.kind == '"' && domNamingAttrs[lk] {
			out = append(out, htmlAttr{key: lk, val: `"` + htmlAttrEscape(v.str, '"') + `"`})
		}
	}
	return out
}

// text sanitizes the content of a text node whose parent is the element
// tag: the text of an element, as in a page (htmlText).
func (w *domWalker) text(loc *locator, tag string, attrs []htmlAttr, s string) string {
	if tag != "style" && tag != "script" && tag != "noscript" {
		tag = ""
	}
	return w.r.htmlText(loc, tag, attrs, s, w.ctx)
}

// attributes sanitizes an rrweb attributes object of element tag: each
// value by its attribute's name, which is never changed.
func (w *domWalker) attributes(loc *locator, tag string, as *node, attrs []htmlAttr) {
	for i, k := range as.keys {
		v := as.vals[i]
		loc.push(k)
		switch {
		case v.kind == '"':
			v.str = w.attr(loc, tag, strings.ToLower(k), v.str, attrs)
		case v.kind == '{' && strings.EqualFold(k, "style"):
			w.styleOM(loc, v) // a mutation's style: {property: value | [value, priority] | false}
		default:
			w.r.walk(loc, v, w.generic())
		}
		v.done = true
		loc.pop()
	}
}

// attr sanitizes the value v of attribute key (lower case) of element
// tag through markup's attribute table, with rrweb's own attributes:
// _cssText (the element's stylesheet), rr_src and rr_dataURL (URLs).
func (w *domWalker) attr(loc *locator, tag, key, v string, attrs []htmlAttr) string {
	if len(v) < 4 || htmlGeometry[key] {
		return v
	}
	switch {
	case key == "_csstext":
		return w.r.css(loc, v, w.ctx)
	case key == "rr_src" || key == "rr_dataurl":
		return w.r.codeURL(loc, v, w.ctx)
	case key == "srcset" || key == "imagesrcset":
		return w.srcset(loc, v)
	case key == "value" && (tag == "textarea" || tag == "select"):
		return w.r.htmlValue(loc, tag, v, attrs, w.ctx) // rrweb keeps their value as an attribute
	}
	return w.r.htmlAttrValue(loc, tag, key, v, attrs, w.ctx)
}

// srcset sanitizes each URL of a srcset ("a.png 1x, b.png?token=… 2x"),
// keeping the descriptors and separators; a URL of a data: image holds
// commas, and is read up to the white space after it.
func (w *domWalker) srcset(loc *locator, v string) string {
	var b strings.Builder
	changed := false
	for i := 0; i < len(v); {
		j := i
		for j < len(v) && (v[j] == ' ' || v[j] == '\t' || v[j] == '\n' || v[j] == '\r' || v[j] == ',') {
			j++
		}
		b.WriteString(v[i:j])
		k := j
		for k < len(v) && v[k] != ' ' && v[k] != '\t' && v[k] != '\n' && v[k] != '\r' {
			k++
		}
		u := v[j:k]
		trail := len(u) - len(strings.TrimRight(u, ","))
		u = u[:len(u)-trail]
		nu := w.r.codeURL(loc, u, w.ctx)
		if nu != u {
			changed = true
		}
		b.WriteString(nu)
		b.WriteString(v[k-trail : k])
		d := k
		for d < len(v) && v[d] != ',' {
			d++
		}
		b.WriteString(v[k:d]) // the descriptor ("2x", "480w")
		i = d
	}
	if !changed {
		return v
	}
	return b.String()
}

// styleOM sanitizes the style of an attribute mutation given as
// properties: each value as CSS; the property names stay.
func (w *domWalker) styleOM(loc *locator, st *node) {
	for i, k := range st.keys {
		v := st.vals[i]
		loc.push(k)
		switch v.kind {
		case '"':
			v.str = w.r.css(loc, v.str, w.ctx)
		case '[':
			if len(v.vals) > 0 && v.vals[0].kind == '"' {
				v.vals[0].str = w.r.css(loc, v.vals[0].str, w.ctx)
				v.vals[0].done = true
			}
			w.r.walk(loc, v, w.generic())
		default:
			w.r.walk(loc, v, w.generic())
		}
		v.done = true
		loc.pop()
	}
}

// incremental sanitizes the data of an incremental snapshot by its source.
func (w *domWalker) incremental(loc *locator, d *node) {
	src, ok := domNumber(d, "source")
	if !ok {
		return
	}
	switch src {
	case rrMutation:
		w.mutation(loc, d)
	case rrInput:
		id, _ := domNumber(d, "id")
		c := w.nodes[id]
		tag := c.tag
		if tag == "" || c.text {
			tag, c.attrs = "input", nil // an input rrweb recorded before this walk saw it
		}
		domString(loc, d, "text", func(s string) string { return w.r.htmlValue(loc, tag, s, c.attrs, w.ctx) })
	case rrStyleSheetRule:
		w.rules(loc, d, "adds")
		for _, k := range []string{"replace", "replaceSync"} {
			domString(loc, d, k, func(s string) string { return w.r.css(loc, s, w.ctx) })
		}
	case rrStyleDeclaration:
		if set := d.get("set"); set != nil && set.kind == '{' {
			loc.push("set")
			domString(loc, set, "value", func(s string) string { return w.r.css(loc, s, w.ctx) })
			for _, k := range []string{"property", "priority"} {
				domString(loc, set, k, func(s string) string { return w.r.shapeToken(loc, s) })
			}
			loc.pop()
		}
	case rrAdoptedStyleSheet:
		if ss := d.get("styles"); ss != nil && ss.kind == '[' {
			loc.push("styles")
			for i, s := range ss.vals {
				loc.push(itoa(i))
				w.rules(loc, s, "rules")
				loc.pop()
			}
			loc.pop()
		}
	case rrCanvasMutation, rrFont:
		// drawing commands and font files carry images and fonts as
		// base64 buffers: content, not tokens; text drawn on a canvas
		// is still read by the detectors
		c := w.generic()
		c.noEntropy = true
		w.rest(loc, d, c)
	}
}

// rules sanitizes the CSS rules of an array member k of n ([{rule, index}]).
func (w *domWalker) rules(loc *locator, n *node, k string) {
	rs := n.get(k)
	if rs == nil || rs.kind != '[' {
		return
	}
	loc.push(k)
	for i, r := range rs.vals {
		loc.push(itoa(i))
		if r.kind == '{' {
			domString(loc, r, "rule", func(s string) string { return w.r.css(loc, s, w.ctx) })
		}
		loc.pop()
	}
	loc.pop()
}

// mutation sanitizes a DOM mutation: changed texts and attributes, as in
// a snapshot, and added nodes under their parents.
func (w *domWalker) mutation(loc *locator, d *node) {
	if ts := d.get("texts"); ts != nil && ts.kind == '[' {
		loc.push("texts")
		for i, t := range ts.vals {
			id, _ := domNumber(t, "id")
			c := w.context(id, true)
			loc.push(itoa(i))
			domString(loc, t, "value", func(s string) string { return w.text(loc, c.tag, c.attrs, s) })
			loc.pop()
		}
		loc.pop()
	}
	if as := d.get("attributes"); as != nil && as.kind == '[' {
		loc.push("attributes")
		for i, a := range as.vals {
			id, _ := domNumber(a, "id")
			c := w.context(id, false)
			m := a.get("attributes")
			if m == nil || m.kind != '{' {
				continue
			}
			if domContextTags[c.tag] {
				// a changed name or type names the value from now on
				attrs := mergeAttrs(c.attrs, namingAttrs(m))
				w.remember(id, domNode{tag: c.tag, attrs: attrs})
				c.attrs = attrs
			}
			loc.push(itoa(i))
			loc.push("attributes")
			w.attributes(loc, c.tag, m, c.attrs)
			m.done = true
			loc.pop()
			loc.pop()
		}
		loc.pop()
	}
	if as := d.get("adds"); as != nil && as.kind == '[' {
		loc.push("adds")
		for i, a := range as.vals {
			pid, _ := domNumber(a, "parentId")
			c := w.context(pid, false)
			loc.push(itoa(i))
			if nd := a.get("node"); nd != nil {
				loc.push("node")
				w.node(loc, nd, c.tag, c.attrs)
				loc.pop()
			}
			loc.pop()
		}
		loc.pop()
	}
}

// mergeAttrs is old with the attributes of changed put over it.
func mergeAttrs(old, changed []htmlAttr) []htmlAttr {
	if len(changed) == 0 {
		return old
	}
	out := append([]htmlAttr(nil), changed...)
	for _, a := range old {
		if attrValue(changed, a.key) == "" {
			out = append(out, a)
		}
	}
	return out
}
