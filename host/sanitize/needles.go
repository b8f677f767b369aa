package sanitize

import (
	"encoding/binary"
	"hash/maphash"
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
// that forms does not already make and that only values with special
// characters have: JSON with "\/" (PHP) and HTML-escaped (Go's and the
// &quot;/&#x27;/&#x2F;/&#x3D; style of template engines). Every character
// as \xNN and \uNNNN (obfuscated scripts) or as a decimal or hex
// character reference: see charForms.
func escapedForms(v string, add func(string)) {
	if strings.IndexByte(v, '/') >= 0 {
		// in a JSON file, the backslashes are escaped too
		add(strings.ReplaceAll(v, "/", `\/`))
		add(strings.ReplaceAll(v, "/", `\\/`))
	}
	if e := html.EscapeString(v); e != v {
		add(e)
		add(templateEscaper.Replace(v))
	}
}

// The forms that write every character escaped (\xNN, \uNNNN, the same
// with JSON-escaped backslashes, &#NN;, &#xNN;) are long and one per
// value: charForms hashes them as it goes instead of building them.
const (
	formX = iota
	formXJSON
	formU
	formUJSON
	formDec
	formHex
	numCharForms
)

// charForms calls emit with the first 8 bytes, the length and the keyed
// hash of each every-character escape form of v (those forms exist:
// \xNN only for ASCII, \uNNNN only inside the BMP). The forms are built
// one after the other in one scratch buffer.
func charForms(seed maphash.Seed, v string, emit func(head uint64, hash uint32, n int)) {
	if len(v) > maxSearchValue || !utf8.ValidString(v) {
		return
	}
	ascii, bmp := true, true
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 {
			ascii = false
			for _, c := range v[i:] {
				if c > 0xFFFF {
					bmp = false
				}
			}
			break
		}
	}
	var stack [1024]byte
	b := stack[:0]
	if 11*len(v) > len(stack) {
		b = make([]byte, 0, 11*len(v))
	}
	for f := 0; f < numCharForms; f++ {
		if (f == formX || f == formXJSON) && !ascii || (f == formU || f == formUJSON) && !bmp {
			continue
		}
		b = b[:0]
		for _, c := range v {
			switch f {
			case formX, formXJSON:
				b = append(b, '\\')
				if f == formXJSON {
					b = append(b, '\\')
				}
				b = append(b, 'x', hexDigits[c>>4], hexDigits[c&15])
			case formU, formUJSON:
				b = append(b, '\\')
				if f == formUJSON {
					b = append(b, '\\')
				}
				b = append(b, 'u', hexDigits[c>>12&15], hexDigits[c>>8&15], hexDigits[c>>4&15], hexDigits[c&15])
			case formDec:
				b = append(b, '&', '#')
				b = strconv.AppendInt(b, int64(c), 10)
				b = append(b, ';')
			case formHex:
				b = append(b, '&', '#', 'x')
				b = strconv.AppendInt(b, int64(c), 16)
				b = append(b, ';')
			}
		}
		if len(b) >= 8 {
			emit(binary.LittleEndian.Uint64(b), uint32(maphash.Bytes(seed, b)), len(b))
		}
	}
}

const hexDigits = "0123456789abcdef"

// templateEscaper escapes as Handlebars, lodash and OWASP's encoder do.
var templateEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;", "/", "&#x2F;", "=", "&#x3D;", "`", "&#x60;")
