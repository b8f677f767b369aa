package replay

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultVolatileParams are the query parameters and JSON fields that pages
// fill with a new value on every request (cache busters, client clocks,
// nonces). Their values never decide a match; their presence still counts.
var DefaultVolatileParams = []string{
	"_", "t", "ts", "cb", "_t", "_ts", "_cb", "v", "rnd", "rand", "random",
	"nocache", "cachebuster", "cache_buster", "timestamp", "time", "now",
	"nonce", "_dc", "bust", "cachebust", "requestId", "request_id",
	"clientTime", "client_time", "sentAt", "sent_at",
}

// redactionMark starts a value that the sanitizer replaced; the whole
// placeholder is "[REDACTED:…]" and matches any value in its place.
const redactionMark = "[REDACTED"

// volatileName reports whether a parameter or field name is in the volatile set.
func volatileName(name string, set map[string]bool) bool {
	return set[name]
}

// looksGenerated reports whether a value looks produced by a clock or a random
// source: an epoch time in seconds or milliseconds, an ISO 8601 time, a UUID,
// a long hex string or a Math.random() fraction. Two such values that differ
// between the recording and the replay are not a reason to refuse a match.
func looksGenerated(s string) bool {
	n := len(s)
	if n < 8 || n > 64 {
		return false
	}
	switch {
	case isUUID(s):
		return true
	case isDigits(s):
		return epochLike(s)
	case strings.HasPrefix(s, "0.") && isDigits(s[2:]) && n >= 10:
		return true // Math.random()
	case n >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' '):
		_, err := time.Parse(time.RFC3339Nano, strings.Replace(s, " ", "T", 1))
		return err == nil || isDigits(s[:4])
	case n >= 16 && isHex(s):
		return true
	}
	if i := strings.IndexByte(s, '.'); i > 0 && isDigits(s[:i]) && isDigits(s[i+1:]) {
		return epochLike(s[:i]) // 1732640000.123
	}
	return false
}

// epochLike reports whether a digit string is a plausible Unix time in
// seconds, milliseconds or microseconds between 2001 and 2100.
func epochLike(s string) bool {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return false
	}
	const lo, hi = 1_000_000_000, 4_102_444_800 // 2001-09-09 .. 2100-01-01
	switch len(s) {
	case 10:
		return v >= lo && v < hi
	case 13:
		return v/1000 >= lo && v/1000 < hi
	case 16:
		return v/1_000_000 >= lo && v/1_000_000 < hi
	}
	return false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i : i+1]) {
				return false
			}
		}
	}
	return true
}

// redactedEqual reports whether got fits recorded, where each "[REDACTED…]"
// placeholder in recorded stands for any text (possibly empty). The
// sanitizer's sized shape of a whole value, "[REDACTED:file:…] N bytes" (an
// uploaded file's bytes), stands for any value: the page that is replayed
// may upload other bytes in its place (its own source was sanitized too, or
// the user picks another file), and the recorded size is only the user's.
// A redacted binary websocket frame, "[REDACTED:ws-binary:…] N bytes",
// stands for any frame of N bytes.
func redactedEqual(recorded, got string) bool {
	if n, ok := sizedRedaction(recorded); ok {
		if strings.HasPrefix(recorded, redactionMark+":ws-binary") {
			return len(got) == n
		}
		return true
	}
	if wholeSizedTag.MatchString(recorded) {
		return true // any other kind of redacted whole value with its size
	}
	if strings.Contains(recorded, redactionMark+":jwt") {
		// A redacted JWT keeps its header and chosen claims before the
		// tag ("hdr.claims.[REDACTED:jwt:…]"): the whole token is the
		// placeholder.
		recorded = jwtShape.ReplaceAllString(recorded, redactionMark+":jwt]")
	}
	var lits []string
	rest := recorded
	for {
		i := strings.Index(rest, redactionMark)
		if i < 0 {
			lits = append(lits, rest)
			break
		}
		lits = append(lits, rest[:i])
		j := strings.IndexByte(rest[i:], ']')
		if j < 0 {
			lits = append(lits, "")
			break
		}
		rest = rest[i+j+1:]
	}
	if len(lits) == 1 {
		return recorded == got
	}
	if !strings.HasPrefix(got, lits[0]) {
		return false
	}
	got = got[len(lits[0]):]
	last := lits[len(lits)-1]
	for _, l := range lits[1 : len(lits)-1] {
		i := strings.Index(got, l)
		if i < 0 {
			return false
		}
		got = got[i+len(l):]
	}
	return strings.HasSuffix(got, last)
}

// wholeSizedTag is a whole value replaced by a tag and its size.
var wholeSizedTag = regexp.MustCompile(`^\[REDACTED(:[^\]]*)?\] [0-9]+ bytes$`)

// jwtShape is the sanitizer's replacement of a JWT.
var jwtShape = regexp.MustCompile(`[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.\[REDACTED:jwt:[^\]]*\]`)

// sizedRedaction recognizes the sanitizer's sized placeholders,
// "[REDACTED:file…] N bytes" and "[REDACTED:ws-binary…] N bytes", and
// returns N.
func sizedRedaction(s string) (int, bool) {
	if !(strings.HasPrefix(s, redactionMark+":file") || strings.HasPrefix(s, redactionMark+":ws-binary")) || !strings.HasSuffix(s, " bytes") {
		return 0, false
	}
	i := strings.IndexByte(s, ']')
	if i < 0 || i+1 >= len(s) || s[i+1] != ' ' {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(s[i+2:], " bytes"))
	return n, err == nil
}
