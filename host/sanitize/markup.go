package sanitize

import (
	stdhtml "html"
	"strings"

	"github.com/tdewolff/parse/v2/html"
)

// html sanitizes an HTML document or fragment through the HTML lexer:
// text, comments and attribute values are sanitized each in its own
// language (inline scripts and event handlers as JavaScript, <style> and
// style attributes as CSS, JSON script blocks as JSON, URL attributes as
// URLs), so no tag, attribute or quote is ever added or removed. Input
// and meta values go by the name of their element (name, id, property).
func (r *Redactor) html(loc *locator, src string, ctx textCtx) string {
	if len(src) < 6 {
		return src
	}
	in, release := lexInput(src)
	defer release()
	l := html.NewLexer(in)
	w := &rewrite{src: src}
	emit := w.emit
	var tag string // the element whose start tag is being read
	var attrs []htmlAttr
	raw := "" // the element whose raw text comes next (script, style, textarea, title)
	var rawAttrs []htmlAttr
	for {
		tt, data := l.Next()
		if tt == html.ErrorToken {
			break
		}
		start, tok, ok := w.next(len(data)) // the lexer may lower-case its copy (attribute names)
		if !ok {
			break
		}
		switch tt {
		case html.StartTagToken:
			tag = strings.ToLower(string(l.Text()))
			attrs = attrs[:0]
			emit(start, tok, r.shapeToken(loc, tok))
		case html.AttributeToken:
			attrs = append(attrs, htmlAttr{key: strings.ToLower(string(l.AttrKey())), tok: tok, val: tok[len(tok)-min(len(l.AttrVal()), len(tok)):]})
		case html.StartTagCloseToken, html.StartTagVoidToken:
			for i := range attrs {
				a := &attrs[i]
				emit(start-htmlAttrsLen(attrs[i:]), a.tok, r.htmlAttr(loc, tag, a, attrs, ctx))
			}
			emit(start, tok, tok)
			raw, rawAttrs = "", nil
			if tt == html.StartTagCloseToken {
				switch tag {
				case "script", "style", "textarea", "title", "xmp", "noscript":
					raw, rawAttrs = tag, append([]htmlAttr(nil), attrs...)
				}
			}
		case html.TextToken:
			emit(start, tok, r.htmlText(loc, raw, rawAttrs, tok, ctx))
			raw = ""
		case html.CommentToken:
			nt := tok
			if strings.HasPrefix(tok, "<!--") && strings.HasSuffix(tok, "-->") && len(tok) >= 7 {
				if body := tok[4 : len(tok)-3]; len(body) >= 6 {
					if nb := r.text(loc, body, ctx); nb != body && !strings.Contains(nb, "--") {
						nt = "<!--" + nb + "-->"
					}
				}
			}
			emit(start, tok, nt)
		default:
			raw = ""
			emit(start, tok, r.shapeToken(loc, tok))
		}
	}
	out, ok := w.result()
	if !ok {
		// the lexer did not account for every byte: search for shapes only
		return r.text(loc, src, textCtx{shapes: true, ip: ctx.ip, noPersonal: ctx.noPersonal, depth: ctx.depth})
	}
	return out
}

// htmlAttr is one attribute of a start tag: its lower-case key, the whole
// token (" key=\"val\"") and the value as written (quotes included).
type htmlAttr struct {
	key, tok, val string
}

func htmlAttrsLen(as []htmlAttr) int {
	n := 0
	for _, a := range as {
		n += len(a.tok)
	}
	return n
}

func attrValue(attrs []htmlAttr, key string) string {
	for _, a := range attrs {
		if a.key == key {
			v, _ := splitAttr(a.val)
			return stdhtml.UnescapeString(v)
		}
	}
	return ""
}

// splitAttr returns the inside of an attribute value and its quote (0
// when unquoted).
func splitAttr(v string) (string, byte) {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1], v[0]
	}
	return v, 0
}

// htmlKeptAttrs hold names of things, sizes, hashes and regular
// expressions (pattern): only key shapes are looked for in them.
var htmlKeptAttrs = map[string]bool{
	"class": true, "id": true, "type": true, "rel": true, "lang": true, "dir": true, "role": true,
	"width": true, "height": true, "integrity": true, "crossorigin": true, "charset": true, "media": true,
	"sizes": true, "nonce": true, "for": true, "method": true, "enctype": true, "target": true,
	"autocomplete": true, "tabindex": true, "xmlns": true, "viewbox": true, "d": true, "points": true,
	"transform": true, "fill": true, "stroke": true, "name": true, "as": true, "referrerpolicy": true,
	"loading": true, "decoding": true, "pattern": true, "colspan": true, "rowspan": true, "align": true,
	"maxlength": true, "minlength": true, "min": true, "max": true, "step": true, "inputmode": true,
	"http-equiv": true, "property": true, "itemprop": true, "itemtype": true, "slot": true, "is": true,
	"accept": true, "accept-charset": true, "x": true, "y": true, "cx": true, "cy": true, "r": true,
	"rx": true, "ry": true, "x1": true, "x2": true, "y1": true, "y2": true, "offset": true,
	"stroke-width": true, "key": true, "fill-rule": true, "clip-rule": true, "stop-color": true, "version": true,
}

// htmlGeometry attributes hold numbers (SVG paths and shapes): nothing to
// look at.
var htmlGeometry = map[string]bool{
	"d": true, "points": true, "viewbox": true, "transform": true, "x": true, "y": true, "cx": true, "cy": true,
	"r": true, "rx": true, "ry": true, "x1": true, "x2": true, "y1": true, "y2": true, "width": true, "height": true,
	"offset": true, "stroke-width": true,
}

// htmlURLAttrs hold one URL.
var htmlURLAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "poster": true, "cite": true,
	"data": true, "background": true, "ping": true, "xlink:href": true, "manifest": true,
	"longdesc": true, "codebase": true, "icon": true, "hx-get": true, "hx-post": true,
}

// htmlAttr sanitizes one attribute of the element tag and returns its
// token.
func (r *Redactor) htmlAttr(loc *locator, tag string, a *htmlAttr, attrs []htmlAttr, ctx textCtx) string {
	keyPart := a.tok[:len(a.tok)-len(a.val)]
	if nk := r.shapeToken(loc, keyPart); nk != keyPart {
		return nk + a.val // a key pasted as an attribute's name
	}
	inner, q := splitAttr(a.val)
	if len(inner) < 4 || htmlGeometry[a.key] {
		return a.tok
	}
	v := stdhtml.UnescapeString(inner)
	nv := r.htmlAttrValue(loc, tag, a.key, v, attrs, ctx)
	if nv == v {
		return a.tok
	}
	var enc string
	if inner == v && !strings.ContainsAny(nv, "&<>\"'` \t\n=") {
		enc = nv // no entities before, none needed now
	} else {
		enc = htmlAttrEscape(nv, q)
	}
	return keyPart + quoteIf(q) + enc + quoteIf(q)
}

// htmlAttrValue sanitizes the decoded value v of attribute key (lower
// case) of element tag, by the attribute's language: the one table of
// attribute rules for a page's markup and for the DOM events of a replay
// (dom.go); geometry attributes (htmlGeometry) are the caller's to skip.
// attrs are the element's attributes, for the name that gives
// an input's or meta's value its context. It returns v itself when
// nothing changed.
func (r *Redactor) htmlAttrValue(loc *locator, tag, key, v string, attrs []htmlAttr, ctx textCtx) string {
	if isTag(v) {
		return v
	}
	switch {
	case htmlKeptAttrs[key] || strings.HasPrefix(key, "aria-") && key != "aria-label" && key != "aria-description":
		// names of things and hashes: key shapes and keyword+token pairs
		// only (a key pasted into a class or a name)
		return r.text(loc, v, textCtx{shapes: true, noPersonal: true})
	case strings.HasPrefix(key, "on"):
		return r.javascript(loc, v, ctx, false)
	case key == "style":
		return r.css(loc, v, ctx)
	case key == "srcdoc":
		return r.html(loc, v, ctx)
	case htmlURLAttrs[key]:
		return r.codeURL(loc, v, ctx)
	case key == "srcset" || key == "imagesrcset":
		return r.text(loc, v, textCtx{shapes: true, noPersonal: true})
	case key == "value" && (tag == "input" || tag == "button" || tag == "option" || tag == "param" || tag == "data"):
		return r.htmlValue(loc, tag, v, attrs, ctx)
	case key == "content" && tag == "meta":
		return r.metaContent(loc, v, attrs, ctx)
	case strings.HasPrefix(key, "x-") || strings.HasPrefix(key, "v-") || strings.HasPrefix(key, "ng-") ||
		strings.HasPrefix(key, ":") || strings.HasPrefix(key, "@"):
		return r.javascript(loc, v, ctx, false) // framework attributes hold expressions
	default:
		return r.codeLit(loc, key, v, ctx)
	}
}

func quoteIf(q byte) string {
	if q == 0 {
		return ""
	}
	return string(q)
}

// htmlAttrEscape encodes v for an attribute value quoted with q (0:
// unquoted).
func htmlAttrEscape(v string, q byte) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '&':
			b.WriteString("&amp;")
		case c == '"' && q != '\'':
			b.WriteString("&quot;")
		case c == '\'' && q != '"':
			b.WriteString("&#39;")
		case q == 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '=' || c == '<' || c == '>' || c == '`'):
			b.WriteString("&#" + itoa(int(c)) + ";")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// htmlValue sanitizes the value of an input (or button, option, param) by
// its name: a secret name takes it, a hidden input of 8 characters or
// more is a token, anything else is searched as text.
func (r *Redactor) htmlValue(loc *locator, tag, v string, attrs []htmlAttr, ctx textCtx) string {
	name := attrValue(attrs, "name")
	if name == "" {
		name = attrValue(attrs, "id")
	}
	if m := r.matchAny(name); m != nil {
		switch {
		case m.Mode == ModeURL:
			return r.codeURL(loc, v, ctx) // RelayState, redirect_uri: a URL, not a token
		case m.Mode == ModeIP, m.Mode == ModeNoWord && plainWord(v), !r.phoneApplies(m, v, ctx):
			return r.litText(loc, v, ctx)
		}
		return r.secret(loc, m.Name, v)
	}
	if tag == "input" && strings.EqualFold(attrValue(attrs, "type"), "password") {
		return r.secret(loc, "password", v)
	}
	if tag == "input" && strings.EqualFold(attrValue(attrs, "type"), "hidden") && len(v) >= 8 && !plainWord(v) && !r.pol.disabled["hidden-input"] {
		return r.secret(loc, "hidden-input", v)
	}
	return r.litText(loc, v, ctx)
}

// metaContent sanitizes a meta element's content by its name (name,
// property, http-equiv, itemprop): a secret name takes it, a generated
// looking value is a token (csrf metas have many names).
func (r *Redactor) metaContent(loc *locator, v string, attrs []htmlAttr, ctx textCtx) string {
	name := attrValue(attrs, "name") + attrValue(attrs, "property") + attrValue(attrs, "http-equiv") + attrValue(attrs, "itemprop")
	if strings.EqualFold(name, "refresh") {
		if i := strings.Index(strings.ToLower(v), "url="); i >= 0 {
			return v[:i+4] + r.codeURL(loc, v[i+4:], ctx)
		}
		return v
	}
	if m := r.matchAny(name); m != nil && m.Mode != ModeURL && m.Mode != ModeIP {
		if m.Mode == ModeNoWord && plainWord(v) || !r.phoneApplies(m, v, ctx) {
			return r.litText(loc, v, ctx)
		}
		return r.secret(loc, m.Name, v)
	}
	if !r.pol.disabled["meta-token"] && highEntropy(v, 16, 3.0) {
		return r.secret(loc, "meta-token", v)
	}
	if looksURL(v) {
		return r.url(loc, v, ctx)
	}
	return r.litText(loc, v, ctx)
}

// htmlText sanitizes the text of an element: the raw text of a script
// (by its type), a style, a textarea or title, or ordinary text.
func (r *Redactor) htmlText(loc *locator, raw string, attrs []htmlAttr, tok string, ctx textCtx) string {
	switch raw {
	case "script":
		typ := strings.ToLower(strings.TrimSpace(attrValue(attrs, "type")))
		if i := strings.IndexByte(typ, ';'); i >= 0 {
			typ = strings.TrimSpace(typ[:i])
		}
		switch {
		case typ == "" || typ == "module" || strings.Contains(typ, "javascript") || strings.Contains(typ, "ecmascript") || typ == "text/babel" || typ == "text/jsx":
			return r.javascript(loc, tok, ctx, true)
		case strings.Contains(typ, "json") || typ == "importmap" || typ == "speculationrules":
			trim := strings.TrimSpace(tok)
			if trim != "" && (trim[0] == '{' || trim[0] == '[') {
				if ns, ok := r.jsonDoc(loc, tok, ctx); ok {
					return scriptSafe(ns)
				}
			}
			return r.text(loc, tok, textCtx{shapes: true, ip: ctx.ip})
		case strings.Contains(typ, "template") || strings.Contains(typ, "html"):
			return r.html(loc, tok, ctx)
		}
		return r.text(loc, tok, textCtx{shapes: true, ip: ctx.ip})
	case "style":
		return r.css(loc, tok, ctx)
	case "noscript":
		return r.html(loc, tok, ctx)
	}
	if len(tok) < 6 {
		return tok
	}
	return r.text(loc, tok, ctx)
}

// scriptSafe escapes "</" and "<!--" in JSON written into a script
// element, so that the element does not end early ("<\/" and "\u003c!--"
// read the same in a JSON string).
func scriptSafe(s string) string {
	if !strings.Contains(s, "</") && !strings.Contains(s, "<!--") {
		return s
	}
	s = strings.ReplaceAll(s, "</", `<\/`)
	return strings.ReplaceAll(s, "<!--", `\u003c!--`)
}
