package sanitize

import (
	"io"
	"strings"

	"github.com/tdewolff/parse/v2/js"
)

// javascript sanitizes a script (a body, an inline script, an event
// handler, a source map's source) through the JavaScript lexer: the
// contents of string literals, template text and comments are sanitized,
// each named by the syntax around it (jsName); regular expressions,
// identifiers, numbers and punctuation are copied as they are. A script
// in an HTML page (inHTML) keeps "</" escaped in the literals it changes.
// A script that does not lex (not JavaScript, or a regular expression the
// lexer cannot tell from a division) is only searched for secret shapes.
func (r *Redactor) javascript(loc *locator, src string, ctx textCtx, inHTML bool) string {
	if len(src) < 6 {
		return src
	}
	var forced map[int]bool // offsets of '/' that are divisions after all
	for try := 0; ; try++ {
		out, failedAt, ok := r.jsPass(loc, src, ctx, inHTML, forced, try == 7)
		if ok {
			return out
		}
		if failedAt < 0 {
			break
		}
		if forced == nil {
			forced = map[int]bool{}
		}
		forced[failedAt] = true
	}
	// not JavaScript: an HTML page served as a script (an error page)
	if head := strings.TrimLeft(src[:min(len(src), 64)], " \t\r\n\ufeff"); strings.HasPrefix(head, "<") && !inHTML {
		return r.html(loc, src, ctx)
	}
	return r.text(loc, src, textCtx{shapes: true, ip: ctx.ip, noPersonal: ctx.noPersonal, depth: ctx.depth})
}

// shapeToken searches a token of code that is not a literal (a name, a
// tag, a selector, a regular expression) for key shapes only (vendor
// keys, JWTs): a secret pasted where code goes.
func (r *Redactor) shapeToken(loc *locator, tok string) string {
	if len(tok) < 12 {
		return tok
	}
	return r.wordPass(loc, tok, textCtx{noEntropy: true, noPersonal: true})
}

// jsTok is a significant token seen before the current one.
type jsTok struct {
	tt   js.TokenType
	data string
}

// jsPass is one lexing pass. When a '/' read as the start of a regular
// expression does not make one, it returns that offset (failedAt) so
// that the next pass reads it as a division; failedAt is -1 for any
// other lexing error.
//
// A lexing error that is not a regular expression's (a script cut short,
// as in a report's preview of a body) keeps what was read before it when
// tail is set or the error comes after most of the script: the rest is
// searched for shapes only.
func (r *Redactor) jsPass(loc *locator, src string, ctx textCtx, inHTML bool, forced map[int]bool, tail bool) (out string, failedAt int, ok bool) {
	in, release := lexInput(src)
	defer release()
	l := js.NewLexer(in)
	w := &rewrite{src: src}
	emit := w.emit
	var prev [4]jsTok // prev[0] is the last significant token
	lastLitName := "" // the name the last literal ends with ("?token=")
	push := func(tt js.TokenType, data string) {
		prev[3], prev[2], prev[1], prev[0] = prev[2], prev[1], prev[0], jsTok{tt, data}
	}
	commentCtx := ctx
	// a comment is prose about code and code that was commented out:
	// key shapes, URLs and keyword+token pairs, not assignments (it says
	// state = "resolved"), and no personal data (authors of licences)
	commentCtx.noPersonal, commentCtx.shapes = true, true
	templates := 0  // templates open ("${" read, "}`" not yet)
	plainUntil := 0 // the end of the plain code jsPlain last looked at
	canJump := true // the last token leaves the lexer free to jump (not a number)
	var long []int
	for {
		if templates == 0 && canJump && w.pos >= plainUntil && !jsNoJump {
			// jump over plain code (jsplain.go): only its long names can change
			from := w.pos
			var restart int
			restart, plainUntil, long = jsPlain(src, from, long[:0])
			plainUntil = max(plainUntil, from+1)
			if restart > from {
				for k := 0; k < len(long); k += 2 {
					s, e := long[k], long[k+1]
					emit(w.pos, src[w.pos:s], src[w.pos:s])
					emit(s, src[s:e], r.shapeToken(loc, src[s:e]))
					w.pos = e
				}
				emit(w.pos, src[w.pos:restart], src[w.pos:restart])
				in.Move(restart - from)
				in.Skip()
				w.pos = restart
			}
		}
		tt, data := l.Next()
		start := w.pos
		if tt == js.ErrorToken {
			if err := l.Err(); err != nil && err != io.EOF {
				if !tail && start < len(src)*3/4 {
					return "", -1, false
				}
				rest := src[start:]
				emit(start, rest, r.text(loc, rest, textCtx{shapes: true, ip: ctx.ip, noPersonal: ctx.noPersonal, depth: ctx.depth}))
				w.pos = len(src)
			}
			break
		}
		if (tt == js.DivToken || tt == js.DivEqToken) && !forced[start] && jsRegexAllowed(prev[0]) {
			tt, data = l.RegExp()
			if tt == js.ErrorToken {
				if tail {
					rest := src[start:]
					emit(start, rest, r.text(loc, rest, textCtx{shapes: true, ip: ctx.ip, noPersonal: ctx.noPersonal, depth: ctx.depth}))
					w.pos = len(src)
					break
				}
				return "", start, false
			}
		}
		_, tok, ok := w.next(len(data))
		if !ok {
			return "", -1, false
		}
		canJump = !js.IsNumeric(tt)
		switch tt {
		case js.TemplateStartToken:
			templates++
		case js.TemplateEndToken:
			templates--
		}
		switch tt {
		case js.WhitespaceToken, js.LineTerminatorToken:
			emit(start, tok, tok)
			continue
		case js.CommentToken:
			emit(start, tok, r.jsComment(loc, tok, commentCtx))
			continue
		case js.StringToken:
			name, strong := jsName(prev, lastLitName)
			q := tok[0]
			raw := tok[1 : len(tok)-1]
			if nr := r.jsLiteral(loc, raw, q, name, strong, ctx, inHTML); nr != raw {
				emit(start, tok, string(q)+nr+string(q))
			} else {
				emit(start, tok, tok)
			}
			lastLitName = rawTrailingName(raw)
		case js.TemplateToken, js.TemplateStartToken, js.TemplateMiddleToken, js.TemplateEndToken:
			open, close := 1, 1
			if tt == js.TemplateStartToken || tt == js.TemplateMiddleToken {
				close = 2 // "${"
			}
			name, strong := "", false
			if tt == js.TemplateToken || tt == js.TemplateStartToken {
				name, strong = jsName(prev, lastLitName)
			}
			raw := tok[open : len(tok)-close]
			if nr := r.jsLiteral(loc, raw, '`', name, strong, ctx, inHTML); nr != raw {
				emit(start, tok, tok[:open]+nr+tok[len(tok)-close:])
			} else {
				emit(start, tok, tok)
			}
			lastLitName = rawTrailingName(raw)
		case js.IdentifierToken, js.RegExpToken, js.PrivateIdentifierToken:
			emit(start, tok, r.shapeToken(loc, tok))
		default:
			emit(start, tok, tok)
		}
		push(tt, tok)
	}
	if out, ok := w.result(); ok {
		return out, 0, true
	}
	return "", -1, false // the lexer did not account for every byte
}

// rawTrailingName is trailingName of a literal given as written: decoded
// only when it ends in a way that can name the next value.
func rawTrailingName(raw string) string {
	if raw == "" {
		return ""
	}
	switch raw[len(raw)-1] {
	case '=', ':', ' ', '/':
	default:
		return ""
	}
	v, ok := jsUnquote(raw)
	if !ok {
		return ""
	}
	return trailingName(v)
}

// jsLiteral sanitizes the raw contents of a string literal or template
// text delimited by q.
func (r *Redactor) jsLiteral(loc *locator, raw string, q byte, name string, strong bool, ctx textCtx, inHTML bool) string {
	if len(raw) < 4 && name == "" {
		return raw
	}
	return r.redactLitRaw(loc, raw,
		func(v string) string {
			if name != "" && !strong && !(valueLike(v) && randomish(v) && len(v) >= 8) {
				name = "" // a weak name (a function's, a comparison's) needs a token
			}
			return r.codeLit(loc, name, v, ctx)
		},
		jsUnquote,
		func(v string) string { return jsQuote(v, q, inHTML) })
}

// jsComment sanitizes the text of a comment ("// …", "/* … */",
// "<!-- …").
func (r *Redactor) jsComment(loc *locator, tok string, ctx textCtx) string {
	var pre, body, post string
	switch {
	case strings.HasPrefix(tok, "/*") && strings.HasSuffix(tok, "*/") && len(tok) >= 4:
		pre, body, post = "/*", tok[2:len(tok)-2], "*/"
	case strings.HasPrefix(tok, "//"):
		pre, body = "//", tok[2:]
	default:
		body = tok
	}
	if len(body) < 8 {
		return tok
	}
	nb := r.text(loc, body, ctx)
	if nb == body || strings.Contains(nb, "*/") || strings.ContainsAny(nb, "\n\r") && pre == "//" {
		return tok
	}
	return pre + nb + post
}

// jsRegexAllowed says whether a '/' after the token p starts a regular
// expression rather than a division: after an operator, an opening
// bracket, a comma, a semicolon, a '}' (a block's end) or a keyword that
// takes an expression; not after a value (a name, a number, a string, a
// ')' or a ']').
func jsRegexAllowed(p jsTok) bool {
	switch p.tt {
	case 0:
		return true // the start of the script
	case js.IdentifierToken, js.StringToken, js.RegExpToken, js.TemplateToken, js.TemplateEndToken,
		js.CloseParenToken, js.CloseBracketToken, js.PrivateIdentifierToken,
		js.ThisToken, js.SuperToken, js.NullToken, js.TrueToken, js.FalseToken,
		js.IncrToken, js.DecrToken:
		return false
	}
	if js.IsNumeric(p.tt) {
		return false
	}
	if js.IsIdentifierName(p.tt) {
		switch p.tt {
		case js.ReturnToken, js.TypeofToken, js.InstanceofToken, js.InToken, js.OfToken, js.NewToken,
			js.DeleteToken, js.VoidToken, js.ThrowToken, js.CaseToken, js.DoToken, js.ElseToken,
			js.YieldToken, js.AwaitToken:
			return true
		}
		return false // a keyword used as a property name: obj.default / 2
	}
	return true
}

// jsName is the name the syntax gives the literal that comes after prev
// (prev[0] the token just before it), and whether it is a strong name
// (the value is the name's: a key, a variable, a default, a "name=" just
// before) or a weak one (a function's argument, a comparison), which
// needs a token-shaped value.
func jsName(prev [4]jsTok, lastLitName string) (string, bool) {
	p0, p1, p2, p3 := prev[0], prev[1], prev[2], prev[3]
	isLit := func(t jsTok) bool {
		return t.tt == js.StringToken || t.tt == js.TemplateToken || t.tt == js.TemplateEndToken
	}
	isName := func(t jsTok) bool {
		return t.tt == js.IdentifierToken || js.IsIdentifierName(t.tt) && t.tt != js.ThisToken
	}
	switch p0.tt {
	case js.TemplateStartToken, js.TemplateMiddleToken:
		return lastLitName, true // `?token=${"V"}`
	case js.AddToken:
		if isLit(p1) {
			return lastLitName, true // '?api_key=' + 'V'
		}
	case js.ColonToken:
		// { key: "V" } and { "key": "V" }: the key follows '{' or ','
		if p2.tt == js.OpenBraceToken || p2.tt == js.CommaToken {
			switch {
			case isName(p1):
				return p1.data, true
			case p1.tt == js.StringToken:
				k, _ := jsUnquote(p1.data[1 : len(p1.data)-1])
				return k, true
			}
		}
	case js.EqToken, js.OrEqToken, js.NullishEqToken, js.AndEqToken:
		switch {
		case isName(p1):
			return p1.data, true // var token = "V"; a.token = "V"
		case p1.tt == js.CloseBracketToken && p2.tt == js.StringToken:
			k, _ := jsUnquote(p2.data[1 : len(p2.data)-1])
			return k, true // a["token"] = "V"
		}
	case js.OrToken, js.NullishToken:
		if isName(p1) {
			return p1.data, true // process.env.API_TOKEN || "V"
		}
	case js.EqEqToken, js.EqEqEqToken, js.NotEqToken, js.NotEqEqToken:
		if isName(p1) {
			return p1.data, false
		}
	case js.CommaToken:
		if p1.tt == js.StringToken && (p2.tt == js.OpenParenToken || p2.tt == js.OpenBracketToken) {
			k, _ := jsUnquote(p1.data[1 : len(p1.data)-1])
			if k != "" && !strings.ContainsAny(k, " \t\n") {
				return k, true // setRequestHeader("X-Api-Key", "V")
			}
		}
	case js.OpenParenToken:
		if isName(p1) && p2.tt == js.AddToken && isLit(p3) && lastLitName != "" {
			return lastLitName, true // 'client_secret=' + encodeURIComponent('V')
		}
		if isName(p1) {
			return p1.data, false // setToken("V")
		}
	}
	return "", false
}
