package livetest

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/recording"
	"github.com/reprokit/reprokit/host/testapp"
)

// TestRecordedProxyAndMixedContentGiveTheirFindings records, in a browser
// behind a proxy, the failures a corporate network causes: plain-HTTP
// requests to a proxy that is down (net::ERR_PROXY_CONNECTION_FAILED),
// HTTPS requests that the firewall proxy refuses to tunnel
// (net::ERR_TUNNEL_CONNECTION_FAILED), and an HTTPS page whose plain-HTTP
// script and fetch the browser blocks as mixed content. The negative
// cases are in the same session: loopback requests go direct and succeed,
// the page's plain-HTTP fetch of loopback is allowed, and the HTTPS origin
// is trusted here, so nothing is a TLS interception.
//
// The browser needs its own flags (a proxy, and trust in the test app's
// certificate), so this session records in attach mode a Chromium that the
// test starts, instead of slowing the main session down.
func TestRecordedProxyAndMixedContentGiveTheirFindings(t *testing.T) {
	bin := browserPath(t)
	app, err := testapp.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	proxy, _ := url.Parse(app.ProxyURL)
	refused, _ := url.Parse(app.RefusedURL)
	attach := startFlaggedBrowser(t, bin,
		// http:// goes to a proxy that is down, https:// to the firewall;
		// Chromium never proxies loopback, so the app itself stays direct.
		"--proxy-server=http="+refused.Host+";https="+proxy.Host,
		"--ignore-certificate-errors-spki-list="+app.SecureSPKI)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fetch := func(u string) string {
		return `fetch(` + jsString(u) + `).then(r => "status " + r.status, e => String(e))`
	}
	remote := "://" + testapp.RemoteHost
	res, err := recording.Run(ctx, recording.Options{
		Attach: attach, Out: filepath.Join(t.TempDir(), "network.zip"), SpoolBase: t.TempDir(), Stderr: io.Discard,
		Drive: func(ctx context.Context, tab context.Context) error {
			if err := chromedp.Do(tab, chromedp.Navigate(app.URL+"/")); err != nil {
				return err
			}
			for _, c := range []struct{ url, want string }{
				{"http" + remote + "/api/proxy-down", "TypeError"},
				{"https" + remote + "/api/firewalled", "TypeError"},
				{app.URL + "/api/direct", "status 200"},
			} {
				got, err := chromedp.Run(tab, chromedp.Evaluate[string](fetch(c.url), chromedp.EvalAwaitPromise))
				if err != nil || !strings.Contains(got, c.want) {
					return fmt.Errorf("fetch %s: %q, %v; want %q", c.url, got, err, c.want)
				}
			}
			if err := chromedp.Do(tab, chromedp.Navigate(app.SecureURL+"/mixed")); err != nil {
				return fmt.Errorf("open the HTTPS page (is its certificate trusted?): %w", err)
			}
			results, err := chromedp.Run(tab, chromedp.Poll[map[string]string](`document.body.dataset.done && window.reprokitResults`,
				chromedp.WithPollingTimeout(10*time.Second)))
			if err != nil {
				return fmt.Errorf("the mixed-content page did not finish: %w", err)
			}
			if !strings.Contains(results["remote"], "TypeError") || results["loopback"] != "status 200" {
				return fmt.Errorf("the mixed-content page: %v; want the remote fetch blocked, the loopback fetch answered", results)
			}
			return nil
		},
	})
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	b, byRule := bundleFindings(ctx, t, res.Path)

	// Each rule points at its scenario's requests and at nothing else: not
	// at the loopback requests that went direct, not at the plain-HTTP
	// request of the plain-HTTP page (the session has an HTTPS page too),
	// not at the loopback fetch the HTTPS page was allowed to make.
	want := map[string][]string{
		"proxy-or-firewall": {"http" + remote + "/api/proxy-down", "https" + remote + "/api/firewalled"},
		"mixed-content":     {"http" + remote + "/api/mixed", "http" + remote + "/mixed/script.js"},
	}
	for rule, urls := range want {
		got := strings.Join(byRule[rule], " ")
		for _, u := range urls {
			if !strings.Contains(got, u) {
				t.Errorf("%s does not point at %s (it points at %v)", rule, u, byRule[rule])
				for _, e := range b.Entries() {
					if strings.Contains(e.Request.URL, u) {
						t.Logf("  its entry: status %d, error %q/%q, blocked %q", e.Response.Status, e.Error, e.Response.Error, e.BlockedReason)
					}
				}
			}
		}
		for _, u := range byRule[rule] {
			if !slices.Contains(urls, u) && u != "(console)" {
				t.Errorf("%s points at %s, which is not in its scenario", rule, u)
			}
		}
	}
	// Chromium fails a mixed-content block with net::ERR_BLOCKED_BY_CLIENT
	// too: that is the browser's block, not a content blocker's.
	for _, rule := range []string{"tls-interception", "connection-failure", "dns-failure", "blocked-by-client", "csp-violation", "uncaught-exception", "request-timeout"} {
		if urls, ok := byRule[rule]; ok {
			t.Errorf("%s fired in a session where the HTTPS origin is trusted, no extension runs, and every failure is the proxy's or the mixed-content block's: %v", rule, urls)
		}
	}
	tunnel := false
	for _, r := range app.Received() {
		if r.Origin == "P" && r.Method == "CONNECT" && strings.Contains(r.URL, testapp.RemoteHost) {
			tunnel = true
		}
	}
	if !tunnel {
		t.Errorf("the firewall proxy never got the CONNECT for %s: the browser did not use it", testapp.RemoteHost)
	}
}

// startFlaggedBrowser starts a headless Chromium with the given extra flags
// and a debugging port, for recording.Options.Attach, and returns its
// http://127.0.0.1:PORT address. The test's cleanup kills its process
// group and removes its profile.
func startFlaggedBrowser(t *testing.T, bin string, flags ...string) string {
	t.Helper()
	profile := t.TempDir()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
		"--remote-debugging-port=0", "--user-data-dir=" + profile}, flags...)
	cmd := exec.Command(bin, append(args, "about:blank")...)
	testapp.OwnProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		testapp.KillProcessGroup(cmd)
		cmd.Wait()
	})
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(profile, "DevToolsActivePort")); err == nil {
			if port, _, ok := strings.Cut(string(b), "\n"); ok && port != "" {
				return "http://127.0.0.1:" + port
			}
		}
	}
	t.Fatal("the browser opened no debugging port in 30 s")
	return ""
}
