package e2e

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
)

// A Korean reporter gets SUPPORT_REQUEST.md and the report in Korean, with
// the words the popup showed: the service worker says hello with Chrome's
// UI language (here 'ko', as this Chromium ships only en-US), the host
// keeps it in bundle.json's recording.language, and the bundle's words
// come from the extension's Korean catalog.
func TestAKoreanReporterGetsTheSupportRequestAndTheReportInKorean(t *testing.T) {
	needBrowser(t)
	ko, err := os.ReadFile(filepath.Join(env.root, "extension", "_locales", "ko", "messages.json"))
	if err != nil {
		t.Fatal(err)
	}
	app := newTab(t)
	run(t, app, "open the app", chromedp.Navigate(env.app.URL+"/"))
	popup, _ := openPopup(t, app)
	resetPopup(t, popup)

	// The worker's UI language is Korean from the next hello on: a new
	// port (a new host) says hello again. The test puts both back.
	sw := serviceWorker(t)
	run(t, sw, "a Korean UI in the worker and a new port", chromedp.Evaluate[chromedp.Void](`
		self.rkUILanguage = self.rkUILanguage || chrome.i18n.getUILanguage;
		chrome.i18n.getUILanguage = () => 'ko';
		self.reprokitTestHooks.dropPort(); undefined`))
	t.Cleanup(func() {
		sw := serviceWorker(t)
		run(t, sw, "the worker's UI language back", chromedp.Evaluate[chromedp.Void](`
			if (self.rkUILanguage) chrome.i18n.getUILanguage = self.rkUILanguage;
			self.reprokitTestHooks.dropPort(); undefined`))
	})
	// and the popup in Korean, from the real catalog, as Chrome shows it
	korean := fmt.Sprintf(`(() => {
		const cat = %s;
		chrome.i18n.getUILanguage = () => 'ko';
		chrome.i18n.getMessage = (name, subs) => {
			const m = cat[name];
			if (!m) return '';
			subs = [].concat(subs === undefined ? [] : subs);
			return m.message.replace(/\$([A-Za-z]+)\$/g, (_, p) => {
				const c = ((m.placeholders || {})[p.toLowerCase()] || {}).content || '';
				return c.replace(/\$(\d)/, (_, i) => subs[Number(i) - 1] || '');
			});
		};
	})()`, ko)
	if _, err := chromedp.Call(popup, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: korean}); err != nil {
		t.Fatal(err)
	}
	run(t, popup, "reload the popup in Korean", chromedp.Reload())
	waitStatus(t, popup, "idle", 10*time.Second)
	label := eval[string](t, popup, `document.querySelector('[data-i18n=fieldDescription]').textContent`)
	if label != "문제 설명" {
		t.Fatalf("the popup's description label is %q, not Korean", label)
	}
	run(t, popup, "describe the problem", chromedp.SendKeys(chromedp.CSS(`#f-description`), "업로드가 실패합니다"))
	click(t, popup, "record")
	waitStatus(t, popup, "recording", 15*time.Second)
	if err := scenario(app); err != nil {
		t.Fatalf("%v%s", err, hostLogTail())
	}
	click(t, popup, "stop")
	waitStatus(t, popup, "done", 60*time.Second)
	path := eval[string](t, popup, `document.querySelector('[data-testid=result-path]').textContent.replace(/ \([^)]*\)$/, '')`)

	b, err := bundle.Open(path)
	if err != nil {
		t.Fatalf("open the bundle %s: %v", path, err)
	}
	if b.Manifest.Recording.Language != "ko" {
		t.Errorf("bundle.json's recording.language is %q, want ko", b.Manifest.Recording.Language)
	}
	sr, page := zipMember(t, path, "SUPPORT_REQUEST.md"), zipMember(t, path, "report.html")
	words := bundle.WordsFor("ko")
	for _, want := range []string{
		"# " + words.T("supportTitle"), "| " + words.Label("fieldDescription") + " | 업로드가 실패합니다 |",
		"| " + words.T("supportSteps") + " |", "| " + words.T("supportTimestamps") + " |", "| " + words.T("supportAccount") + " |",
		"| " + words.Label("fieldWorkspace") + " |", "## " + words.T("supportWhatWentWrong"), "## " + words.T("reviewRedactions"),
		"쿠키", // the plain words of the removed cookies, as the popup's review says them
	} {
		if !strings.Contains(sr, want) {
			t.Errorf("SUPPORT_REQUEST.md lacks %q:\n%s", want, sr)
		}
	}
	if strings.Contains(sr, "Problem description") || strings.Contains(sr, "# Support request") {
		t.Errorf("SUPPORT_REQUEST.md has English labels:\n%s", sr)
	}

	// the report, opened as the support engineer opens it
	file := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(file, []byte(page), 0o600); err != nil {
		t.Fatal(err)
	}
	tab := newTab(t)
	run(t, tab, "open report.html", chromedp.Navigate("file://"+file), chromedp.WaitVisible(chromedp.CSS(`body[data-ready]`)))
	type shown struct {
		Lang     string            `json:"lang"`
		Headings map[string]string `json:"headings"`
		Labels   []string          `json:"labels"`
		Redacted []string          `json:"redacted"`
	}
	got := eval[shown](t, tab, `(() => {
		const h = {};
		for (const s of document.querySelectorAll('section[id]')) {
			const h2 = s.querySelector('h2');
			if (h2) h[s.id] = h2.firstChild ? h2.firstChild.textContent : h2.textContent;
		}
		return {lang: document.documentElement.lang, headings: h,
			labels: [...document.querySelectorAll('#summary .card h3, #summary .card td, #summary .card dt, #summary .card th')].map((e) => e.textContent),
			redacted: [...document.querySelectorAll('#redaction ul.redacted li')].map((e) => e.textContent)};
	})()`)
	if got.Lang != "ko" {
		t.Errorf("report.html's lang is %q", got.Lang)
	}
	for id, key := range map[string]string{"summary": "reportSummary", "findings": "reviewFindings", "steps": "reviewSteps",
		"support": "supportTitle", "environment": "supportEnvironment", "redaction": "reviewRedactions"} {
		if h := strings.TrimSpace(got.Headings[id]); h != words.T(key) {
			t.Errorf("the report's %s section is headed %q, want %q (all: %v)", id, h, words.T(key), got.Headings)
		}
	}
	labels := strings.Join(got.Labels, "|")
	for _, want := range []string{words.Label("fieldDescription"), words.T("reportReporter"), words.T("reportRecording"), words.T("supportEnvironment"), words.T("reportBundle")} {
		if !strings.Contains(labels, want) {
			t.Errorf("the report's summary lacks the label %q: %v", want, got.Labels)
		}
	}
	if len(got.Redacted) == 0 || !hangul.MatchString(strings.Join(got.Redacted, " ")) {
		t.Errorf("the report's removed secrets in plain words are %v", got.Redacted)
	}
}

// zipMember is the text of one member of the zip at path.
func zipMember(t *testing.T, path, name string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("%s has no %s", path, name)
	return ""
}
