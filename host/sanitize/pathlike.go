package sanitize

import "strings"

// pathLike says whether s reads as a path of names rather than one
// generated token: at least three '/'-separated segments, no '+' or '='
// (base64), and every segment made of pieces (split at '.', '-' and '_')
// that are all digits, all letters, lowercase hex, a word with a small
// number ("python3"), a size ("64x64"), or at most two characters ("v2",
// "2x"), such as
// "/log/entries/37/_webSocketMessages/1/data" or
// "/static/js/main.8f3a2b1c.chunk.js". A random base64 value with slashes
// has segments that mix letters and digits, so it does not read as a path
// and the entropy rule still applies to it.
func pathLike(s string) bool {
	if strings.Count(s, "/") < 2 || strings.ContainsAny(s, "+=") {
		return false
	}
	segments := 0
	for seg := range strings.SplitSeq(s, "/") {
		if seg == "" {
			continue
		}
		segments++
		for piece := range strings.FieldsFuncSeq(seg, func(r rune) bool { return r == '.' || r == '-' || r == '_' }) {
			if len(piece) > 2 && !allDigits(piece) && !allLetters(piece) && !lowerHex(piece) && !wordDigit(piece) && !dimensions(piece) {
				return false
			}
		}
	}
	return segments >= 3
}

// wordDigit: a lower-case word and one digit ("python3", "utf8").
func wordDigit(s string) bool {
	n := len(s) - 1
	if n < 3 || s[n] < '0' || s[n] > '9' {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// dimensions: "64x64", "1920x1080" (icon and image sizes in paths).
func dimensions(s string) bool {
	a, b, ok := strings.Cut(s, "x")
	return ok && a != "" && b != "" && allDigits(a) && allDigits(b)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func allLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
