package livetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/testapp"
)

// The failures that leave no failed request behind (csp-violation,
// uncaught-exception, request-timeout) and a healthy page with their
// look-alikes, recorded in the main session of
// TestRecordedTestAppSessionGivesFindingsAndAReport (a session of their
// own would cost a browser start).

// driveSilentFailures opens the test app's findings pages in the recorded
// tab: a page whose Content-Security-Policy blocks an inline script and a
// connection, a click on "Save" whose handler throws a TypeError, a page
// whose fetch and XHR run out of its 1.5 s timeout, then the healthy page
// (a caught exception, a third-party widget that throws at load, a
// report-only policy, a cancelled prefetch and image, search-as-you-type
// aborts) and a navigation aborted by the next one.
func driveSilentFailures(tab context.Context, app *testapp.App) error {
	open := func(path string) error {
		if err := chromedp.Do(tab, chromedp.Navigate(app.URL+path)); err != nil {
			return fmt.Errorf("open %s: %w", path, err)
		}
		if _, err := chromedp.Run(tab, chromedp.Poll[bool](`document.body && document.body.dataset.done !== undefined`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			return fmt.Errorf("%s did not finish: %w", path, err)
		}
		return nil
	}
	if err := open("/findings/csp"); err != nil {
		return err
	}
	if got, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById('log').textContent`)); err != nil || !strings.Contains(got, "chat did not load") || !strings.Contains(got, "send failed") {
		return fmt.Errorf("/findings/csp: the policy did not block the inline script and the connection: %q, %v", got, err)
	}
	if err := open("/findings/throw"); err != nil {
		return err
	}
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#save"))); err != nil {
		return err
	}
	time.Sleep(300 * time.Millisecond)
	if err := open("/findings/timeout"); err != nil {
		return err
	}
	if got, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById('status').textContent`)); err != nil || got != "request timed out" {
		return fmt.Errorf("/findings/timeout shows %q, %v; want request timed out", got, err)
	}
	if err := open("/findings/healthy"); err != nil {
		return err
	}
	if _, err := chromedp.Run(tab, chromedp.Evaluate[any](`location.href = '/slow?ms=3000&healthy=navigation'`)); err != nil {
		return err
	}
	time.Sleep(500 * time.Millisecond)
	return chromedp.Do(tab, chromedp.Navigate(app.URL+"/api/ok?healthy=after-aborted-navigation"))
}

// checkSilentFailures checks that each scenario of driveSilentFailures
// names its cause, and that the healthy page's look-alikes are in no
// finding at all.
func checkSilentFailures(t *testing.T, b *bundle.Bundle, byRule map[string][]string) {
	t.Helper()
	messages := consoleByRule(b)
	has := func(list []string, sub string) bool {
		for _, s := range list {
			if strings.Contains(s, sub) {
				return true
			}
		}
		return false
	}
	// csp-violation: the two blocks (and Chromium's second line about the
	// refused fetch), from the CSP page only; the advice names the
	// directives and what they blocked.
	csp := findingOf(b, "csp-violation")
	switch {
	case csp == nil:
		t.Errorf("the CSP page raised no csp-violation")
	default:
		for _, want := range []string{"script-src", "connect-src", "an inline script", "/api/csp-connect"} {
			if !strings.Contains(csp.Advice, want) {
				t.Errorf("csp-violation's advice does not name %q: %s", want, csp.Advice)
			}
		}
		for _, m := range messages["csp-violation"] {
			if !strings.Contains(m, "/findings/csp") {
				t.Errorf("csp-violation points at a message outside the CSP page: %s", m)
			}
		}
	}
	// uncaught-exception: the click's TypeError, named with the step.
	if ue := findingOf(b, "uncaught-exception"); ue == nil || !has(ue.Evidence, "Cannot read properties of null") || !has(ue.Evidence, "Save") {
		t.Errorf("the click that throws did not raise uncaught-exception naming the click: %+v", ue)
		for rule, ms := range messages {
			t.Logf("  %s has console messages %q", rule, ms)
		}
		for _, s := range b.Steps {
			t.Logf("  step %s at %v", s.Describe(), s.Time.Time().Format("15:04:05.000"))
		}
	}
	// request-timeout: the fetch and the XHR the page timed out, nothing else.
	if got := strings.Join(byRule["request-timeout"], " "); !strings.Contains(got, "report=fetch") || !strings.Contains(got, "report=xhr") {
		t.Errorf("request-timeout points at %v, want the fetch and the XHR of /findings/timeout", byRule["request-timeout"])
	}
	for _, u := range byRule["request-timeout"] {
		if !strings.Contains(u, "report=") {
			t.Errorf("request-timeout points at %s, which the page did not time out", u)
		}
	}
	// SUPPORT_REQUEST.md lists them like the others.
	for _, title := range []string{"Blocked by the page's Content-Security-Policy", "Uncaught exception broke the page", "Request timed out"} {
		if !strings.Contains(b.Support, title) {
			t.Errorf("SUPPORT_REQUEST.md does not list %q", title)
		}
	}
	// The healthy look-alikes: in no finding of any rule.
	for rule, urls := range byRule {
		for _, u := range urls {
			if strings.Contains(u, "healthy=") || strings.Contains(u, "/findings/widget.js") {
				t.Errorf("healthy look-alike %s is in finding %s", u, rule)
			}
		}
	}
	for rule, ms := range messages {
		for _, m := range ms {
			if strings.Contains(m, "/findings/healthy") || strings.Contains(m, "/findings/widget.js") {
				t.Errorf("the healthy page's console message is in finding %s: %s", rule, m)
			}
		}
	}
}

func findingOf(b *bundle.Bundle, rule string) *bundle.Finding {
	for i := range b.Manifest.Findings {
		if b.Manifest.Findings[i].Rule == rule {
			return &b.Manifest.Findings[i]
		}
	}
	return nil
}

// consoleByRule returns, for each finding, its console messages as
// "URL: text".
func consoleByRule(b *bundle.Bundle) map[string][]string {
	out := map[string][]string{}
	for _, f := range b.Manifest.Findings {
		for _, ci := range f.Console {
			if ci >= 0 && ci < len(b.Console) {
				out[f.Rule] = append(out[f.Rule], b.Console[ci].URL+": "+b.Console[ci].Text)
			}
		}
	}
	return out
}
