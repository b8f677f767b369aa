package report_test

import (
	"archive/zip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/reprokit/reprokit/host/har"
	"github.com/reprokit/reprokit/host/report"
	"github.com/reprokit/reprokit/host/testapp"
)

// The entries of the support engineer's bundle: the failed 21 MB upload
// with a request ID, a completion answered with a chatcmpl- ID and body
// text, a script with a distinctive header value, and a request to the
// test app that needs its bearer token (for copy as cURL).
const (
	upload   = 3
	chat     = 2
	authCall = 4
	uploadID = "req_57d6e1f0a9b8c7d6e5f4a3b2"
	chatID   = "chatcmpl-9aQ1b2C3d4E5f6G7h8"
)

func engineerEntries(appURL string) []har.Entry {
	entries := []har.Entry{
		mkEntry("GET", "https://app.example.com/", 200, 0, 120, "document", "text/html", "<html></html>"),
		mkEntry("GET", "https://app.example.com/app.js", 200, 130, 40, "script", "application/javascript", "var a = 1;"),
		mkEntry("POST", "https://api.example.com/v1/chat", 200, 400, 300, "fetch", "application/json",
			`{"id":"`+chatID+`","object":"chat.completion","choices":[{"message":{"content":"the quokka answered"}}]}`),
		mkEntry("POST", "https://api.example.com/v1/files", 413, 1000, 591, "fetch", "application/json", `{"error":{"message":"File too large"}}`),
		mkEntry("GET", appURL+"/secrets/echo-auth", 200, 2000, 20, "fetch", "application/json", `{"ok":true}`),
		mkEntry("GET", "https://cdn.example.com/lib.js", 0, 2500, 5, "script", "", ""),
	}
	entries[1].Request.Headers = append(entries[1].Request.Headers, har.NameValue{Name: "X-Client-Build", Value: "build-7731-zeta"})
	// A multipart upload whose file the HAR holds as base64, as the
	// recorder writes a binary body.
	file := strings.Repeat("\x1aE\xdf\xa3webm\x00\x01", 8<<10)
	body := "------b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n------b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"Q3-meeting-recording.webm\"\r\nContent-Type: video/webm\r\n\r\n" + file + "\r\n------b--\r\n"
	entries[upload].Request.PostData = &har.PostData{MimeType: "multipart/form-data; boundary=----b", Encoding: "base64", Text: base64.StdEncoding.EncodeToString([]byte(body)),
		Params: []har.Param{{Name: "purpose", Value: "assistants"}, {Name: "file", FileName: "Q3-meeting-recording.webm", ContentType: "video/webm"}}}
	entries[upload].Request.BodySize = 22020399
	entries[upload].Response.Headers = []har.NameValue{{Name: "x-request-id", Value: uploadID}}
	entries[upload].Timings = har.Timings{Blocked: 2, DNS: 10, Connect: 30, SSL: 20, Send: 300, Wait: 200, Receive: 49}
	entries[authCall].Request.Headers = append(entries[authCall].Request.Headers, har.NameValue{Name: "Authorization", Value: "Bearer " + testapp.Secrets.BearerToken})
	entries[5].Response.Error = "net::ERR_NAME_NOT_RESOLVED"
	return entries
}

// One browser session on the report of one bundle: the filter finds an
// entry by each of its request IDs, by body text and by header value, and
// says when nothing matches; the keyboard moves through the rows and opens
// the details; copy as cURL fetches the same resource from the test app
// once the tags are replaced; the timeline's lanes link to the request,
// console message and screenshot of the same moment; the failing request's
// details are two actions from the first screen; an altered bundle shows
// the integrity banner and an intact one does not.
func TestSupportEngineerFindsReadsAndLinksTheRecording(t *testing.T) {
	needBrowser(t)
	app, err := testapp.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	console := []map[string]any{{"time": float64(t0.Add(1100*time.Millisecond).UnixMilli()) / 1000, "level": "error", "source": "exception", "text": "Uncaught Error: upload failed"}}
	shots := []testShot{{0, 0}, {1050 * time.Millisecond, 60}, {5 * time.Second, 60}} // the last two are byte-identical
	path := makeBundleShots(t, engineerEntries(app.URL), console, shots, map[string]any{"browser": map[string]any{"name": "Chromium", "version": "156"}, "timeZone": "Europe/Paris"})
	html, b := renderFile(t, path)
	tb := newTab(t)
	tb.open(t, html)
	rows := func() []int {
		return eval[[]int](t, tb, `Array.from(document.querySelectorAll("#rk-table .row")).map(r => +r.dataset.i)`)
	}
	search := func(q string) {
		t.Helper()
		if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("rk-search"); s.value = `+strconv.Quote(q)+`; s.dispatchEvent(new Event("input")); })()`)); err != nil {
			t.Fatal(err)
		}
		// The filter waits for typing to pause.
		time.Sleep(250 * time.Millisecond)
	}

	// The goal: from the first screen, the failing request's details in
	// two actions (the finding's "Show 1 request", then its Payload tab).
	eval[bool](t, tb, `Array.from(document.querySelectorAll(".finding")).find(f => f.dataset.rule === "upload-too-large").querySelector("button").click(), true`)
	eval[bool](t, tb, `Array.from(document.querySelectorAll("#rk-details .tabs button")).find(b => b.textContent === "Payload").click(), true`)
	got := eval[struct {
		I                   int
		Payload             string
		InView, BesideTable bool
		Sent                string
	}](t, tb, `(() => {
		const d = document.getElementById("rk-details"), r = d.getBoundingClientRect(), tr = document.getElementById("rk-table").getBoundingClientRect();
		const row = document.querySelector("#rk-table .row.sel");
		return {I: d.hidden ? -1 : +d.dataset.i, Payload: d.querySelector(".tabbody").textContent,
			InView: r.top >= 0 && r.top < innerHeight - 100, BesideTable: r.left >= tr.right - 1 && r.top < tr.bottom,
			Sent: row ? row.children[5].textContent : ""};
	})()`)
	if got.I != upload || !got.InView || !got.BesideTable {
		t.Errorf("after the finding: details of entry %d, in view %v, beside the table %v; want the upload's (%d)", got.I, got.InView, got.BesideTable, upload)
	}
	if !strings.Contains(got.Payload, "21.0 MB") || !strings.Contains(got.Payload, "Q3-meeting-recording.webm") || strings.Contains(got.Payload, "No query string or request body") {
		t.Errorf("the upload's payload does not show its size and file: %q", got.Payload)
	}
	if got.Sent != "21.0 MB" {
		t.Errorf("the upload's row shows %q sent, want 21.0 MB", got.Sent)
	}
	eval[bool](t, tb, `document.querySelector("#requests .filters button.small:not([hidden])").click(), true`) // "Showing: … ✕"

	// The filter: each request ID, body text, a header value, and nothing.
	for _, c := range []struct {
		q    string
		want int
	}{{uploadID, upload}, {uploadID[:10], upload}, {strings.ToUpper(chatID), chat}, {"quokka", chat}, {"build-7731-zeta", 1}, {"ERR_NAME_NOT_RESOLVED", 5}} {
		search(c.q)
		if r := rows(); len(r) != 1 || r[0] != c.want {
			t.Errorf("filter %q shows rows %v, want [%d]", c.q, r, c.want)
		}
	}
	search("no-such-thing-anywhere")
	if r, msg := rows(), eval[string](t, tb, `(n => n.hidden ? "" : n.textContent)(document.getElementById("rk-nomatch"))`); len(r) != 0 || !strings.Contains(msg, "No match") {
		t.Errorf("a filter that matches nothing shows rows %v and says %q", r, msg)
	}
	if open := eval[bool](t, tb, `!document.getElementById("rk-details").hidden`); open {
		t.Error("the details stay open while no request is listed")
	}
	eval[bool](t, tb, `document.querySelector("#rk-nomatch button").click(), true`)
	if r := rows(); len(r) != 6 {
		t.Errorf("clear filters shows %d rows, want 6", len(r))
	}
	if txt := eval[string](t, tb, `document.querySelectorAll("#rk-table .row")[5].textContent`); !strings.Contains(txt, "net::ERR_NAME_NOT_RESOLVED") {
		t.Errorf("the failed row does not name its net:: error: %q", txt)
	}

	// The waterfall: a time axis, the upload's bar in DevTools' phase
	// colours, and a drag across the axis zooms to the upload's second.
	wf := eval[struct {
		Ticks, Phases int
		Zoomed        []int
		Width         float64
		Unzoom        string
	}](t, tb, `(() => {
		const h = document.querySelector("#requests .wfhead"), r = h.getBoundingClientRect();
		const ticks = h.querySelectorAll("span").length;
		const up = () => document.querySelector('#rk-table .row[data-i="`+strconv.Itoa(upload)+`"] .wf i');
		const phases = up().children.length;
		// The recording spans 10 s: 0.9 s to 1.7 s is the upload's time.
		const x = s => r.left + r.width * s / 10;
		h.dispatchEvent(new MouseEvent("mousedown", {bubbles: true, clientX: x(0.9), clientY: r.top + 5}));
		document.dispatchEvent(new MouseEvent("mousemove", {bubbles: true, clientX: x(1.7), clientY: r.top + 5}));
		document.dispatchEvent(new MouseEvent("mouseup", {bubbles: true, clientX: x(1.7), clientY: r.top + 5}));
		const rows = Array.from(document.querySelectorAll("#rk-table .row")).map(n => +n.dataset.i);
		const width = up() ? up().getBoundingClientRect().width / up().parentNode.getBoundingClientRect().width : 0;
		const un = document.getElementById("rk-unzoom");
		const label = un.hidden ? "" : un.textContent;
		un.click();
		return {Ticks: ticks, Phases: phases, Zoomed: rows, Width: width, Unzoom: label};
	})()`)
	if wf.Ticks < 3 || wf.Phases != 7 {
		t.Errorf("waterfall: %d axis ticks, %d phases in the upload's bar; want ≥ 3 and 7", wf.Ticks, wf.Phases)
	}
	if len(wf.Zoomed) != 1 || wf.Zoomed[0] != upload || wf.Width < 0.5 || wf.Unzoom == "" {
		t.Errorf("zoomed to 0.9–1.7 s: rows %v, the upload's bar %.0f%% of the waterfall, label %q; want only the upload, over half", wf.Zoomed, wf.Width*100, wf.Unzoom)
	}

	// The keyboard: ↓ moves, Enter opens, ↓ follows in the details, Esc closes.
	selected := func() (int, int) {
		v := eval[[]int](t, tb, `[(r => r ? +r.dataset.i : -1)(document.querySelector("#rk-table .row.sel")), (d => d.hidden ? -1 : +d.dataset.i)(document.getElementById("rk-details"))]`)
		return v[0], v[1]
	}
	keys := func(k ...string) {
		t.Helper()
		var acts []chromedp.Action[chromedp.Void]
		for _, x := range k {
			acts = append(acts, chromedp.KeyEvent(x))
		}
		if err := chromedp.Do(tb.ctx, acts...); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(tb.ctx, chromedp.Focus("#rk-table")); err != nil {
		t.Fatal(err)
	}
	keys(kb.ArrowDown, kb.ArrowDown)
	if s, d := selected(); s != 1 || d != -1 {
		t.Errorf("↓↓: row %d selected, details of %d; want row 1, no details", s, d)
	}
	keys(kb.Enter)
	if s, d := selected(); s != 1 || d != 1 {
		t.Errorf("Enter: row %d, details of %d; want 1 and 1", s, d)
	}
	keys(kb.ArrowDown, kb.ArrowDown, kb.ArrowUp)
	if s, d := selected(); s != 2 || d != 2 {
		t.Errorf("↓↓↑ with the details open: row %d, details of %d; want 2 and 2", s, d)
	}
	keys(kb.Escape)
	if _, d := selected(); d != -1 {
		t.Errorf("Esc leaves the details of %d open", d)
	}

	// Copy as cURL: with the tags replaced by the test app's values, the
	// command fetches the same resource.
	eval[bool](t, tb, `document.querySelectorAll("#rk-table .row")[`+strconv.Itoa(authCall)+`].click(), true`)
	eval[bool](t, tb, `Array.from(document.querySelectorAll("#rk-details .tabs button")).find(b => b.textContent === "Copy as").click(), true`)
	curl := eval[string](t, tb, `document.querySelector("#rk-details pre.curl").textContent`)
	tags := regexp.MustCompile(`\[REDACTED:[^\]]+\]`)
	if !tags.MatchString(curl) || strings.Contains(curl, testapp.Secrets.BearerToken) {
		t.Fatalf("the cURL command does not keep the redaction tag visibly in place: %s", curl)
	}
	if !strings.Contains(eval[string](t, tb, `document.querySelector("#rk-details pre.fetch").textContent`), "[REDACTED:") {
		t.Error("the fetch code does not keep the redaction tag in place")
	}
	cmd := tags.ReplaceAllString(curl, testapp.Secrets.BearerToken)
	cmd = strings.Replace(cmd, "Bearer Bearer ", "Bearer ", 1) // a tag that stood for the whole value
	out, err := exec.Command("sh", "-c", cmd+" --silent --show-error --max-time 10").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"authorization":"Bearer `+testapp.Secrets.BearerToken+`"`) {
		t.Errorf("the cURL command with the token put back did not fetch /secrets/echo-auth: %v %s\ncommand: %s", err, out, cmd)
	}

	// The timeline: the step at +1 s points at the upload, the console
	// error and the screenshot of that moment; its request link opens
	// the upload's details.
	eval[bool](t, tb, `document.querySelector('#timeline .mark.step[data-i="1"]').click(), true`)
	at := eval[struct{ Step, Reqs, Cons, Shot string }](t, tb, `(() => {
		const c = k => document.querySelector('#rk-moment .mcol[data-kind="' + k + '"]');
		return {Step: c("step").textContent, Reqs: Array.from(c("requests").querySelectorAll(".mlink")).map(x => x.dataset.i).join(","),
			Cons: Array.from(c("console").querySelectorAll(".mlink")).map(x => x.dataset.i).join(","),
			Shot: (x => x ? x.dataset.i : "")(c("screenshot").querySelector(".mshot"))};
	})()`)
	if !strings.HasPrefix(at.Reqs, strconv.Itoa(upload)) || at.Cons != "0" || at.Shot != "1" || !strings.Contains(at.Step, "2.") {
		t.Errorf("the moment of step 2 lists step %q, requests %q, console %q, screenshot %q; want the upload (%d) first, console 0, screenshot 1", at.Step, at.Reqs, at.Cons, at.Shot, upload)
	}
	eval[bool](t, tb, `document.querySelector('#rk-moment .mcol[data-kind="requests"] .mlink').click(), true`)
	if _, d := selected(); d != upload {
		t.Errorf("the timeline's request link opened the details of %d, want %d", d, upload)
	}
	// … and back: a console message sets the moment at its time.
	eval[bool](t, tb, `document.querySelector('#console .msg[data-i="0"]').click(), true`)
	if c := eval[string](t, tb, `Array.from(document.querySelectorAll('#rk-moment .mcol[data-kind="console"] .mlink')).map(x => x.dataset.i).join(",")`); !strings.HasPrefix(c, "0") {
		t.Errorf("a console message's moment lists console messages %q", c)
	}

	// The rest of the list, read off the page.
	rest := eval[struct {
		Shots     int
		Stats     []string
		Support   string
		SupportMD bool
		Start     string
		Banner    bool
	}](t, tb, `({Shots: document.querySelectorAll("#timeline .gallery .shot").length,
		Stats: Array.from(document.querySelectorAll(".stat")).map(s => s.textContent),
		Support: document.getElementById("support").textContent, SupportMD: !!document.querySelector("#support table"),
		Start: document.querySelector("#summary .card:nth-child(2) dd").textContent,
		Banner: !!document.getElementById("rk-integrity")})`)
	if rest.Shots != 2 {
		t.Errorf("%d screenshots shown, want 2 (two are byte-identical)", rest.Shots)
	}
	for _, s := range rest.Stats {
		if regexp.MustCompile(`^1[a-z ]+s$`).MatchString(s) {
			t.Errorf("plural after 1: %q", s)
		}
	}
	if !rest.SupportMD || strings.Contains(rest.Support, "<br>") || strings.Contains(rest.Support, "| ---") {
		t.Errorf("the support request is not rendered Markdown: %.300q", rest.Support)
	}
	if !strings.Contains(rest.Start, "2026") || !strings.Contains(rest.Start, "UTC") && !strings.Contains(rest.Start, "GMT") && !strings.Contains(rest.Start, "CET") {
		t.Errorf("the start is not a human time with its zone: %q", rest.Start)
	}
	// Save HAR, offline: a HAR of what the report holds, labelled as
	// previews.
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(tb.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatal(err)
	}
	eval[bool](t, tb, `document.getElementById("rk-save-har").click(), true`)
	var saved har.HAR
	var savedName string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline) && savedName == ""; time.Sleep(100 * time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(downloads, "*.har")); len(m) == 1 {
			if data, err := os.ReadFile(m[0]); err == nil && json.Unmarshal(data, &saved) == nil {
				savedName = filepath.Base(m[0])
			}
		}
	}
	if savedName == "" || !strings.HasSuffix(savedName, "-previews.har") || !strings.Contains(saved.Log.Comment, "previews") || len(saved.Log.Entries) != 6 ||
		saved.Log.Entries[chat].Response.Content.Text == "" {
		t.Errorf("Save HAR saved %q: %d entries, comment %q; want the 6 entries with their previews, labelled so", savedName, len(saved.Log.Entries), saved.Log.Comment)
	}
	if rest.Banner {
		t.Error("an intact bundle shows the integrity banner")
	}
	artifact(t, tb, "report-engineer.png")

	// An altered member: the banner says so, as inspect does.
	altered := alterMember(t, path, "console.json")
	html2, b2 := renderFile(t, altered)
	if len(b2.Integrity) == 0 || len(b.Integrity) != 0 {
		t.Fatalf("integrity of the altered bundle %v, of the intact one %v", b2.Integrity, b.Integrity)
	}
	tb.open(t, html2)
	if txt := eval[string](t, tb, `(n => n ? n.textContent : "")(document.getElementById("rk-integrity"))`); !strings.Contains(txt, "INTEGRITY") || !strings.Contains(txt, "console.json") {
		t.Errorf("the altered bundle's report has no integrity banner naming console.json: %q", txt)
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.errors) > 0 {
		t.Errorf("the report logged errors: %v", tb.errors)
	}
}

// alterMember copies the bundle at path with one member's bytes changed.
func alterMember(t *testing.T, path, name string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := filepath.Join(t.TempDir(), "altered.zip")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, m := range zr.File {
		r, _ := m.Open()
		data, _ := io.ReadAll(r)
		r.Close()
		if m.Name == name {
			data = []byte(strings.Replace(string(data), "upload failed", "upload FAILED", 1))
		}
		w, _ := zw.Create(m.Name)
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return out
}

// `reprokit view` serves the bundle's session.har for "Save HAR", as an
// attachment, on the report's loopback host only.
func TestViewServesTheBundlesHARForSaveHAR(t *testing.T) {
	page := []byte("<!DOCTYPE html><p>report</p>")
	h := report.Handler(page, 80, report.Download{Name: "session.har", Type: "application/json", Write: func(w io.Writer) error {
		_, err := io.WriteString(w, `{"log":{"entries":[]}}`)
		return err
	}})
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(host, p string) (*http.Response, string) {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", srv.URL+p, nil)
		req.Host = host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	res, body := get("127.0.0.1:80", "/session.har")
	if res.StatusCode != 200 || body != `{"log":{"entries":[]}}` || !strings.Contains(res.Header.Get("Content-Disposition"), `attachment; filename="session.har"`) {
		t.Errorf("GET /session.har: %d %q %q", res.StatusCode, res.Header.Get("Content-Disposition"), body)
	}
	if res, _ := get("evil.example:80", "/session.har"); res.StatusCode != http.StatusForbidden {
		t.Errorf("another Host gets %d, want 403", res.StatusCode)
	}
	if res, body := get("127.0.0.1:80", "/"); res.StatusCode != 200 || body != string(page) {
		t.Errorf("GET /: %d %q", res.StatusCode, body)
	}
	if res, _ := get("127.0.0.1:80", "/other.har"); res.StatusCode != 404 {
		t.Errorf("GET /other.har: %d, want 404", res.StatusCode)
	}
}
