package sanitize

import (
	"sort"
	"strings"
)

// TextMatch is one value that the free-text detectors flag in a string:
// its byte offsets in the string and the kind its redaction tag carries
// ("card", "email", "jwt", "ip", "phone", a vendor key's kind, a rule's
// name).
type TextMatch struct {
	Start, End int
	Kind       string
}

// TextMatcher says where in text shown on a screen (a page's text and the
// values of its inputs) the detectors that [Redactor.Text] runs on a body
// find something to redact, so that a screenshot can hide what the HAR
// hides. It redacts nothing and records nothing. Make one with
// [NewTextMatcher]; it is safe for concurrent use.
type TextMatcher struct {
	r *Redactor
}

// NewTextMatcher returns a TextMatcher for policy (nil means
// [DefaultPolicy]).
func NewTextMatcher(policy *Policy) *TextMatcher {
	return &TextMatcher{r: New(policy)}
}

// Match returns what the detectors flag in s, ordered by offset: private
// keys, secrets in URLs, "name: value" assignments, vendor keys, JWTs,
// keyword + entropy tokens, the policy's patterns, emails, card numbers
// (Luhn) and IP addresses (as in bodies: unless the policy disables "ip").
// Phone numbers are flagged only when phone is true, that is when the
// page labels s as one (type=tel, autocomplete=tel, a "phone" label): then
// every phone-shaped run of s is flagged, unless the policy disables
// "phone". A flagged value that does not occur in s as it is (a
// percent-encoded one) flags the whole of s.
func (m *TextMatcher) Match(s string, phone bool) []TextMatch {
	var out []TextMatch
	if len(s) >= 6 {
		probe := m.r.dryChild()
		probe.text(&locator{file: "screen"}, s, textCtx{ip: true})
		vals := make([]string, 0, len(probe.seen))
		for v := range probe.seen {
			vals = append(vals, v)
		}
		sort.Strings(vals)
		for _, v := range vals {
			kind := probe.seen[v]
			found := false
			for i := 0; v != "" && i <= len(s)-len(v); {
				k := strings.Index(s[i:], v)
				if k < 0 {
					break
				}
				out = append(out, TextMatch{Start: i + k, End: i + k + len(v), Kind: kind})
				found = true
				i += k + len(v)
			}
			if !found {
				if a, b, ok := digitsAt(s, v); ok {
					out = append(out, TextMatch{Start: a, End: b, Kind: kind})
				} else {
					out = append(out, TextMatch{Start: 0, End: len(s), Kind: kind})
				}
			}
		}
	}
	if phone && !m.r.pol.disabled["phone"] {
		out = append(out, phoneRuns(s)...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Start != out[j].Start {
			return out[i].Start < out[j].Start
		}
		return out[i].End < out[j].End
	})
	return out
}

// phoneRuns lists the phone-shaped runs of s: an optional '+', digits,
// spaces, '-', '.' and parentheses with 7 to 15 digits.
func phoneRuns(s string) []TextMatch {
	var out []TextMatch
	isPart := func(c byte) bool {
		return c >= '0' && c <= '9' || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '+'
	}
	for i := 0; i < len(s); {
		if !isPart(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isPart(s[j]) {
			j++
		}
		run := strings.TrimSpace(s[i:j])
		start := i + strings.Index(s[i:j], run)
		if run != "" && phoneShaped(run) {
			out = append(out, TextMatch{Start: start, End: start + len(run), Kind: "phone"})
		}
		i = j
	}
	return out
}

// digitsAt finds in s the digits of v (a card number recorded without its
// separators) written with spaces or dashes between them.
func digitsAt(s, v string) (int, int, bool) {
	var d []byte
	for i := 0; i < len(v); i++ {
		if v[i] >= '0' && v[i] <= '9' {
			d = append(d, v[i])
		} else if v[i] != ' ' && v[i] != '-' {
			return 0, 0, false
		}
	}
	if len(d) < 8 {
		return 0, 0, false
	}
	for start := 0; start < len(s); start++ {
		if s[start] != d[0] {
			continue
		}
		k, i := 0, start
		for ; i < len(s) && k < len(d); i++ {
			switch {
			case s[i] == d[k]:
				k++
			case s[i] == ' ' || s[i] == '-':
			default:
				i = len(s) + 1
			}
		}
		if k == len(d) {
			return start, i, true
		}
	}
	return 0, 0, false
}
