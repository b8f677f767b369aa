package bundle

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reprokit/reprokit/extension"
	"github.com/reprokit/reprokit/host/report"
)

// The words a reporter and a support engineer read (field labels,
// headings, removed secrets in plain words) come from the extension's
// message catalogs (extension/_locales/<lang>/messages.json), embedded in
// the binary: the popup, SUPPORT_REQUEST.md and the report say the same
// thing in the same language, from one source.

// Languages are the languages of the catalogs; English is the default.
var Languages = []string{"en", "ko"}

// Lang is the catalog for a language tag ("ko", "ko-KR", "ko_KR.UTF-8"):
// "ko" for Korean, "en" for anything else.
func Lang(tag string) string {
	t := strings.ToLower(strings.TrimSpace(tag))
	for _, l := range Languages {
		if t == l || strings.HasPrefix(t, l+"-") || strings.HasPrefix(t, l+"_") || strings.HasPrefix(t, l+".") {
			return l
		}
	}
	return "en"
}

// SystemLanguage is the language of the environment (LC_ALL, LC_MESSAGES,
// LANG, as gettext reads them), as a BCP 47 tag ("ko-KR"); "" when unset
// or "C"/"POSIX".
func SystemLanguage() string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(k)
		if v == "" {
			continue
		}
		v, _, _ = strings.Cut(v, ".")
		v, _, _ = strings.Cut(v, "@")
		if v == "C" || v == "POSIX" {
			return ""
		}
		return strings.ReplaceAll(v, "_", "-")
	}
	return ""
}

// Words are the messages of one catalog.
type Words struct {
	lang string
	msg  map[string]string
}

var (
	wordsOnce sync.Once
	catalogs  map[string]map[string]string
)

func loadCatalogs() {
	catalogs = map[string]map[string]string{}
	for _, l := range Languages {
		b, err := extension.Files.ReadFile("_locales/" + l + "/messages.json")
		if err != nil {
			panic("bundle: the extension's " + l + " messages are not embedded: " + err.Error())
		}
		var doc map[string]struct {
			Message string `json:"message"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			panic("bundle: the extension's " + l + " messages do not decode: " + err.Error())
		}
		m := map[string]string{}
		for k, v := range doc {
			m[k] = v.Message
		}
		catalogs[l] = m
	}
}

// WordsFor returns the words of the language tag (see [Lang]).
func WordsFor(tag string) Words {
	wordsOnce.Do(loadCatalogs)
	l := Lang(tag)
	return Words{lang: l, msg: catalogs[l]}
}

// Lang is the catalog's language ("en", "ko").
func (w Words) Lang() string { return w.lang }

// T is the message key with its placeholders ($A$, $B$, … or named ones
// such as $WHEN$, in order) replaced by args, as chrome.i18n.getMessage
// does; the English message when the language lacks it, the key when
// neither has it.
func (w Words) T(key string, args ...string) string {
	m, ok := w.msg[key]
	if !ok {
		wordsOnce.Do(loadCatalogs)
		if m, ok = catalogs["en"][key]; !ok {
			return key
		}
	}
	for _, a := range args {
		i := strings.IndexByte(m, '$')
		if i < 0 {
			break
		}
		j := strings.IndexByte(m[i+1:], '$')
		if j < 0 {
			break
		}
		m = m[:i] + a + m[i+1+j+1:]
	}
	return m
}

// Label is a field's label without the hint its input carries in the
// popup ("Account email (never a password)" reads "Account email").
func (w Words) Label(key string) string {
	l := w.T(key)
	if key == "fieldEmail" {
		if i := strings.LastIndex(l, " ("); i > 0 {
			l = l[:i]
		}
	}
	return l
}

// Plural is the one or the many message for n.
func (w Words) Plural(n int, one, many string) string {
	if n == 1 {
		return w.T(one)
	}
	return w.T(many, strconv.Itoa(n))
}

// redactionWords groups the sanitizer's counts (rule, kind) into what a
// reporter understands, as the popup's review does (REDACTION_WORDS in
// extension/popup.js): the first group that takes a count gets it.
var redactionWords = []struct {
	takes     func(rule, kind string) bool
	one, many string
}{
	{func(_, k string) bool { return k == "email" }, "redEmail1", "redEmailN"},
	{func(_, k string) bool { return k == "card" }, "redCard1", "redCardN"},
	{func(_, k string) bool { return k == "phone" }, "redPhone1", "redPhoneN"},
	{func(_, k string) bool { return k == "ip" }, "redIP1", "redIPN"},
	{func(r, k string) bool { return k == "password" || r == "secret-key" }, "redPassword1", "redPasswordN"},
	{func(r, _ string) bool { return r == "cookie" }, "redCookie1", "redCookieN"},
	{func(r, _ string) bool { return r == "authorization" || r == "token-header" }, "redAuth1", "redAuthN"},
	{func(r, _ string) bool {
		return r == "secret-param" || r == "url" || r == "path-token" || r == "code"
	}, "redURLToken1", "redURLTokenN"},
	{func(_, k string) bool { return k == "file" || k == "ws-binary" }, "redFile1", "redFileN"},
	{func(_, k string) bool { return k == "private-key" }, "redPrivateKey1", "redPrivateKeyN"},
	{func(string, string) bool { return true }, "redToken1", "redTokenN"},
}

// RedactedInWords is the sanitizer's report (bundle.json's redaction) in
// plain words with counts: "2 email addresses", "25 tokens in links and
// forms". Nil when nothing was redacted.
func (w Words) RedactedInWords(redaction json.RawMessage) []string {
	var rep struct {
		Counts []struct {
			Rule, Kind string
			Count      int
		}
	}
	if len(redaction) == 0 || json.Unmarshal(redaction, &rep) != nil {
		return nil
	}
	sums := make([]int, len(redactionWords))
	for _, c := range rep.Counts {
		for i, g := range redactionWords {
			if g.takes(c.Rule, c.Kind) {
				sums[i] += c.Count
				break
			}
		}
	}
	var out []string
	for i, g := range redactionWords {
		if sums[i] > 0 {
			out = append(out, w.Plural(sums[i], g.one, g.many))
		}
	}
	return out
}

// HumanTime writes an RFC 3339 time for a person, in loc (nil: the time's
// own offset): "2026-12-07 14:03:05 CET (+01:00)". It returns s itself
// when s is not a time.
func HumanTime(s string, loc *time.Location) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	if loc != nil {
		t = t.In(loc)
	}
	name := t.Format("MST")
	off := t.Format("-07:00")
	if strings.HasPrefix(name, "+") || strings.HasPrefix(name, "-") {
		return t.Format("2006-01-02 15:04:05") + " (" + off + ")" // a zone without an abbreviation
	}
	return t.Format("2006-01-02 15:04:05") + " " + name + " (" + off + ")"
}

// reportWords are the message keys of the report's labels.
var reportWords = []string{
	"fieldDescription", "fieldEmail", "fieldBillingEmail", "fieldPlan", "fieldWorkspace", "fieldCustomApp",
	"fieldSafety", "fieldSafetyRequestId", "fieldNetwork",
	"reportSummary", "reviewFindings", "reviewRequestIDs", "reportTimeline", "reportRequests", "reportConsole",
	"reviewSteps", "supportTitle", "supportEnvironment", "reviewRedactions", "reportReporter", "reportRecording",
	"reportBundle", "supportNoFindings", "supportNothingRemoved",
}

// setReportWords gives the report the words of the recording's language
// and its removed secrets in plain words.
func setReportWords(d *report.Data, m *Manifest) {
	if m == nil {
		return
	}
	w := WordsFor(m.Recording.Language)
	d.Lang = w.Lang()
	d.Words = make(map[string]string, len(reportWords))
	for _, k := range reportWords {
		d.Words[k] = w.Label(k)
	}
	d.Redacted = w.RedactedInWords(m.Redaction)
}
