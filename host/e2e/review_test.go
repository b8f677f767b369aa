package e2e

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
)

// The review runs unless the host has REPROKIT_AUTO_SAVE=1 (a reporter's
// machine): this test starts a browser of its own whose host has only
// REPROKIT_OUT_DIR, which sets the folder and does not skip the review
// (issue 11 item 5).
func TestTheReviewDropsAScreenshotAndExcludesADomainBeforeSaving(t *testing.T) {
	needBrowser(t)
	home := t.TempDir()
	out := filepath.Join(t.TempDir(), "bundles")
	browser, cancel, err := launchBrowser(filepath.Join(t.TempDir(), "profile"),
		"HOME="+home, "REPROKIT_OUT_DIR="+out, "TMPDIR="+env.tmpDir, "REPROKIT_HOST_LOG="+env.hostLog, "REPROKIT_AUDIT_LOG="+filepath.Join(env.tmp, "audit.log"))
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
	// A page of localhost itself: a typed value, a console message and a
	// screenshot, all of which go when the reporter excludes localhost.
	run(t, app, "type on a localhost page",
		chromedp.Navigate(env.app.OtherURL+"/steps"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=search]`), "typed-on-localhost"),
		chromedp.Click(chromedp.CSS(`[data-testid=go]`)),
		chromedp.Evaluate[chromedp.Void](`console.warn('logged-on-localhost'); undefined`))
	waitShot := func() {
		n := eval[int](t, popup, `Number(document.querySelector('[data-testid=screenshots]').textContent)`)
		click(t, popup, "screenshot")
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if eval[int](t, popup, `Number(document.querySelector('[data-testid=screenshots]').textContent)`) > n {
				return
			}
		}
		t.Fatal("the Screenshot button's screenshot did not come")
	}
	waitShot()
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

	nLocal := eval[int](t, popup, `state.review.screenshots.filter((s) => (s.url || '').includes('://localhost')).length`)
	if nLocal == 0 {
		t.Fatal("the review has no screenshot taken on localhost")
	}
	// The review shows what the bundle will say (issue 11 item 4).
	reviewText := func(id string) string {
		return eval[string](t, popup, `document.querySelector('[data-testid=`+id+`]').textContent`)
	}
	if d := reviewText("review-description"); !strings.Contains(d, "the frame does not load") {
		t.Errorf("the review shows the description %q", d)
	}
	if st := reviewText("review-steps"); !strings.Contains(st, "“typed-on-localhost”") {
		t.Errorf("the review's steps %q lack the typed value", st)
	}
	// Black out a region of the Screenshot button's screenshot in the
	// full-size viewer.
	run(t, popup, "open the screenshot at full size", chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid=open-screenshot][alt=%q]`, shots[1]))))
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if eval[bool](t, popup, `document.querySelector('[data-testid=viewer-img]').naturalWidth > 0`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the viewer does not show the screenshot at full size")
		}
	}
	at := eval[[]float64](t, popup, `(() => { const r = document.querySelector('[data-testid=viewer-img]').getBoundingClientRect(); return [r.x, r.y]; })()`)
	run(t, popup, "drag over the screenshot",
		chromedp.MouseEvent(chromedp.MousePressed, at[0]+20, at[1]+20, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseMoved, at[0]+80, at[1]+60, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseReleased, at[0]+120, at[1]+70, chromedp.ButtonLeft))
	if n := eval[int](t, popup, `document.querySelectorAll('#viewer-boxes .blackout').length`); n != 1 {
		t.Fatalf("the viewer shows %d black boxes after a drag, want 1", n)
	}
	run(t, popup, "close the viewer", chromedp.Click(chromedp.CSS(`[data-testid=viewer-close]`)))

	sizeBefore := eval[int](t, popup, `Number(document.querySelector('[data-testid=review-size]').dataset.bytes)`)
	run(t, popup, "untick localhost", chromedp.Click(chromedp.CSS(`[data-testid=domain][data-domain=localhost]`)))
	run(t, popup, "delete the first screenshot", chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid=drop-screenshot][data-file=%q]`, shots[0]))))
	// The review counts again with the choices (issue 11 item 2).
	type reviewNumbers struct {
		Pending    string
		Bytes      int
		Redactions int
		LeftOut    string
	}
	var rn reviewNumbers
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		rn = eval[reviewNumbers](t, popup, `({Pending: document.querySelector('[data-testid=review-size]').dataset.pending,
			Bytes: Number(document.querySelector('[data-testid=review-size]').dataset.bytes),
			Redactions: Number(document.querySelector('[data-testid=review-redactions]').dataset.total),
			LeftOut: document.querySelector('[data-testid=review-left-out]').textContent})`)
		if rn.Pending == "" && strings.Contains(rn.LeftOut, "screenshots") {
			break
		}
	}
	if st := reviewText("review-steps"); strings.Contains(st, "typed-on-localhost") {
		t.Errorf("after excluding localhost the review's steps still show its typed value: %q", st)
	}
	if rn.Pending != "" || rn.Bytes >= sizeBefore {
		t.Errorf("the review's size did not update after the changes: %d bytes before, now %+v", sizeBefore, rn)
	}
	click(t, popup, "save")
	waitStatus(t, popup, "done", 60*time.Second)
	path := eval[string](t, popup, `document.querySelector('[data-testid=result-path]').textContent.replace(/ \([^)]*\)$/, '')`)
	if filepath.Dir(path) != out {
		t.Errorf("saved to %s, want REPROKIT_OUT_DIR %s", path, out)
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
	for _, m := range b.Console {
		if strings.Contains(m.URL, "://localhost") || strings.Contains(m.Text, "logged-on-localhost") {
			t.Errorf("a console message of the excluded domain is in the bundle: %+v", m)
		}
	}
	for _, s := range b.Screenshots {
		if strings.Contains(s.URL, "://localhost") {
			t.Errorf("a screenshot of the excluded domain is in the bundle: %s (%s)", s.File, s.URL)
		}
	}
	if len(b.Screenshots) != len(shots)-1-nLocal {
		t.Errorf("the bundle has %d of %d screenshots, want all but the deleted one and the %d on localhost", len(b.Screenshots), len(shots), nLocal)
	}
	excludedSteps := 0
	for _, st := range b.Steps {
		if st.Excluded {
			excludedSteps++
		}
	}
	blacked := false
	for _, s := range b.Screenshots {
		for _, m := range s.Masked {
			if m.Kind == "reporter" && s.File == shots[1] && m.Width >= 90 && m.Height >= 40 {
				blacked = true
			}
		}
	}
	if !blacked {
		t.Errorf("the region blacked out in the review is not in %s's masked boxes", shots[1])
	}
	x := b.Manifest.Excluded
	if excludedSteps == 0 || x.Steps != excludedSteps || int(x.Screenshots) != 1+nLocal || x.ConsoleMessages == 0 {
		t.Errorf("bundle.json's excluded %+v; %d steps marked excluded", x, excludedSteps)

	}
	// The review counted what the bundle lists.
	var red struct {
		Total int `json:"total"`
	}
	json.Unmarshal(b.Manifest.Redaction, &red)
	if red.Total != rn.Redactions {
		t.Errorf("the review counted %d removed secrets, the bundle's Redaction section %d", rn.Redactions, red.Total)
	}
	for _, want := range []string{fmt.Sprintf("%d screenshots", x.Screenshots), fmt.Sprintf("%d requests", x.Entries)} {
		if !strings.Contains(rn.LeftOut, want) {
			t.Errorf("the review's %q does not say %q as bundle.json does (%+v)", rn.LeftOut, want, x)
		}
	}
	// Nothing typed or logged on localhost is in any member.
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		for _, v := range []string{"typed-on-localhost", "logged-on-localhost"} {
			if strings.Contains(string(data), v) {
				t.Errorf("%s holds %q from the excluded domain", f.Name, v)
			}
		}
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

	// Discard asks first and says what it did (issue 11 item 6).
	click(t, popup, "again")
	waitStatus(t, popup, "idle", 10*time.Second)
	click(t, popup, "record")
	waitStatus(t, popup, "recording", 15*time.Second)
	click(t, popup, "stop")
	waitStatus(t, popup, "review", 60*time.Second)
	click(t, popup, "discard")
	time.Sleep(300 * time.Millisecond)
	if st := status(t, popup); !strings.HasPrefix(st, "review") {
		t.Fatalf("one click on Discard left the review: %q", st)
	}
	if hint := eval[string](t, popup, `document.querySelector('[data-testid=discard-hint]:not([hidden])')?.textContent || ''`); hint == "" {
		t.Error("the first click on Discard does not ask for a second")
	}
	click(t, popup, "discard")
	waitStatus(t, popup, "idle", 10*time.Second)
	if notice := eval[string](t, popup, `document.querySelector('[data-testid=notice]:not([hidden])')?.textContent || ''`); !strings.Contains(notice, "deleted") {
		t.Errorf("after Discard the popup says %q; want that the recording was deleted", notice)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 1 {
		t.Errorf("the output folder holds %d files after a discard, want the one saved bundle", len(ents))
	}
}
