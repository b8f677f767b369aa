package bundle

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/har"
)

// budgetSession has something for every budget step, and protected content:
// a main document, a failed request and an entry a finding points to.
func budgetSession(t testing.TB) spoolFixture {
	const mb = 1 << 18 // a quarter of a MB keeps the test fast under -race
	entries := []har.Entry{
		withType(withBody(entry("GET", "https://app.example.com/", 200, 0, 100), "text/html", "<html>"+randomText(2*mb, 1)+"</html>"), "document"),
		withType(withBody(entry("POST", "https://api.example.com/fail", 500, 500, 100), "application/json", randomText(1*mb, 2)), "fetch"),
		withType(withBody(entry("GET", "https://api.example.com/slow", 200, 700, 12000), "application/json", randomText(1*mb, 3)), "fetch"),
	}
	for i := 0; i < 3; i++ {
		e := withType(entry("GET", "https://cdn.example.com/img"+string(rune('a'+i))+".png", 200, 1000, 20), "image")
		e.Response.Content = har.Content{MimeType: "image/png", Text: randomBase64(mb, uint64(10+i)), Encoding: "base64", Size: mb}
		entries = append(entries, e)
	}
	font := withType(entry("GET", "https://cdn.example.com/f.woff2", 200, 1100, 20), "font")
	font.Response.Content = har.Content{MimeType: "font/woff2", Text: randomBase64(mb/2, 20), Encoding: "base64", Size: mb / 2}
	entries = append(entries, font)
	for i := 0; i < 2; i++ {
		entries = append(entries, withType(withBody(entry("GET", "https://cdn.example.com/app"+string(rune('a'+i))+".js", 200, 1200, 30), "application/javascript", randomText(mb, uint64(30+i))), "script"))
	}
	small := withType(withBody(entry("GET", "https://cdn.example.com/tiny.js", 200, 1200, 30), "application/javascript", "var tiny = 1;"), "script")
	entries = append(entries, small)
	for i := 0; i < 3; i++ {
		entries = append(entries, withType(withBody(entry("GET", "https://api.example.com/list"+string(rune('a'+i)), 200, 1300, 30), "application/json", randomText(2*mb, uint64(40+i))), "fetch"))
	}
	f := sampleSession(t)
	f.entries = entries
	for i := 0; i < 3; i++ {
		f.screenshots = append(f.screenshots, pngImage(t, 250, 200, uint64(i)))
	}
	return f
}

func TestBudgetTrimsInOrderAndNeverTouchesProtectedContent(t *testing.T) {
	f := budgetSession(t)
	for _, limit := range []int64{5 << 18, 2 << 18} {
		dir := makeSpool(t, f)
		res, err := Write(context.Background(), dir, t.TempDir(), Options{Budget: limit})
		if err != nil {
			t.Fatal(err)
		}
		m := res.Manifest
		if len(m.Budget.Actions) == 0 {
			t.Fatalf("budget %s: no action on a bundle estimated at %s", HumanSize(limit), HumanSize(m.Budget.Estimated))
		}
		last := 0
		for _, a := range m.Budget.Actions {
			if a.Step < last {
				t.Errorf("budget %s: step %d after step %d: %+v", HumanSize(limit), a.Step, last, m.Budget.Actions)
				break
			}
			last = a.Step
			if a.Entry >= 0 && a.Entry <= 2 {
				t.Errorf("budget %s: touched protected entry %d (%s)", HumanSize(limit), a.Entry, a.URL)
			}
			if a.Entry >= 0 && a.Step == stepMediaBodies && !strings.Contains(a.URL, "cdn.example.com/img") && !strings.Contains(a.URL, ".woff2") {
				t.Errorf("step 1 took a body that is not an image, font or media: %s", a.URL)
			}
		}
		// Step order: every image and font body goes before any script.
		steps := map[int]int{}
		for _, a := range m.Budget.Actions {
			steps[a.Step]++
		}
		if steps[stepScriptBodies] > 0 && steps[stepMediaBodies] != 4 {
			t.Errorf("scripts trimmed before all 4 media bodies: %v", steps)
		}
		if steps[stepTruncate] > 0 && steps[stepScriptBodies] != 2 {
			t.Errorf("text truncated before both large scripts: %v", steps)
		}
		if res.Size > limit && !m.Budget.OverBudget {
			t.Errorf("budget %s: bundle is %s but not flagged over budget", HumanSize(limit), HumanSize(res.Size))
		}
		if res.Size <= limit && m.Budget.OverBudget {
			t.Errorf("budget %s: bundle is %s but flagged over budget", HumanSize(limit), HumanSize(res.Size))
		}
		if m.Budget.OverBudget && !strings.Contains(m.Budget.Message, "still over") {
			t.Errorf("over-budget message is not plain: %q", m.Budget.Message)
		}
		t.Logf("budget %s: bundle %s (estimated %s before), %d actions %v, over=%v", HumanSize(limit), HumanSize(res.Size), HumanSize(m.Budget.Estimated), len(m.Budget.Actions), steps, m.Budget.OverBudget)

		// Protected bodies are intact in the bundle's HAR; trimmed ones say so.
		b, err := Open(res.Path)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i <= 2; i++ {
			got, _ := b.ResponseBody(i)
			if got != f.entries[i].Response.Content.Text {
				t.Errorf("protected entry %d body changed (%d bytes, want %d)", i, len(got), len(f.entries[i].Response.Content.Text))
			}
		}
		if got, _ := b.ResponseBody(9); got != "var tiny = 1;" {
			t.Errorf("a small script was trimmed: %q", got)
		}
		for _, a := range m.Budget.Actions {
			if a.Entry < 0 {
				continue
			}
			got, _ := b.ResponseBody(a.Entry)
			if int64(len(got)) != a.After {
				t.Errorf("entry %d: action says %d bytes left, HAR has %d", a.Entry, a.After, len(got))
			}
			if a.Action == "truncate-body" && !strings.Contains(got, "truncated by Reprokit") {
				t.Errorf("entry %d truncated without a marker", a.Entry)
			}
		}
	}
}

func TestBudgetSaysPlainlyWhenProtectedContentIsTooLarge(t *testing.T) {
	f := sampleSession(t)
	f.entries = append(f.entries, withType(withBody(entry("GET", "https://api.example.com/huge-error", 500, 100, 10), "application/json", randomText(3<<18, 7)), "fetch"))
	dir := makeSpool(t, f)
	res, err := Write(context.Background(), dir, t.TempDir(), Options{Budget: 1 << 18})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Manifest.Budget.OverBudget || !strings.Contains(res.Manifest.Budget.Message, "still over its 256 KB budget") {
		t.Fatalf("want a plain over-budget message, got %+v", res.Manifest.Budget)
	}
	zf := readZip(t, res.Path)
	if !strings.Contains(string(zf["SUPPORT_REQUEST.md"]), "still over") {
		t.Error("SUPPORT_REQUEST.md does not say the bundle is over budget")
	}
}

func TestNoBudgetKeepsEverything(t *testing.T) {
	f := budgetSession(t)
	dir := makeSpool(t, f)
	res, err := Write(context.Background(), dir, t.TempDir(), Options{Budget: NoBudget})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Manifest.Budget.Actions); n != 0 || res.Manifest.Budget.Limit != 0 {
		t.Fatalf("no budget but %d actions, limit %d", n, res.Manifest.Budget.Limit)
	}
	var raw struct {
		Log struct {
			Entries []har.Entry `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(readZip(t, res.Path)["session.har"], &raw); err != nil {
		t.Fatal(err)
	}
	for i, e := range raw.Log.Entries {
		if e.Response.Content.Text != f.entries[i].Response.Content.Text {
			t.Errorf("entry %d changed without a budget", i)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"25MB": 25 << 20, "25 MB": 25 << 20, "500k": 500 << 10, "1.5G": 3 << 29, "0": 0, "1024": 1024, "2MiB": 2 << 20} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MB", "-1", "ten"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

func TestBudgetThinsTheScreencastAfterTheScreenshots(t *testing.T) {
	f := sampleSession(t)
	f.screenshots = [][]byte{pngImage(t, 200, 150, 1)}
	for i := 0; i < 12; i++ {
		f.screencast = append(f.screencast, pngImage(t, 200, 150, uint64(100+i)))
	}
	dir := makeSpool(t, f)
	res, err := Write(context.Background(), dir, t.TempDir(), Options{Budget: 700 << 10})
	if err != nil {
		t.Fatal(err)
	}
	var thinned, shots bool
	for _, a := range res.Manifest.Budget.Actions {
		if a.Action == "thin-screencast" {
			thinned = true
			if !shots {
				t.Error("the screencast was thinned before the screenshots were shrunk")
			}
		}
		if a.Action == "recompress-screenshot" || a.Action == "downscale-screenshot" {
			shots = true
		}
	}
	if !thinned {
		t.Fatalf("no thin-screencast action: %+v (size %s)", res.Manifest.Budget.Actions, HumanSize(res.Size))
	}
	b, err := Open(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(b.Screencast); n == 0 || n >= 12 || n != res.Manifest.Counts.ScreencastFrames {
		t.Errorf("%d frames in the bundle, manifest says %d", n, res.Manifest.Counts.ScreencastFrames)
	}
	if d := b.ReportData(); len(d.Screencast) != len(b.Screencast) {
		t.Errorf("the report has %d frames, the bundle %d", len(d.Screencast), len(b.Screencast))
	}
}

// QA: stderr said 21 size-budget reductions where inspect said 32, and
// SUPPORT_REQUEST.md gave a size that was not the zip's.
func TestCountsAndSizeAgreeOnStderrInspectAndTheSupportRequest(t *testing.T) {
	f := budgetSession(t)
	for _, limit := range []int64{2 << 18, DefaultBudget} {
		dir := makeSpool(t, f)
		var progress bytes.Buffer
		res, err := Write(context.Background(), dir, t.TempDir(), Options{Budget: limit, Progress: &progress})
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(res.Path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() != res.Size {
			t.Errorf("Result.Size %d, file %d", res.Size, st.Size())
		}
		b, err := Open(res.Path)
		if err != nil {
			t.Fatal(err)
		}
		n := len(b.Manifest.Budget.Actions)
		if limit == 2<<18 && n == 0 {
			t.Fatalf("budget %s: no action", HumanSize(limit))
		}
		lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
		final := lines[len(lines)-1]
		if want := fmt.Sprintf("%d size-budget reduction", n); !strings.Contains(final, want) {
			t.Errorf("budget %s: the last progress line does not say %q:\n%s", HumanSize(limit), want, progress.String())
		}
		var text bytes.Buffer
		s := b.Summary()
		s.WriteText(&text)
		if want := fmt.Sprintf(": %d reduction", n); !strings.Contains(text.String(), want) {
			t.Errorf("inspect does not say %q:\n%s", want, text.String())
		}
		if b.Manifest.Budget.Final != st.Size() {
			t.Errorf("bundle.json budget.final %d, the zip is %d bytes", b.Manifest.Budget.Final, st.Size())
		}
		if want := "One bundle file (a .zip) of " + HumanSize(st.Size()); !strings.Contains(b.Support, want) {
			t.Errorf("SUPPORT_REQUEST.md does not say %q for a %d-byte zip:\n%s", want, st.Size(), b.Support)
		}
	}
}
