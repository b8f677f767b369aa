package sanitize

import (
	"html"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Needles: the values that Verify and the same-value pass search for. A
// value redacted in one place is searched for in every other, so a needle
// must itself look like a value: a stylesheet's ".fa-key:before {" once
// made "before {" a "secret", and the same-value pass replaced all 965 of
// its occurrences. The check is in one place, where values are
// remembered (Redactor.remember).

// shapeKinds are the kinds whose values are secrets by their shape alone
// (a detector found them): always needles.
var shapeKinds = func() map[string]bool {
	m := map[string]bool{"jwt": true, "jwe": true, "private-key": true, "entropy": true, "keyword": true,
		"bearer": true, "hex-path": true, "slack-webhook": true}
	for _, v := range vendorRules {
		m[v.kind] = true
	}
	return m
}()

// needleShaped says whether a value redacted with kind may be searched for
// elsewhere. A detector's hit (a key shape, a JWT, a generated token) and
// a user pattern's always may. A value found by name (a secret-named
// parameter, key, cookie or literal) may when it looks like a value: no
// spaces at its ends, none of the punctuation of code ("{}();"), and not
// text made of words ("X-CSRF-Token-", "tokens[tokens.length - 1]",
// "correct horse battery staple"). Callers hold r.mu.
func (r *Redactor) needleShaped(kind, v string) bool {
	if shapeKinds[kind] {
		return true
	}
	for _, p := range r.pol.patterns {
		if p.Name == kind {
			return true
		}
	}
	if kind == "file" {
		return fileNeedle(v)
	}
	if v != strings.TrimSpace(v) || strings.ContainsAny(v, "{}();") {
		return false
	}
	return !wordText(v)
}

// fileNeedle: a line (or the whole text) of an uploaded file is searched
// for when it is not code: prose and data lines are the file's content,
// "} else {" is everybody's.
func fileNeedle(v string) bool {
	return v == strings.TrimSpace(v) && !strings.ContainsAny(v, "{}();")
}

// wordText says whether v reads as words rather than one generated value:
// every run of letters and digits is a word (letters in a word's case
// pattern) or a short number, joined by spaces or punctuation.
func wordText(v string) bool {
	for i := 0; i < len(v); {
		if class[v[i]]&cAlnum == 0 {
			if v[i] >= 0x80 {
				return false
			}
			i++
			continue
		}
		j := i
		letters, digits := false, false
		for j < len(v) && class[v[j]]&cAlnum != 0 {
			if v[j] >= '0' && v[j] <= '9' {
				digits = true
			} else {
				letters = true
			}
			j++
		}
		switch {
		case letters && digits:
			return false
		case digits && j-i > 4:
			return false
		case letters && !wordShaped(v[i:j]):
			return false
		}
		i = j
	}
	return true
}

// fileNeedles are the texts of an uploaded text file that are searched for
// elsewhere: the whole text, and each line of 16 characters or more
// (trimmed), at most maxFileLines of them.
func fileNeedles(content string) []string {
	if !textual([]byte(content)) {
		return nil
	}
	var out []string
	if t := strings.TrimSpace(content); len(t) >= minVerifyValue {
		out = append(out, t)
	}
	for line := range strings.SplitSeq(content, "\n") {
		if len(out) > maxFileLines {
			break
		}
		if t := strings.TrimSpace(line); len(t) >= 16 && (len(out) == 0 || t != out[0]) {
			out = append(out, t)
		}
	}
	return out
}

// maxFileLines bounds the lines of one uploaded file that are remembered.
const maxFileLines = 1000

// escapedForms are the forms of v in the escapes of JavaScript and HTML
// that forms does not already make: JSON with "\/" (PHP), every character
// as \xNN and as \uNNNN (obfuscated scripts), HTML-escaped (Go's and
// the &quot;/&#x27;/&#x2F;/&#x3D; style of template engines), and every
// character as a decimal or hex character reference.
func escapedForms(v string, add func(string)) {
	// a backslash form in a JSON file has its backslashes escaped too
	addJS := func(f string) {
		add(f)
		add(strings.ReplaceAll(f, `\`, `\\`))
	}
	if strings.IndexByte(v, '/') >= 0 {
		addJS(strings.ReplaceAll(v, "/", `\/`))
	}
	if e := html.EscapeString(v); e != v {
		add(e)
		add(templateEscaper.Replace(v))
	}
	if !utf8.ValidString(v) || len(v) > maxSearchValue/2 {
		return
	}
	var x, u, d, h strings.Builder
	for _, c := range v {
		if c < 0x80 {
			x.WriteString(`\x`)
			x.WriteString(hex2(byte(c)))
		}
		if c <= 0xFFFF {
			u.WriteString(`\u`)
			s := strconv.FormatInt(int64(c), 16)
			u.WriteString("0000"[len(s):])
			u.WriteString(s)
		}
		d.WriteString("&#")
		d.WriteString(strconv.Itoa(int(c)))
		d.WriteByte(';')
		h.WriteString("&#x")
		h.WriteString(strconv.FormatInt(int64(c), 16))
		h.WriteByte(';')
	}
	if x.Len() == 4*len(v) {
		addJS(x.String())
	}
	if u.Len() == 6*utf8.RuneCountInString(v) {
		addJS(u.String())
	}
	add(d.String())
	add(h.String())
}

// templateEscaper escapes as Handlebars, lodash and OWASP's encoder do.
var templateEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;", "/", "&#x2F;", "=", "&#x3D;", "`", "&#x60;")

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}
