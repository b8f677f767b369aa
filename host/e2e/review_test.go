package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
)

// The review runs when the host has no REPROKIT_OUT_DIR (a reporter's
// machine): this test starts a browser of its own whose host saves to
// ~/Downloads/Reprokit under a temporary HOME.
func TestTheReviewDropsAScreenshotAndExcludesADomainBeforeSaving(t *testing.T) {
	needBrowser(t)
	home := t.TempDir()
	browser, cancel, err := launchBrowser(filepath.Join(t.TempDir(), "profile"),
		"HOME="+home, "TMPDIR="+env.tmpDir, "REPROKIT_HOST_LOG="+env.hostLog, "REPROKIT_AUDIT_LOG="+filepath.Join(env.tmp, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	app := newTabIn(t, browser)
	run(t, app, "open the app", chromedp.Navigate(env.app.URL+"/"))
	popup, _ := openPopupIn(t, browser, app)
	waitStatus(t, popup, "idle", 5*time.Second)
	run(t, popup, "fill in the reporter's fields",
		chromedp.Click(chromedp.CSS(`#fields-box summary`)),
		chromedp.SendKeys(chromedp.CSS(`#f-description`), "the frame does not load"),
		chromedp.SendKeys(chromedp.CSS(`#f-plan`), "Team"),
	)
	click(t, popup, "record")
	waitStatus(t, popup, "recording", 15*time.Second)
	plantSecrets(t, app) // the frames page: 127.0.0.1 and the cross-site frame on localhost
	click(t, popup, "screenshot")
	time.Sleep(500 * time.Millisecond)
	click(t, popup, "stop")
	waitStatus(t, popup, "review", 60*time.Second)

	domains := eval[[]string](t, popup, `[...document.querySelectorAll('[data-testid=domain]')].map((x) => x.dataset.domain)`)
	if !slices.Contains(domains, "localhost") || !slices.Contains(domains, "127.0.0.1") {
		t.Fatalf("the review lists the domains %v, want 127.0.0.1 and localhost", domains)
	}
	shots := eval[[]string](t, popup, `[...document.querySelectorAll('[data-testid=drop-screenshot]')].map((x) => x.dataset.file)`)
	if len(shots) < 2 {
		t.Fatalf("the review shows %d screenshots, want the load and the Screenshot button", len(shots))
	}
	redactions := eval[string](t, popup, `document.querySelector('[data-testid=review-redactions]').textContent`)
	if !strings.Contains(redactions, "cookie") {
		t.Errorf("the review's removed secrets do not list the cookie: %q", redactions)
	}
	size := eval[string](t, popup, `document.querySelector('[data-testid=review-size]').textContent`)
	if !strings.Contains(size, "MB") && !strings.Contains(size, "KB") {
		t.Errorf("the review's size line is %q", size)
	}
	if ids := eval[string](t, popup, `document.querySelector('[data-testid=review-request-ids]').textContent`); !strings.Contains(ids, "req_") {
		t.Errorf("the review's request IDs %q lack the app's x-request-id values", ids)
	}

	run(t, popup, "untick localhost", chromedp.Click(chromedp.CSS(`[data-testid=domain][data-domain=localhost]`)))
	run(t, popup, "delete the first screenshot", chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid=drop-screenshot][data-file=%q]`, shots[0]))))
	click(t, popup, "save")
	waitStatus(t, popup, "done", 60*time.Second)
	path := eval[string](t, popup, `document.querySelector('[data-testid=result-path]').textContent.replace(/ \([^)]*\)$/, '')`)
	if want := filepath.Join(home, "Downloads", "Reprokit"); filepath.Dir(path) != want {
		t.Errorf("saved to %s, want the Downloads folder %s", path, want)
	}
	b, err := bundle.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range b.Entries() {
		if strings.Contains(e.Request.URL, "://localhost") {
			t.Errorf("an entry of the excluded domain is in the bundle: %s", e.Request.URL)
		}
	}
	if len(b.Screenshots) != len(shots)-1 {
		t.Errorf("the bundle has %d screenshots, want %d after deleting one", len(b.Screenshots), len(shots)-1)
	}
	if !slices.Contains(b.Manifest.Excluded.Domains, "localhost") {
		t.Errorf("bundle.json does not record the excluded domain: %+v", b.Manifest.Excluded)
	}
	if b.Manifest.Reporter.Plan != "Team" {
		t.Errorf("the reporter's plan is %q, want Team", b.Manifest.Reporter.Plan)
	}
	assertSanitized(t, path)
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
