package sanitize

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// bodyCoder is a reusable decoder and writer for JSON bodies.
type bodyCoder struct {
	src strings.Reader
	dec *jsontext.Decoder
	buf bytes.Buffer
	out jsonOut // writes to buf
}

var bodyCoders = sync.Pool{New: func() any {
	c := &bodyCoder{}
	c.dec = jsontext.NewDecoder(&c.src, decodeOptions...)
	c.out.w = &c.buf
	return c
}}

// jsonDoc sanitizes a JSON document held in a string (a body, or JSON
// inside a JSON string) token by token, without building a tree: the same
// rules as walk. ok is false when s is not one JSON value; the result is s
// itself when nothing changed, so formatting is kept.
func (r *Redactor) jsonDoc(loc *locator, s string, ctx textCtx) (out string, ok bool) {
	c := bodyCoders.Get().(*bodyCoder)
	defer bodyCoders.Put(c)
	c.src.Reset(s)
	c.dec.Reset(&c.src, decodeOptions...)
	c.buf.Reset()
	c.out.buf, c.out.err = c.out.buf[:0], nil
	w := &jsonWalker{r: r, dec: c.dec, out: &c.out, loc: loc, ctx: ctx}
	depth := len(loc.path)
	if err := w.value(nil, false, 0); err != nil {
		loc.path = loc.path[:depth]
		if !errors.Is(err, io.ErrUnexpectedEOF) || c.dec.InputOffset() == 0 {
			return s, false
		}
		return r.cutJSON(loc, s, c, w, ctx), true
	}
	if _, err := c.dec.ReadToken(); err != io.EOF {
		return s, false
	}
	if !w.changed {
		return s, true
	}
	c.out.flush()
	return c.buf.String(), true
}

// cutJSON finishes a JSON document that ends early (a body preview cut
// at its size, a body the budget trimmed, a capture that stopped): its
// complete tokens were walked as JSON, and the incomplete rest (part of a
// string, a number, a name) is read as text. Read as text, a cut
// translation file's "API Key": "API Key" would look like a name and its
// value, and the bundle would refuse its own report.
func (r *Redactor) cutJSON(loc *locator, s string, c *bodyCoder, w *jsonWalker, ctx textCtx) string {
	off := int(c.dec.InputOffset())
	tail := s[off:]
	nt := r.text(loc, tail, ctx)
	if rule := w.cutRule; rule != nil {
		// cut inside a string under a secret's name: what is left of
		// it is the secret's start
		if q := strings.IndexByte(tail, '"'); q >= 0 && q+1 < len(tail) && !isTag(tail[q+1:]) {
			nt = tail[:q+1] + r.secret(loc, rule.Name, tail[q+1:])
		}
	}
	if !w.changed {
		if nt == tail {
			return s
		}
		return s[:off] + nt
	}
	c.out.flush()
	head := c.buf.Bytes()
	// the walker wrote the delimiter before the token it could not read
	// ("[1," then "2" missing); the tail still has it
	if t := strings.TrimLeft(nt, " \t\r\n"); len(head) > 0 && t != "" && (t[0] == ',' || t[0] == ':') && head[len(head)-1] == t[0] {
		head = head[:len(head)-1]
	}
	return string(head) + nt
}

type jsonWalker struct {
	r       *Redactor
	dec     *jsontext.Decoder
	out     *jsonOut
	loc     *locator
	ctx     textCtx
	changed bool
	sources bool   // the strings of a source map's sourcesContent: code
	cutRule *Rule  // the rule of the string the document ended in (cutJSON)
	lastStr string // the string value read last (a pair's name)
}

// value copies the next value, sanitizing it; rule is the key rule of an
// enclosing member (every string below it is a secret).
func (w *jsonWalker) value(rule *Rule, exact bool, depth int) error {
	if depth > maxDepth {
		return errTooDeep
	}
	tok, err := w.dec.ReadToken()
	if err != nil {
		if w.cutRule == nil {
			w.cutRule = rule
		}
		return err
	}
	switch tok.Kind() {
	case '{':
		w.out.byte('{')
		var mimes bodyMimes // media types seen in this object, for its bodies
		pairName := ""      // a name/value pair's name that names a secret
		// a pair's value read before its name: where it was written, to
		// write it again if the name comes and names a secret
		var early struct {
			seen                bool
			key, str            string
			start, end, flushes int
		}
		for i := 0; w.dec.PeekKind() != '}'; i++ {
			kt, err := w.dec.ReadToken()
			if err != nil {
				return err
			}
			k := kt.String()
			w.loc.push(k)
			nk := k
			if nk = w.r.jsonKey(w.loc, k, w.ctx); nk != k {
				w.changed = true
			}
			if i > 0 {
				w.out.byte(',')
			}
			w.out.str(nk)
			w.out.byte(':')
			r, ex := rule, exact
			saved := w.ctx
			if r == nil && pairName != "" && pairValueKey(k) && w.dec.PeekKind() == '"' {
				tok, err := w.dec.ReadToken()
				if err != nil {
					return err
				}
				n := &node{kind: '"', str: tok.String()}
				if w.r.namedValue(w.loc, pairName, n, w.ctx) {
					w.changed = true
				} else if ns := w.r.jsonString(w.loc, n.str, w.ctx); ns != n.str {
					n.str = ns
					w.changed = true
				}
				w.out.str(n.str)
				w.loc.pop()
				continue
			}
			if r == nil {
				m := w.r.keyRule(k)
				r, ex = m.rule, m.exact
				if r == nil {
					w.ctx = keyCtx(m.kinds, w.ctx)
				} else if w.dec.PeekKind() == '"' {
					// a secret's name over one string: unless the member
					// is a label and its text (labelPair)
					tok, err := w.dec.ReadToken()
					if err != nil {
						w.cutRule = r
						return err
					}
					n := &node{kind: '"', str: tok.String()}
					w.lastStr = n.str
					if pairName == "" && pairNameKey(k) && w.r.pairNamed(n.str) {
						pairName = n.str // {"key":"api_key","value":…}
					}
					if labelPair(k, n.str) {
						if ns := w.r.jsonString(w.loc, n.str, w.ctx); ns != n.str {
							n.str = ns
							w.changed = true
						}
					} else if w.r.secretNode(w.loc, r, ex, n, w.ctx) {
						w.changed = true
					}
					w.out.str(n.str)
					w.loc.pop()
					continue
				}
			}
			if rule == nil && w.dec.PeekKind() == '"' {
				if done, err := w.bodyMember(&mimes, k); done || err != nil {
					if err != nil {
						return err
					}
					w.ctx = saved
					w.loc.pop()
					continue
				}
			}
			w.lastStr = ""
			isStr := w.dec.PeekKind() == '"'
			sources := w.sources
			w.sources = r == nil && k == "sourcesContent"
			early1 := rule == nil && r == nil && pairName == "" && !early.seen && isStr && pairValueKey(k)
			start, flushes := len(w.out.buf), w.out.flushes
			if err := w.value(r, ex, depth+1); err != nil {
				return err
			}
			if early1 {
				early.seen, early.key, early.str = true, k, w.lastStr
				early.start, early.end, early.flushes = start, len(w.out.buf), flushes
			}
			if rule == nil && pairName == "" && isStr && pairNameKey(k) && w.r.pairNamed(w.lastStr) {
				pairName = w.lastStr
			}
			w.ctx, w.sources = saved, sources
			w.loc.pop()
		}
		if early.seen && pairName != "" {
			// {"value":"V","name":"api_key"}: V goes now; where the
			// output was flushed since, the same-value pass replaces it
			w.loc.push(early.key)
			n := &node{kind: '"', str: early.str}
			if w.r.namedValue(w.loc, pairName, n, w.ctx) {
				w.changed = true
				if w.out.w != nil && w.out.flushes == early.flushes {
					tail := append([]byte(nil), w.out.buf[early.end:]...)
					w.out.buf = appendQuoted(w.out.buf[:early.start], n.str)
					w.out.buf = append(w.out.buf, tail...)
				}
			}
			w.loc.pop()
		}
		if _, err := w.dec.ReadToken(); err != nil {
			return err
		}
		w.out.byte('}')
		return nil
	case '[':
		w.out.byte('[')
		for i := 0; w.dec.PeekKind() != ']'; i++ {
			if i > 0 {
				w.out.byte(',')
			}
			w.loc.push(itoa(i))
			if err := w.value(rule, exact, depth+1); err != nil {
				return err
			}
			w.loc.pop()
		}
		if _, err := w.dec.ReadToken(); err != nil {
			return err
		}
		w.out.byte(']')
		return nil
	case '"':
		s := tok.String()
		w.lastStr = s
		ns := s
		if rule != nil {
			n := &node{kind: '"', str: s}
			w.r.secretNode(w.loc, rule, exact, n, w.ctx)
			ns = n.str
		} else if w.sources && len(s) >= 6 {
			ns = w.r.javascript(w.loc, s, w.ctx, false) // a source map's copy of a source
		} else {
			ns = w.r.jsonString(w.loc, s, w.ctx)
		}
		if ns != s {
			w.changed = true
		}
		w.out.str(ns)
		return nil
	case '0':
		if rule != nil && w.r.numberApplies(rule, exact, tok.String(), w.ctx) {
			w.changed = true
			w.out.str(w.r.secret(w.loc, rule.Name, tok.String()))
			return nil
		}
		w.out.raw(tok.String())
		return nil
	case 'n':
		w.out.raw("null")
	case 't':
		w.out.raw("true")
	case 'f':
		w.out.raw("false")
	}
	return nil
}

// bodyMimes are the media types an object names for its bodies, by
// the index of bodyTypes.
type bodyMimes [len(bodyTypes)]string

// bodyMember reads a string member that is a media type (remembered) or a
// body whose media type came before it (read in its language, as
// [Redactor.body] reads a HAR's bodies). done is false when member k is
// neither: the caller reads it as any value.
func (w *jsonWalker) bodyMember(m *bodyMimes, k string) (done bool, err error) {
	mime, typeOf := "", -1
	for i, bt := range bodyTypes {
		switch k {
		case bt.mime:
			typeOf = i
		case bt.body:
			if !codeType(m[i]) {
				return false, nil
			}
			mime = m[i]
		}
	}
	if mime == "" && typeOf < 0 {
		return false, nil
	}
	tok, err := w.dec.ReadToken()
	if err != nil {
		return true, err
	}
	s := tok.String()
	var ns string
	if typeOf >= 0 {
		m[typeOf] = s
	}
	if mime == "" {
		ns = w.r.jsonString(w.loc, s, w.ctx)
	} else {
		ns = w.r.body(w.loc, s, mime, w.ctx)
	}
	if ns != s {
		w.changed = true
	}
	w.out.str(ns)
	return true, nil
}
