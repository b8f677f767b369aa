package sanitize_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/browser"
	"github.com/reprokit/reprokit/host/domreplay"
	"github.com/reprokit/reprokit/host/sanitize"
)

// The values planted in the recorded page of TestDOMRecordedInChromium.
const (
	liveEmail     = "ada.lovelace@example.org"
	liveEmail2    = "grace.hopper@example.net"
	liveCard      = "4111 1111 1111 1111"
	liveLinkToken = "Lk7Qw2Zp9Xv4Rt8Mn3Bc6Hj1"
	liveCSSToken  = "Cs5Vb8Nm2Qa7Wz4Ek9Rt3Yu6"
	liveCSSToken2 = "St4Gh7Jk1Lz8Xc5Vb2Nm9Qw3"
	liveDataKey   = "Dk2Fg9Hj4Kl7Zx3Cv8Bn5Mq6"
	liveTyped     = "Ty8Rq3Wz6Xp1Lm4Nb7Vc2Kd9"
	liveMutated   = "Mu3Tz8Kq1Wp6Xr9Ly4Nc7Bv2"
)

// livePage is a page holding the planted values in text, a link's query,
// a stylesheet, a style attribute, a data-* attribute and inputs.
const livePage = `<!doctype html>
<html><head><title>Account</title>
<style>.hero { background-image: url("/img/hero.png?sig=` + liveCSSToken + `"); min-height: 10px; }</style>
</head><body>
<h1 class="hero">Your account</h1>
<p id="who">Signed in as ` + liveEmail + `</p>
<p id="card">Card on file: ` + liveCard + `</p>
<a id="reset" href="/reset?token=` + liveLinkToken + `&amp;lang=en">Reset your password</a>
<div id="banner" style="background-image: url('/img/banner.png?access_token=` + liveCSSToken2 + `'); height: 20px">Banner</div>
<div id="cfg" data-api-key="` + liveDataKey + `">Settings</div>
<form onsubmit="return false"><input id="key" name="api_key" type="text"> <input id="note" type="text"></form>
<ul id="list"><li>first</li></ul>
</body></html>`

// TestDOMRecordedInChromium records a page with rrweb (the vendored
// recorder) in real Chromium, inputs unmasked so that the sanitizer is the
// only defence, sanitizes the events and checks that no planted value
// survives, that only strings changed (the same events, types and node
// ids), that the rescan is clean, and that the vendored player rebuilds
// the sanitized events in Chromium, without error, into the same page as
// the raw events, the redacted text in place.
func TestDOMRecordedInChromium(t *testing.T) {
	needBrowser(t)
	if testing.Short() {
		t.Skip("records a page in a real browser")
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, livePage)
		case r.URL.Path == "/player":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!doctype html><html><head><title>player</title></head><body><div id="root"></div></body></html>`)
		default:
			w.Header().Set("Content-Type", "image/png")
		}
	}))
	defer ts.Close()
	path := os.Getenv(browser.EnvBrowser)
	if path == "" {
		path = "/usr/bin/chromium"
	}
	bin, err := browser.Find(path)
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 900),
		chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-component-update", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelT()

	// record
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.Evaluate[chromedp.Void](domreplay.RecorderJS),
		chromedp.Evaluate[chromedp.Void](`window.__events = []; rrwebRecord.record({emit: function (e) { window.__events.push(e); }, maskAllInputs: false, inlineStylesheet: true});`),
		chromedp.SendKeys(chromedp.ID("key"), liveTyped),
		chromedp.SendKeys(chromedp.ID("note"), "call me"),
		chromedp.Evaluate[chromedp.Void](`
			document.getElementById('who').textContent = 'Now signed in as `+liveEmail2+`';
			var li = document.createElement('li');
			li.setAttribute('data-secret-token', '`+liveMutated+`');
			li.textContent = 'added';
			document.getElementById('list').appendChild(li);
			document.getElementById('banner').style.backgroundImage = "url('/img/b2.png?token=`+liveMutated+`')";
			document.getElementById('reset').setAttribute('href', '/reset?token=`+liveMutated+`');
		`),
		chromedp.Sleep(500*time.Millisecond),
	); err != nil {
		t.Fatal(err)
	}
	events, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.__events)`))
	if err != nil {
		t.Fatal(err)
	}
	raw := `{"format":"rrweb","version":"` + domreplay.Version + `","tabs":[{"target":"8F1C2D3E4A5B6C7D8E9F0A1B2C3D4E5F","events":` + events + `}]}`
	if os.Getenv("REPROKIT_UPDATE_DOM_SEED") != "" {
		// the fuzz seed testdata/dom/recorded.json
		os.MkdirAll(filepath.Join("testdata", "dom"), 0o755)
		if err := os.WriteFile(filepath.Join("testdata", "dom", "recorded.json"), []byte(raw), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var types struct {
		Tabs []struct {
			Events []struct {
				Type int `json:"type"`
				Data struct {
					Source *int `json:"source"`
				} `json:"data"`
			} `json:"events"`
		} `json:"tabs"`
	}
	if err := json.Unmarshal([]byte(raw), &types); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range types.Tabs[0].Events {
		k := fmt.Sprint(e.Type)
		if e.Data.Source != nil {
			k += "/" + fmt.Sprint(*e.Data.Source)
		}
		seen[k] = true
	}
	for _, want := range []string{"4", "2", "3/0", "3/5"} { // meta, full snapshot, mutation, input
		if !seen[want] {
			t.Fatalf("the recording has no event %s (has %v)", want, seen)
		}
	}
	planted := []string{liveEmail, liveEmail2, liveCard, liveLinkToken, liveCSSToken, liveCSSToken2, liveDataKey, liveTyped, liveMutated}
	for _, p := range planted {
		if !strings.Contains(raw, p) {
			t.Fatalf("test premise: rrweb did not record %q", p)
		}
	}

	// sanitize
	r := sanitize.New(nil)
	var out bytes.Buffer
	if err := r.DOM(&out, strings.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	clean := out.String()
	for _, p := range planted {
		for _, f := range secretForms(p) {
			if strings.Contains(clean, f) {
				t.Errorf("%q survives (as %q)", p, f)
			}
		}
	}
	sameShape(t, raw, clean)
	if fs, err := r.Verify(sanitize.DOMFile, strings.NewReader(clean)); err != nil || len(fs) > 0 {
		t.Errorf("the rescan finds %+v (err %v)", fs, err)
	}
	if fs, err := sanitize.New(nil).Verify(sanitize.DOMFile, strings.NewReader(raw)); err != nil || len(fs) < len(planted) {
		t.Errorf("the rescan of the raw events finds only %d findings: %+v (err %v)", len(fs), fs, err)
	}
	for _, keep := range []string{"Your account", "Reset your password", "call me", "/img/hero.png?sig=", "data-api-key", "Now signed in as [REDACTED:email:"} {
		if !strings.Contains(clean, keep) {
			t.Errorf("%q is gone from the sanitized events", keep)
		}
	}

	// replay both in the vendored player, to the end
	replay := func(doc string) (string, error) {
		var d struct {
			Tabs []struct {
				Events json.RawMessage `json:"events"`
			} `json:"tabs"`
		}
		if err := json.Unmarshal([]byte(doc), &d); err != nil {
			return "", err
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/player"), chromedp.Evaluate[chromedp.Void](domreplay.PlayerJS)); err != nil {
			return "", err
		}
		return chromedp.Run(ctx, chromedp.Evaluate[string](`(function () {
			var events = `+string(d.Tabs[0].Events)+`;
			var errors = [];
			var warn = console.warn, error = console.error;
			console.warn = console.error = function () { errors.push(Array.prototype.join.call(arguments, ' ')); };
			try {
				var p = new rrwebReplay.Replayer(events, {root: document.getElementById('root'), showWarning: true, showDebug: false});
				p.pause(events[events.length - 1].timestamp - events[0].timestamp + 1);
				var doc = p.iframe.contentDocument;
				return JSON.stringify({
					errors: errors,
					elements: doc.getElementsByTagName('*').length,
					who: doc.getElementById('who').textContent,
					card: doc.getElementById('card').textContent,
					items: doc.getElementById('list').children.length,
					href: doc.getElementById('reset').getAttribute('href'),
					key: doc.getElementById('key').value,
					text: doc.body.textContent.replace(/\s+/g, ' ').trim()
				});
			} catch (e) {
				return JSON.stringify({thrown: String(e && e.stack || e)});
			} finally {
				console.warn = warn;
				console.error = error;
			}
		})()`))
	}
	type state struct {
		Thrown   string   `json:"thrown"`
		Errors   []string `json:"errors"`
		Elements int      `json:"elements"`
		Who      string   `json:"who"`
		Card     string   `json:"card"`
		Items    int      `json:"items"`
		Href     string   `json:"href"`
		Key      string   `json:"key"`
		Text     string   `json:"text"`
	}
	var before, after state
	for _, c := range []struct {
		doc string
		st  *state
	}{{raw, &before}, {clean, &after}} {
		js, err := replay(c.doc)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(js), c.st); err != nil {
			t.Fatalf("%v: %s", err, js)
		}
		if c.st.Thrown != "" || len(c.st.Errors) > 0 {
			t.Fatalf("the player fails: %s %v", c.st.Thrown, c.st.Errors)
		}
	}
	if before.Who != "Now signed in as "+liveEmail2 || before.Items != 2 {
		t.Fatalf("test premise: the raw replay does not reach the end state: %+v", before)
	}
	if after.Elements != before.Elements || after.Items != before.Items {
		t.Errorf("the sanitized replay has %d elements and %d list items, the raw one %d and %d", after.Elements, after.Items, before.Elements, before.Items)
	}
	if !strings.HasPrefix(after.Who, "Now signed in as [REDACTED:email:") || !strings.HasSuffix(after.Who, "@example.net") ||
		!strings.HasPrefix(after.Card, "Card on file: [REDACTED:card:") || !strings.Contains(after.Href, "/reset?token=[REDACTED:") ||
		!strings.HasPrefix(after.Key, "[REDACTED:") {
		t.Errorf("the sanitized replay shows %+v", after)
	}
	for _, p := range planted {
		if strings.Contains(after.Text+after.Href+after.Key, p) {
			t.Errorf("the sanitized replay shows %q", p)
		}
	}
}
