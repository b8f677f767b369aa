package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// spoolEvents reads every events.jsonl of the spools under the test's TMPDIR.
func spoolEvents(t *testing.T) []map[string]any {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(env.tmpDir, "reprokit-*", "rec-*", "events.jsonl"))
	var out []map[string]any
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				out = append(out, m)
			}
		}
		fh.Close()
	}
	return out
}

func TestPopupRecordDrivesHostAndRecordsTheTab(t *testing.T) {
	needBrowser(t)
	app := newTab(t)
	run(t, app, "open the app", chromedp.Navigate(env.app.URL+"/"))
	popup, _ := openPopup(t, app)
	waitStatus(t, popup, "idle", 5*time.Second)

	click(t, popup, "record")
	waitStatus(t, popup, "recording", 15*time.Second)

	run(t, app, "open the frames page", chromedp.Navigate(env.app.URL+"/frames"))
	waitDone(t, app, "both frames load")
	run(t, app, "open the popup page", chromedp.Navigate(env.app.URL+"/popup"))
	click(t, app, "open-popup")
	waitDone(t, app, "the popup window reports back")
	// The popup's first requests race the extension's attach (the issue
	// allows losing them); a navigation of the attached popup must be
	// recorded.
	waitPopupAttached(t, popup, env.app.URL+"/popup/child")
	run(t, app, "navigate the popup window", chromedp.Evaluate[chromedp.Void](`window.open('/popup/child?again=1', 'reprokit-popup'); undefined`))
	waitRequest(t, "/popup/child?again=1")

	click(t, popup, "stop")
	st := waitStatus(t, popup, "review", 30*time.Second)
	t.Logf("status after stop: %s", st)

	var urls []string
	for _, ev := range spoolEvents(t) {
		if ev["method"] != "Network.requestWillBeSent" {
			continue
		}
		p, _ := ev["params"].(map[string]any)
		req, _ := p["request"].(map[string]any)
		u, _ := req["url"].(string)
		urls = append(urls, u)
	}
	for _, want := range []string{env.app.URL + "/frames", env.app.OtherURL + "/frames/inner", env.app.URL + "/popup/child?again=1"} {
		found := false
		for _, u := range urls {
			if strings.HasPrefix(u, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no request to %s recorded; got %q", want, urls)
		}
	}
}
