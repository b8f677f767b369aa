// Package livetest records a real session of the test web app in Chromium
// (host/recording, host/testapp) and checks the bundle and report made from
// it: the findings the app's failure scenarios must trigger, the request IDs,
// and the report rendered in Chromium. It is a package of its own so that
// the bundle's unit tests do not depend on the recorder building.
package livetest

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/recording"
	"github.com/reprokit/reprokit/host/report"
	"github.com/reprokit/reprokit/host/spool"
	"github.com/reprokit/reprokit/host/testapp"
)

func browserPath(t *testing.T) string {
	p := os.Getenv("REPROKIT_BROWSER")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no browser at %s: install chromium or set REPROKIT_BROWSER", p)
		}
		t.Skipf("no browser at %s (set REPROKIT_BROWSER)", p)
	}
	return p
}

// spoolFromZip turns the recorder's zip back into a finalized spool, so
// that bundle.Write makes the bundle whatever the recorder's own bundling
// step is.
func spoolFromZip(t *testing.T, path string) *spool.Dir {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dir, err := spool.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case f.Name == "session.har", f.Name == "console.json", f.Name == "steps.json", f.Name == "environment.json",
			f.Name == "screenshots.json", f.Name == "screencast.json",
			strings.HasPrefix(f.Name, "screenshots/"), strings.HasPrefix(f.Name, "screencast/"):
			if err := dir.WriteFile(f.Name, data); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = dir.Update(func(m *spool.Meta) error {
		m.Status = spool.StatusFinalized
		m.Mode = spool.ModeLaunch
		m.Reporter = map[string]string{"description": "Errors everywhere in the test app", "email": "ada@example.com", "plan": "Team"}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRecordedTestAppSessionGivesFindingsAndAReport drives the app's failure
// scenarios in a recorded tab, then checks that each scenario's rule fires on
// the entries it should, that the harmless requests trigger none, and that
// the report shows it all in Chromium without errors.
func TestRecordedTestAppSessionGivesFindingsAndAReport(t *testing.T) {
	bin := browserPath(t)
	if testing.Short() {
		t.Skip("records a 15-second session")
	}
	app, err := testapp.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	out := filepath.Join(t.TempDir(), "recorded.zip")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fetch := func(url string) string {
		return `fetch(` + jsString(url) + `).then(r => r.status, e => String(e))`
	}
	res, err := recording.Run(ctx, recording.Options{
		URL: app.URL + "/", Browser: bin, Headless: true, Out: out, SpoolBase: t.TempDir(), Stderr: io.Discard,
		Drive: func(ctx context.Context, tab context.Context) error {
			// The user signed in normally (OAuth: start, authorize, callback,
			// done, each once; SAML: login, the IdP's form post, ACS); the
			// sign-in loops come at the end, more than 10 s later.
			if err := signIn(tab, app.URL+"/sso/start", app.URL+"/saml/login"); err != nil {
				return err
			}
			steps := []string{
				app.URL + "/errors",  // 401, 403, 429, 500, 502, 503
				app.URL + "/console", // an uncaught exception and a 404 image
				app.URL + "/websocket",
			}
			for _, u := range steps {
				if err := chromedp.Do(tab, chromedp.Navigate(u)); err != nil {
					return err
				}
				chromedp.Run(tab, chromedp.Poll[bool](`document.body && document.body.dataset.done !== undefined || document.readyState === "complete"`, chromedp.WithPollingTimeout(5*time.Second)))
				time.Sleep(500 * time.Millisecond)
			}
			// The abnormal websocket close, on the page that defines it: the
			// server drops the connection without a close frame (1006).
			if code, err := chromedp.Run(tab, chromedp.Evaluate[int](`abnormal()`, chromedp.EvalAwaitPromise)); err != nil || code != 1006 {
				return fmt.Errorf("abnormal() on /websocket: close code %d, %v; want 1006", code, err)
			}
			// A content blocker (DevTools request blocking fails a request
			// with net::ERR_BLOCKED_BY_CLIENT, as an ad blocker does) and an
			// offline request.
			if _, err := chromedp.Call(tab, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: []*network.BlockPattern{{URLPattern: app.URL + "/api/blocked", Block: true}}}); err != nil {
				return err
			}
			if _, err := chromedp.Call(tab, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
				MatchedNetworkConditions: []*network.Conditions{{URLPattern: app.URL + "/api/offline", Offline: true, DownloadThroughput: -1, UploadThroughput: -1}},
			}); err != nil {
				return err
			}
			for _, js := range []string{
				fetch(app.URL + "/status/413"),
				fetch(app.RefusedURL + "api/refused"),
				fetch(app.OtherURL + "/api/nocors"),
				fetch(app.URL + "/slow?ms=10300"),
				fetch(app.URL + "/api/fine"),
				fetch(app.URL + "/api/blocked"),
				fetch(app.URL + "/api/offline"),
				`Promise.race([` + fetch("http://reprokit-test.invalid/x") + `, new Promise(r => setTimeout(r, 5000))])`,
				fetch(app.URL + "/auth/callback?error=access_denied&error_description=No+accounts+found&state=abc"),
				// The app's HTTPS origin has a self-signed certificate: to the
				// browser, the same as a TLS-inspecting proxy with an
				// untrusted CA.
				fetch(app.SecureURL + "/api/intercepted"),
			} {
				if _, err := chromedp.Run(tab, chromedp.Evaluate[any](js, chromedp.EvalAwaitPromise)); err != nil {
					return err
				}
			}
			silentStart := time.Now()
			if err := driveSilentFailures(tab, app); err != nil {
				return err
			}
			t.Logf("the silent-failure scenarios took %v of the session", time.Since(silentStart).Round(10*time.Millisecond))
			// Sign-in loops: OAuth redirects bouncing between the app and
			// the identity provider four times in one chain, and a SAML
			// form post going round four times, each a new navigation.
			return signIn(tab, app.URL+"/sso/start?loop=4", app.URL+"/saml/login?loop=4", app.URL+"/api/ok")
		},
	})
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	b, byRule := bundleFindings(ctx, t, res.Path)
	checkSilentFailures(t, b, byRule)
	entries := b.Entries()
	want := map[string]string{
		"auth-failed":              "/status/401",
		"rate-limited":             "/status/429",
		"http-5xx":                 "/status/500",
		"upload-too-large":         "/status/413",
		"connection-failure":       "/api/refused",
		"cors-error":               "/api/nocors",
		"slow-request":             "/slow?ms=10300",
		"exception-near-failure":   "",
		"blocked-by-client":        "/api/blocked",
		"offline":                  "/api/offline",
		"dns-failure":              "reprokit-test.invalid",
		"sso-error":                "/auth/callback?error=access_denied",
		"websocket-abnormal-close": "/ws?close=abnormal",
		"tls-interception":         "/api/intercepted",
		"sso-redirect-loop":        "/idp/authorize?",
		"request-timeout":          "/slow?ms=4000&report=",
		"csp-violation":            "",
		"uncaught-exception":       "",
	}
	for rule, path := range want {
		urls, ok := byRule[rule]
		if !ok {
			t.Errorf("the recorded scenario for %s did not trigger it", rule)
			for _, e := range entries {
				if path != "" && strings.Contains(e.Request.URL, path) {
					t.Logf("  its entry: status %d, error %q/%q, blocked %q, cors %q", e.Response.Status, e.Error, e.Response.Error, e.BlockedReason, e.CorsError)
				}
			}
			continue
		}
		if path != "" && !strings.Contains(strings.Join(urls, " "), path) {
			t.Errorf("%s points at %v, not at %s", rule, urls, path)
		}
	}
	// Negative cases: the harmless requests are in no finding, the echo
	// socket that closed normally (1000) is not abnormal, and the normal
	// sign-in chain is not a loop.
	for rule, urls := range byRule {
		for _, u := range urls {
			if strings.Contains(u, "/api/ok") || strings.Contains(u, "/api/fine") {
				t.Errorf("harmless %s is in finding %s", u, rule)
			}
		}
	}
	for _, u := range byRule["websocket-abnormal-close"] {
		if !strings.Contains(u, "close=abnormal") {
			t.Errorf("websocket-abnormal-close points at %s, which closed normally", u)
		}
	}
	loops := map[string]int{}
	for _, u := range byRule["sso-redirect-loop"] {
		if strings.Contains(u, "loop=0") || strings.HasSuffix(u, "/sso/start") || strings.HasSuffix(u, "/saml/login") {
			t.Errorf("sso-redirect-loop points at %s, a hop of the normal sign-in", u)
		}
		switch {
		case strings.Contains(u, "loop=4") && strings.Contains(u, "/sso/"), strings.Contains(u, "/idp/authorize?") && strings.Contains(u, "loop=4"):
			loops["oauth"]++
		case strings.Contains(u, "/saml/login?loop=4"):
			loops["saml"]++
		case strings.Contains(u, "/saml/acs"):
			loops["acs"]++
		}
	}
	// OAuth: authorize and callback, 4 times each; SAML: /saml/login and
	// the ACS, 4 times each (the ACS has no query: a 5th visit would be
	// the normal sign-in's).
	if loops["oauth"] != 8 || loops["saml"] != 4 || loops["acs"] != 4 {
		t.Errorf("sso-redirect-loop points at %v hops of the loops, want oauth 8, saml 4, acs 4: %v", loops, byRule["sso-redirect-loop"])
	}
	normal := 0
	for _, e := range entries {
		if strings.Contains(e.Request.URL, "loop=0") {
			normal++
		}
	}
	if normal < 2 {
		t.Errorf("the normal sign-in chain is not in the recording (%d hops with loop=0)", normal)
	}
	for _, rule := range []string{"proxy-or-firewall", "mixed-content"} {
		if urls, ok := byRule[rule]; ok {
			t.Errorf("%s fired on a session with no proxy and no HTTPS page: %v", rule, urls)
		}
	}
	// Request IDs: the app's x-request-id on the failed requests, first.
	if ids := b.Manifest.RequestIDs; len(ids) == 0 || !ids[0].Failed || !strings.HasPrefix(ids[0].Value, "req_") {
		t.Errorf("request IDs, failed first: %+v", ids)
	}

	// The report in Chromium: rows, findings, screenshots, no errors.
	html := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(html)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.Render(f, b.ReportData()); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// The report shows a byte-identical screenshot once.
	distinct := map[[32]byte]bool{}
	for _, s := range b.Screenshots {
		distinct[sha256.Sum256(s.Data)] = true
	}
	checkReportInChromium(t, bin, html, len(entries), len(b.Manifest.Findings), len(distinct))
}

// bundleFindings makes the bundle of a recording with bundle.Write and
// returns it with the URLs of the entries each finding points at
// ("(console)" for a finding with console evidence only).
func bundleFindings(ctx context.Context, t *testing.T, recorded string) (*bundle.Bundle, map[string][]string) {
	t.Helper()
	dir := spoolFromZip(t, recorded)
	bres, err := bundle.Write(ctx, dir, t.TempDir(), bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Open(bres.Path)
	if err != nil {
		t.Fatal(err)
	}
	entries := b.Entries()
	byRule := map[string][]string{}
	for _, f := range b.Manifest.Findings {
		for _, i := range f.Entries {
			byRule[f.Rule] = append(byRule[f.Rule], entries[i].Request.URL)
		}
		if len(f.Entries) == 0 {
			byRule[f.Rule] = append(byRule[f.Rule], "(console)")
		}
	}
	t.Logf("findings: %v", byRule)
	return b, byRule
}

func jsString(s string) string { return strconv.Quote(s) }

// signIn opens each URL in the tab and waits until the sign-in it starts
// has landed (SAML continues by a form post after the first page loads).
func signIn(tab context.Context, urls ...string) error {
	for _, u := range urls {
		if err := chromedp.Do(tab, chromedp.Navigate(u)); err != nil {
			return fmt.Errorf("navigate to %s: %w", u, err)
		}
		if !strings.Contains(u, "/sso/start") && !strings.Contains(u, "/saml/login") {
			continue
		}
		// The sign-in navigates several times: an evaluation can meet a
		// context that a navigation just destroyed, so ask again until
		// the deadline instead of polling in one context.
		var err error
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			var landed bool
			ectx, cancel := context.WithTimeout(tab, 2*time.Second)
			landed, err = chromedp.Run(ectx, chromedp.Evaluate[bool](`location.pathname === "/sso/done" && document.readyState === "complete"`))
			cancel()
			if err == nil && landed {
				break
			}
			if time.Now().After(deadline) {
				if err == nil {
					err = errors.New("still not there after 15 s")
				}
				break
			}
			err = nil
		}
		if err != nil {
			return fmt.Errorf("the sign-in from %s did not land on /sso/done: %w", u, err)
		}
	}
	return nil
}

// checkReportInChromium opens the report in a fresh Chromium and checks
// what it shows, and that it logs no error.
func checkReportInChromium(t *testing.T, bin, html string, entries, findings, shots int) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1000),
		chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var errs []string
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				mu.Lock()
				errs = append(errs, m.Text)
				mu.Unlock()
			}
		}
	}()
	tctx, tcancel := context.WithTimeout(ctx, time.Minute)
	defer tcancel()
	if err := chromedp.Do(tctx, chromedp.Navigate("file://"+html), chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`))); err != nil {
		t.Fatal(err)
	}
	eval := func(js string) int {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := eval(`document.querySelectorAll("#rk-table .row").length`); n == 0 || n > entries {
		t.Errorf("%d rows drawn for %d entries", n, entries)
	}
	if n := eval(`parseInt(document.querySelector("#requests .filters .muted").textContent)`); n != entries {
		t.Errorf("the table counts %d requests, want %d", n, entries)
	}
	if n := eval(`document.querySelectorAll(".finding").length`); n != findings {
		t.Errorf("%d findings shown, want %d", n, findings)
	}
	if n := eval(`Array.from(document.querySelectorAll(".shot img")).filter(i => i.naturalWidth > 0).length`); n != shots || shots == 0 {
		t.Errorf("%d screenshots shown, the recording has %d", n, shots)
	}
	if buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		dir := filepath.Join("..", "..", "..", "testdata-out")
		os.MkdirAll(dir, 0o755)
		p := filepath.Join(dir, "report-recorded-testapp.png")
		if os.WriteFile(p, buf, 0o644) == nil {
			t.Logf("screenshot of the report: %s", p)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) > 0 {
		t.Errorf("the report logged errors: %v", errs)
	}
}
