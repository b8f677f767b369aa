package capture_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/capture"
)

// popupSession returns the recorder's session of the page the recorded tab
// opened whose URL contains part, once its form is there. The test drives
// the popup through that session: chromedp attaching to it from the same
// connection would be let go by the recorder (a second session on a
// target it records already).
func (l *live) popupSession(part string) target.SessionID {
	l.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for ; ; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			l.t.Fatalf("no page opened with %q", part)
		}
		var id target.ID
		infos, _ := chromedp.Targets(l.tab)
		for _, i := range infos {
			if i.Type == "page" && strings.Contains(i.URL, part) {
				id = i.TargetID
			}
		}
		if id == "" {
			continue
		}
		l.conn.Flush()
		b, _ := os.ReadFile(l.dir.Join(capture.EventsFile))
		var sid target.SessionID
		for _, line := range bytes.Split(b, []byte("\n")) {
			var rec logLine
			if !bytes.Contains(line, []byte(`"Reprokit.targetInfo"`)) || json.Unmarshal(line, &rec) != nil {
				continue
			}
			var info struct {
				SessionID target.SessionID `json:"sessionId"`
				TargetID  target.ID        `json:"targetId"`
			}
			if json.Unmarshal(rec.Params, &info) == nil && info.TargetID == id {
				sid = info.SessionID
			}
		}
		if sid != "" && l.eval(sid, `document.readyState === 'complete' && !!document.querySelector('[data-testid=save]')`) == "true" {
			// Which case this is, for the reader of a failure (the
			// opener marks the Window while it shows about:blank).
			l.t.Logf("%s: the Window of its initial about:blank document is kept: %s", part, l.eval(sid, `window.openedAs !== undefined`))
			return sid
		}
	}
}

// eval evaluates expr in the session's page and returns its value as JSON;
// "" if it did not run (the page is not there yet).
func (l *live) eval(sid target.SessionID, expr string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := l.conn.Call(ctx, sid, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, false)
	if err != nil {
		return ""
	}
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
	}
	json.Unmarshal(raw, &res)
	return string(res.Result.Value)
}

// input sends one Input command to the session's page, as a user's mouse
// or keyboard would (the page sees trusted events).
func (l *live) input(sid target.SessionID, method string, params map[string]any) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := l.conn.Call(ctx, sid, method, params, false); err != nil {
		l.t.Fatalf("%s %v: %v", method, params, err)
	}
}

// clickIn clicks the middle of the element sel in the session's page.
func (l *live) clickIn(sid target.SessionID, sel string) {
	l.t.Helper()
	var box struct{ X, Y float64 }
	raw := l.eval(sid, `(function(){var el=document.querySelector(`+jsString(sel)+`);el.scrollIntoView({block:'center'});var r=el.getBoundingClientRect();return {x:r.left+r.width/2,y:r.top+r.height/2};})()`)
	if err := json.Unmarshal([]byte(raw), &box); err != nil {
		l.t.Fatalf("no box for %s: %q", sel, raw)
	}
	for _, typ := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		l.input(sid, "Input.dispatchMouseEvent", map[string]any{"type": typ, "x": box.X, "y": box.Y, "button": "left", "clickCount": 1})
	}
}

// typeIn focuses the element sel in the session's page and types text into
// it key by key.
func (l *live) typeIn(sid target.SessionID, sel, text string) {
	l.t.Helper()
	if l.eval(sid, `(function(){var el=document.querySelector(`+jsString(sel)+`);el.focus();return document.activeElement===el;})()`) != "true" {
		l.t.Fatalf("cannot focus %s", sel)
	}
	for _, c := range text {
		l.input(sid, "Input.dispatchKeyEvent", map[string]any{"type": "keyDown", "key": string(c), "text": string(c)})
		l.input(sid, "Input.dispatchKeyEvent", map[string]any{"type": "keyUp", "key": string(c)})
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// fillPopupForm types a title and a password into the popup form and
// clicks Save, with real input events.
func (l *live) fillPopupForm(sid target.SessionID, title, password string) {
	l.t.Helper()
	l.typeIn(sid, `#title`, title)
	l.typeIn(sid, `#pw`, password)
	l.clickIn(sid, `[data-testid=save]`)
	deadline := time.Now().Add(30 * time.Second)
	for l.eval(sid, `document.body.dataset.saved === '1'`) != "true" {
		if time.Now().After(deadline) {
			l.t.Fatal("the popup form was not saved")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRecordsStepsInPopupsThatLeaveTheirInitialBlankPage: the user types
// and clicks in two popups the recorded tab opens, one with window.open of
// the form's URL, one with window.open() and then w.location = URL (as a
// notebook app opens its work tab). The first keeps the Window of its
// initial about:blank document (Chromium 156), and Chrome does not run the
// step script again for the form there: the script's instance of
// about:blank records the form. The typing and the click in each popup
// are steps of that popup, with its form page as frameUrl and (in
// steps.json) as target, the password masked, in order with the tab's own
// steps, each once.
func TestRecordsStepsInPopupsThatLeaveTheirInitialBlankPage(t *testing.T) {
	l := startLive(t, capture.Options{})
	l.do(chromedp.Navigate(app.URL + "/popup/steps"))
	l.do(
		chromedp.SendKeys(chromedp.CSS(`#topic`), "tab topic"),
		click(`[data-testid=open-direct]`),
	)
	l.fillPopupForm(l.popupSession("/popup/form?via=direct"), "direct title", "hunter2-direct")
	l.do(click(`[data-testid=open-blank]`))
	l.fillPopupForm(l.popupSession("/popup/form?via=blank"), "blank title", "hunter2-blank")
	l.do(click(`[data-testid=finish]`))
	l.waitFor(`document.body.dataset.finished === '1'`)
	r := l.stop()

	direct, blank := app.URL+"/popup/form?via=direct", app.URL+"/popup/form?via=blank"
	// The recorded sequence: what each step did, and where.
	type step struct {
		Type      string     `json:"type"`
		Target    string     `json:"target"`
		Value     string     `json:"value"`
		Selectors [][]string `json:"selectors"`
		FrameURL  string     `json:"frameUrl"`
	}
	describe := func(s step) string {
		what := s.Type
		for _, sel := range s.Selectors {
			if len(sel) == 1 && strings.HasPrefix(sel[0], "[data-testid=") {
				what += " " + sel[0]
			}
		}
		if s.Type == "change" {
			what += " = " + s.Value
		}
		return what
	}
	want := []string{
		`change [data-testid="topic"] = tab topic @ main`,
		`click [data-testid="open-direct"] @ main`,
		`change [data-testid="title"] = direct title @ ` + direct,
		`change [data-testid="pw"] = ******** @ ` + direct,
		`click [data-testid="save"] @ ` + direct,
		`click [data-testid="open-blank"] @ main`,
		`change [data-testid="title"] = blank title @ ` + blank,
		`change [data-testid="pw"] = ******** @ ` + blank,
		`click [data-testid="save"] @ ` + blank,
		`click [data-testid="finish"] @ main`,
	}

	// The spool: each Reprokit.step under the session of its page, whose
	// frameUrl is the page it happened on.
	tabSession := ""
	for _, rec := range r.records("Reprokit.targetInfo") {
		var info struct {
			SessionID string    `json:"sessionId"`
			TargetID  target.ID `json:"targetId"`
		}
		json.Unmarshal(rec.Params, &info)
		if info.TargetID == l.sess.TabTarget {
			tabSession = info.SessionID
		}
	}
	if tabSession == "" {
		t.Fatal("no Reprokit.targetInfo record of the tab")
	}
	var spooled []string
	for _, rec := range r.records("Reprokit.step") {
		var s step
		if err := json.Unmarshal(rec.Params, &s); err != nil {
			t.Fatal(err)
		}
		where := s.FrameURL
		if rec.SessionID == tabSession {
			where = "main"
			if !strings.HasSuffix(s.FrameURL, "/popup/steps") {
				t.Errorf("a step of the tab has frameUrl %q: %s", s.FrameURL, rec.Params)
			}
		}
		spooled = append(spooled, describe(s)+" @ "+where)
	}
	if strings.Join(spooled, "\n") != strings.Join(want, "\n") {
		t.Errorf("Reprokit.step records (what @ frameUrl, main for the tab):\n%s\nwant:\n%s", strings.Join(spooled, "\n"), strings.Join(want, "\n"))
	}

	// steps.json: the same steps in the same order, a popup's targeting its
	// page.
	b, err := os.ReadFile(r.dir.Join("steps.json"))
	if err != nil {
		t.Fatal(err)
	}
	var flow struct {
		Steps []json.RawMessage `json:"steps"`
	}
	if err := json.Unmarshal(b, &flow); err != nil {
		t.Fatal(err)
	}
	var built []string
	for _, raw := range flow.Steps {
		var s step
		json.Unmarshal(raw, &s)
		if s.Type != "change" && s.Type != "click" {
			continue
		}
		built = append(built, describe(s)+" @ "+s.Target)
	}
	if strings.Join(built, "\n") != strings.Join(want, "\n") {
		t.Errorf("steps.json (what @ target):\n%s\nwant:\n%s", strings.Join(built, "\n"), strings.Join(want, "\n"))
	}
	for _, secret := range []string{"hunter2"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("steps.json holds the typed password %q", secret)
		}
		for _, rec := range r.records("Reprokit.step") {
			if strings.Contains(string(rec.Params), secret) {
				t.Errorf("a step holds the typed password %q: %s", secret, rec.Params)
			}
		}
	}
}
