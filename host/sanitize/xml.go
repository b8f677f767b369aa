package sanitize

import (
	stdhtml "html"
	"strings"

	"github.com/tdewolff/parse/v2/xml"
)

// xmlDoc sanitizes an XML document (SOAP, SAML, RSS, SVG, …) through the
// XML lexer: an element's text is a value named by the element
// (<wsse:Password>V</wsse:Password> goes by "Password"), an attribute's
// value is named by the attribute, or by the element's key or name
// attribute for a value attribute (<add key="ApiKey" value="V"/>);
// CDATA and comments are searched as text. Markup is copied as it is.
func (r *Redactor) xmlDoc(loc *locator, src string, ctx textCtx) string {
	in, release := lexInput(src)
	defer release()
	l := xml.NewLexer(in)
	w := &rewrite{src: src}
	emit := w.emit
	var stack []string
	var attrs []htmlAttr
	tag := ""
	for {
		tt, data := l.Next()
		if tt == xml.ErrorToken {
			break
		}
		start, tok, ok := w.next(len(data))
		if !ok {
			break
		}
		switch tt {
		case xml.StartTagToken, xml.StartTagPIToken:
			tag = localName(string(l.Text()))
			attrs = attrs[:0]
			emit(start, tok, r.shapeToken(loc, tok))
		case xml.AttributeToken:
			key := tok
			if i := strings.IndexByte(key, '='); i >= 0 {
				key = key[:i]
			}
			attrs = append(attrs, htmlAttr{key: localName(strings.TrimSpace(key)), tok: tok, val: tok[len(tok)-min(len(l.AttrVal()), len(tok)):]})
		case xml.StartTagCloseToken, xml.StartTagCloseVoidToken, xml.StartTagClosePIToken:
			for i := range attrs {
				a := &attrs[i]
				emit(start-htmlAttrsLen(attrs[i:]), a.tok, r.xmlAttr(loc, a, attrs, ctx))
			}
			emit(start, tok, tok)
			if tt == xml.StartTagCloseToken {
				stack = append(stack, tag)
			}
		case xml.EndTagToken:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			emit(start, tok, r.shapeToken(loc, tok))
		case xml.TextToken:
			name := ""
			if len(stack) > 0 {
				name = stack[len(stack)-1]
			}
			emit(start, tok, r.xmlText(loc, name, tok, ctx))
		case xml.CDATAToken:
			nt := tok
			if strings.HasPrefix(tok, "<![CDATA[") && strings.HasSuffix(tok, "]]>") {
				body := tok[9 : len(tok)-3]
				if nb := r.text(loc, body, ctx); nb != body && !strings.Contains(nb, "]]>") {
					nt = "<![CDATA[" + nb + "]]>"
				}
			}
			emit(start, tok, nt)
		case xml.CommentToken:
			nt := tok
			if strings.HasPrefix(tok, "<!--") && strings.HasSuffix(tok, "-->") && len(tok) >= 7 {
				body := tok[4 : len(tok)-3]
				if nb := r.text(loc, body, ctx); nb != body && !strings.Contains(nb, "--") {
					nt = "<!--" + nb + "-->"
				}
			}
			emit(start, tok, nt)
		default:
			emit(start, tok, r.shapeToken(loc, tok))
		}
	}
	out, ok := w.result()
	if !ok {
		return r.text(loc, src, textCtx{shapes: true, ip: ctx.ip, noPersonal: ctx.noPersonal, depth: ctx.depth})
	}
	return out
}

// localName drops a namespace prefix: "wsse:Password" -> "Password".
func localName(n string) string {
	if i := strings.LastIndexByte(n, ':'); i >= 0 {
		return n[i+1:]
	}
	return n
}

// xmlText sanitizes the text of the element name: a value under its name,
// like a form parameter (surrounding white space kept).
func (r *Redactor) xmlText(loc *locator, name, tok string, ctx textCtx) string {
	t := strings.TrimSpace(tok)
	if len(t) < 4 {
		return tok
	}
	lead := tok[:strings.Index(tok, t)]
	v := stdhtml.UnescapeString(t)
	if isTag(v) {
		return tok
	}
	var nv string
	if name != "" && r.matchAny(name) != nil {
		nv = r.formParam(loc, name, v, ctx)
	} else {
		nv = r.litText(loc, v, ctx)
		if nv == v {
			nv = r.text(loc, v, ctx)
		}
	}
	if nv == v {
		return tok
	}
	return lead + xmlEscape(nv) + tok[len(lead)+len(t):]
}

// xmlAttr sanitizes one attribute; a value attribute goes by the
// element's key, name or id attribute.
func (r *Redactor) xmlAttr(loc *locator, a *htmlAttr, attrs []htmlAttr, ctx textCtx) string {
	keyPart := a.tok[:len(a.tok)-len(a.val)]
	if nk := r.shapeToken(loc, keyPart); nk != keyPart {
		return nk + a.val
	}
	inner, q := splitAttr(a.val)
	switch {
	case len(inner) < 4 || q == 0 || strings.HasPrefix(a.key, "xmlns"):
		return a.tok
	case a.key == "key" || a.key == "name" || a.key == "id" || a.key == "type" || a.key == "version" || a.key == "encoding":
		return a.tok // names of things, not values
	}
	v := stdhtml.UnescapeString(inner)
	if isTag(v) {
		return a.tok
	}
	name := a.key
	if a.key == "value" || a.key == "content" {
		for _, k := range []string{"key", "name", "id"} {
			if n := attrValue(attrs, k); n != "" {
				name = n
				break
			}
		}
	}
	var nv string
	if r.matchAny(name) != nil {
		nv = r.formParam(loc, name, v, ctx)
	} else {
		nv = r.codeLit(loc, "", v, ctx)
	}
	if nv == v {
		return a.tok
	}
	return a.tok[:len(a.tok)-len(a.val)] + string(q) + strings.ReplaceAll(htmlAttrEscape(nv, q), "<", "&lt;") + string(q)
}

// xmlEscape escapes the markup characters of XML text.
func xmlEscape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	s = strings.ReplaceAll(s, "&", "&amp;")
	s = strings.ReplaceAll(s, "<", "&lt;")
	return strings.ReplaceAll(s, ">", "&gt;")
}
