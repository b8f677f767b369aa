package sanitize

import (
	"strings"

	"github.com/tdewolff/parse/v2/css"
)

// css sanitizes a stylesheet (a body, a <style> element, a style
// attribute) through the CSS lexer: the contents of strings, url() and
// comments are sanitized; selectors, properties and values are copied as
// they are (".fa-key:before {" is a selector, not a secret named key).
// A string's name is its declaration's property ("--api-token": "V") or
// the attribute of a selector ([data-token="V"]).
func (r *Redactor) css(loc *locator, src string, ctx textCtx) string {
	if len(src) < 6 {
		return src
	}
	in, release := lexInput(src)
	defer release()
	l := css.NewLexer(in)
	w := &rewrite{src: src}
	var prev [2]css.TokenType
	prevIdent := ""
	commentCtx := ctx
	commentCtx.noPersonal, commentCtx.shapes = true, true // as in JavaScript's comments
	for {
		tt, data := l.Next()
		if tt == css.ErrorToken {
			break
		}
		start, tok, ok := w.next(len(data))
		if !ok {
			break
		}
		nt := tok
		switch tt {
		case css.StringToken:
			name := ""
			if prev[0] == css.ColonToken || prev[0] == css.DelimToken || prev[0] == css.IncludeMatchToken {
				name = prevIdent
			}
			q := tok[0]
			nt = string(q) + r.redactLitRaw(loc, tok[1:len(tok)-1],
				func(v string) string { return r.codeLit(loc, name, v, ctx) },
				cssUnquote,
				func(v string) string { return cssQuote(v, q) }) + string(q)
		case css.URLToken:
			nt = r.cssURL(loc, tok, ctx)
		case css.CustomPropertyValueToken:
			// --api-token: "V" (custom properties are lexed whole)
			if t := strings.TrimSpace(tok); len(t) >= 2 && (t[0] == '"' || t[0] == '\'') && t[len(t)-1] == t[0] {
				i := strings.IndexByte(tok, t[0])
				inner := tok[i+1 : i+len(t)-1]
				v := r.redactLitRaw(loc, inner,
					func(v string) string { return r.codeLit(loc, prevIdent, v, ctx) },
					cssUnquote,
					func(v string) string { return cssQuote(v, t[0]) })
				nt = tok[:i+1] + v + tok[i+len(t)-1:]
			} else {
				nt = r.text(loc, tok, textCtx{shapes: true, noPersonal: true})
			}
		case css.IdentToken, css.HashToken, css.FunctionToken, css.AtKeywordToken, css.DimensionToken, css.BadStringToken, css.BadURLToken, css.CustomPropertyNameToken:
			nt = r.shapeToken(loc, tok)
		case css.CommentToken:
			if len(tok) >= 4 && strings.HasPrefix(tok, "/*") && strings.HasSuffix(tok, "*/") {
				if body := tok[2 : len(tok)-2]; len(body) >= 8 {
					if nb := r.text(loc, body, commentCtx); nb != body && !strings.Contains(nb, "*/") {
						nt = "/*" + nb + "*/"
					}
				}
			}
		}
		w.emit(start, tok, nt)
		switch tt {
		case css.WhitespaceToken, css.CommentToken:
			continue
		case css.IdentToken, css.CustomPropertyNameToken:
			prevIdent = tok
		}
		prev[1], prev[0] = prev[0], tt
	}
	out, _ := w.result() // a stylesheet the lexer did not account for comes back as it was
	return out
}

// cssURL sanitizes a url(…) token, quoted or not.
func (r *Redactor) cssURL(loc *locator, tok string, ctx textCtx) string {
	if len(tok) < 5 || !hasPrefixFold(tok, "url(") || tok[len(tok)-1] != ')' {
		return tok
	}
	inner := tok[4 : len(tok)-1]
	t := strings.TrimSpace(inner)
	lead := inner[:strings.Index(inner, t)]
	trail := inner[len(lead)+len(t):]
	if t == "" {
		return tok
	}
	var nt string
	if q := t[0]; (q == '"' || q == '\'') && len(t) >= 2 && t[len(t)-1] == q {
		nt = string(q) + r.redactLitRaw(loc, t[1:len(t)-1],
			func(v string) string { return r.codeURL(loc, v, ctx) },
			cssUnquote,
			func(v string) string { return cssQuote(v, q) }) + string(q)
	} else {
		if strings.IndexByte(t, '\\') >= 0 {
			return tok
		}
		nt = r.codeURL(loc, t, ctx)
		if strings.ContainsAny(nt, " \t\n\"'()") {
			return tok
		}
	}
	if nt == t {
		return tok
	}
	return tok[:4] + lead + nt + trail + ")"
}

// codeURL sanitizes a URL written in code: a data: URI of an image or a
// font is content, searched for key shapes only; anything else is a URL.
func (r *Redactor) codeURL(loc *locator, v string, ctx textCtx) string {
	if len(v) < 6 || isTag(v) {
		return v
	}
	ctx.code = true
	if hasPrefixFold(v, "data:") {
		if mediaDataURI(v) {
			return r.wordPass(loc, v, textCtx{noEntropy: true})
		}
		return r.text(loc, v, textCtx{shapes: true, noPersonal: true})
	}
	if strings.HasPrefix(v, "#") || strings.HasPrefix(v, "javascript:") {
		return r.text(loc, v, textCtx{shapes: true, noPersonal: true})
	}
	return r.url(loc, v, ctx)
}

// cssUnquote decodes the contents of a CSS string.
func cssUnquote(s string) (string, bool) {
	if strings.IndexByte(s, '\\') < 0 {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", false
		}
		switch c := s[i]; {
		case c == '\n':
		case c == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case isHex(s[i : i+1]):
			k := i
			for k < len(s) && k-i < 6 && isHex(s[k:k+1]) {
				k++
			}
			cp := hexVal(s[i:k])
			if cp == 0 || cp >= 0xD800 && cp < 0xE000 || cp > 0x10FFFF {
				cp = 0xFFFD
			}
			b.WriteRune(rune(cp))
			if k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n') {
				k++
			}
			i = k - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

// cssQuote encodes v for the inside of a CSS string delimited by q.
func cssQuote(v string, q byte) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' || c == q:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\a `)
		case c == '\r':
			b.WriteString(`\d `)
		case c < 0x20:
			b.WriteByte('\\')
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
