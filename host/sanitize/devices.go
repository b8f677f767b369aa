package sanitize

import "strings"

// Detectors of text forms that name their value: "Bearer <token>" in any
// text, MAC addresses, and serial numbers after a "Serial Number" label.

// bearerPass redacts the token after the word "Bearer" in any text (a
// text/plain body, a console message, a log line), keeping the scheme:
// "Bearer [REDACTED:bearer:<h8>]". A token is RFC 6750's b64token of 8
// characters or more that is not a word code ("Bearer token", "Bearer
// YOUR_API_KEY", "Bearer undefined") nor an auth parameter ("Bearer
// realm=\"api\"").
func (r *Redactor) bearerPass(loc *locator, s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i+7 < len(s); {
		k := indexFold(s[i:], "bearer")
		if k < 0 {
			break
		}
		p := i + k
		i = p + 6
		if p > 0 && class[s[p-1]]&cAlnum != 0 {
			continue
		}
		vs := i
		for vs < len(s) && s[vs] == ' ' {
			vs++
		}
		if vs == i || vs-i > 4 {
			continue
		}
		ve := vs
		for ve < len(s) && (class[s[ve]]&cB64 != 0 || s[ve] == '.' || s[ve] == '~') {
			ve++
		}
		tok := strings.TrimRight(s[vs:ve], "=")
		if ve < len(s) && (s[ve] == '"' || s[ve] == '\'') && len(tok) < ve-vs {
			continue // realm="api": an auth parameter
		}
		if len(tok) < 8 || wordCode(tok) || allDigits(tok) || ve < len(s) && s[ve] == '[' {
			continue
		}
		b.WriteString(s[last:vs])
		b.WriteString(r.replace(loc.at(vs), "bearer", "bearer", s[vs:ve]))
		last, i = ve, ve
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// indexFold is strings.Index for a lowercase ASCII word, case-insensitive.
func indexFold(s, word string) int {
	first, upper := word[0], word[0]-'a'+'A'
	for i := 0; i+len(word) <= len(s); i++ {
		j := strings.IndexByte(s[i:], first)
		if u := strings.IndexByte(s[i:], upper); u >= 0 && (j < 0 || u < j) {
			j = u
		}
		if j < 0 {
			return -1
		}
		i += j
		if i+len(word) <= len(s) && strings.EqualFold(s[i:i+len(word)], word) {
			return i
		}
	}
	return -1
}

// macPass redacts MAC addresses ("00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e")
// and keeps the first three octets, the vendor, as an email keeps its
// domain: "00:1A:2B:[REDACTED:mac:<h8>]" (h8 of the whole address,
// lowercase). The broadcast and all-zero addresses stay; six groups must
// stand alone (a certificate fingerprint has more).
func (r *Redactor) macPass(loc *locator, s string) string {
	var b strings.Builder
	last := 0
	for i := 2; i+15 <= len(s); {
		k := strings.IndexAny(s[i:], ":-")
		if k < 0 {
			break
		}
		p := i + k // the first separator, after two hex digits
		i = p + 1
		start := p - 2
		if start < last || start+17 > len(s) || !macAt(s, start) {
			continue
		}
		end := start + 17
		v := strings.ToLower(s[start:end])
		if v == "00:00:00:00:00:00" || v == "ff:ff:ff:ff:ff:ff" || v == "00-00-00-00-00-00" || v == "ff-ff-ff-ff-ff-ff" {
			i = end
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(r.replace(loc.at(start), "mac", "mac", s[start:end]))
		last, i = end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// macAt says whether six hex pairs with one separator start at s[i] and
// stand alone.
func macAt(s string, i int) bool {
	sep := s[i+2]
	for g := 0; g < 6; g++ {
		o := i + 3*g
		if !isHexByte(s[o]) || !isHexByte(s[o+1]) {
			return false
		}
		if g < 5 && s[o+2] != sep {
			return false
		}
	}
	if i > 0 && (class[s[i-1]]&cAlnum != 0 || s[i-1] == sep || s[i-1] == '.') {
		return false
	}
	e := i + 17
	return e == len(s) || class[s[e]]&cAlnum == 0 && s[e] != sep
}

func isHexByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// serialPass redacts the serial number after a label in text and page
// titles: "Serial Number: C02XK1ZJJG5H", "Serial No. 5CD1234XYZ",
// "serial #PF2ABCDE", "S/N: …". (A serial-named parameter or key,
// "serialNumber=…", goes by the serial rule.) The value must be shaped
// like a serial (serialShaped): "serial port 8250" stays.
func (r *Redactor) serialPass(loc *locator, s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		k := indexFold(s[i:], "serial")
		lk := 6
		if sn := strings.Index(s[i:], "S/N"); sn >= 0 && (k < 0 || sn < k) {
			k, lk = sn, 3
		}
		if k < 0 {
			break
		}
		p := i + k
		i = p + lk
		if p > 0 && (class[s[p-1]]&cAlnum != 0 || s[p-1] == ':') {
			continue // inside a word, or the kind of a tag ("[REDACTED:serial:…]")
		}
		j := i
		if lk == 6 {
			// an optional "number", "no", "no.", "num" or "#"
			q := j
			for q < len(s) && (s[q] == ' ' || s[q] == '_' || s[q] == '-') {
				q++
			}
			for _, w := range []string{"number", "num", "no."} {
				if q+len(w) <= len(s) && strings.EqualFold(s[q:q+len(w)], w) {
					j = q + len(w)
					break
				}
			}
			if j == i && q+2 <= len(s) && strings.EqualFold(s[q:q+2], "no") && (q+2 == len(s) || class[s[q+2]]&cAlnum == 0) {
				j = q + 2
			}
			if j < len(s) && class[s[j]]&cAlnum != 0 {
				continue // "serialize", "serials"
			}
		}
		vs := j
		for vs < len(s) && (s[vs] == ' ' || s[vs] == ':' || s[vs] == '#' || s[vs] == '=' || s[vs] == '\t') && vs-j < 4 {
			vs++
		}
		if vs == j {
			continue
		}
		ve := vs
		for ve < len(s) && (class[s[ve]]&cAlnum != 0 || s[ve] == '-' || s[ve] == '_' || s[ve] == '.' || s[ve] == '/') {
			ve++
		}
		for ve > vs && (s[ve-1] == '.' || s[ve-1] == '-') {
			ve-- // the end of a sentence
		}
		if !serialShaped(s[vs:ve]) || ve < len(s) && s[ve] == '[' {
			continue
		}
		b.WriteString(s[last:vs])
		b.WriteString(r.replace(loc.at(vs), "serial", "serial", s[vs:ve]))
		last, i = ve, ve
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}
