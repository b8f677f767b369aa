package recording_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/recording"
)

// domScenario is what a user does on the test app's DOM page: type a name
// and a password, add two lines.
const domTyped = "typed-name-QUOKKA-1234"

func domScenario(ctx, tab context.Context) error {
	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	defer cancel()
	poll := func(expr string) error {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond)))
		return err
	}
	if err := poll(`document.body.dataset.done === '1' && document.body.dataset.frame === '1'`); err != nil {
		return err
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid=name]`), domTyped),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=password]`), app.Secrets.Password),
		chromedp.Click(chromedp.CSS(`[data-testid=add]`), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS(`[data-testid=add]`), chromedp.NodeVisible),
	); err != nil {
		return err
	}
	return poll(`document.body.dataset.lines === '2'`)
}

// zipFiles reads every member of a bundle.
func zipFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	out := map[string][]byte{}
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = b
	}
	return out
}

// TestRecordedBundleHasASanitizedDOMReplay records the DOM page with a real
// Chromium as `reprokit record` does and reads the bundle: dom.json has a
// full snapshot and incremental events of the tab, up to the last line the
// user added just before the stop; the typed password, the typed name, the
// API key shown as page text and the data-private notes (page and
// cross-origin frame) are nowhere in it; bundle.json counts and lists it.
// With NoDOM (--no-dom) the bundle has no dom.json.
func TestRecordedBundleHasASanitizedDOMReplay(t *testing.T) {
	needBrowser(t)
	path := browserPath
	tmp := shortTemp(t)
	var stderr bytes.Buffer
	res, err := recording.Run(context.Background(), recording.Options{
		URL: app.URL + "/dom/page", Browser: path, Headless: true,
		Out: t.TempDir() + "/dom.zip", SpoolBase: tmp, Stderr: &stderr, Drive: domScenario,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	files := zipFiles(t, res.Path)
	raw := files[bundle.DOMReplayFile]
	if raw == nil {
		t.Fatalf("no dom.json in the bundle\n%s", stderr.String())
	}
	var doc bundle.DOMDoc
	if err := json.Unmarshal(raw, &doc); err != nil || doc.Format != "rrweb" || len(doc.Tabs) == 0 {
		t.Fatalf("dom.json: %v %.300s", err, raw)
	}
	types := map[int]int{}
	for _, ev := range doc.Tabs[0].Events {
		var h struct {
			Type int `json:"type"`
		}
		json.Unmarshal(ev, &h)
		types[h.Type]++
	}
	if types[2] == 0 || types[3] == 0 || types[4] == 0 {
		t.Errorf("event types %v: want meta, a full snapshot and incremental events", types)
	}
	if !bytes.Contains(raw, []byte("Line 2 added")) || !bytes.Contains(raw, []byte("FRAME-VISIBLE-4410")) {
		t.Error("dom.json misses the last line added before the stop, or the cross-origin frame's text")
	}
	// The page's HTML is in the HAR and a typed name in steps.json as
	// before: dom.json must not add them. The password and the API key
	// are in no file at all.
	for name, secret := range map[string]string{
		"typed name": domTyped, "data-private note": "ZEBRA-PRIVATE-7731", "data-private note of the frame": "FRAME-PRIVATE-5521",
	} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the %s %q is in dom.json", name, secret)
		}
	}
	for name, secret := range map[string]string{"typed password": app.Secrets.Password, "API key in page text": app.Secrets.APIKey} {
		for member, data := range files {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("the %s %q is in %s", name, secret, member)
			}
		}
	}
	var m bundle.Manifest
	if err := json.Unmarshal(files[bundle.ManifestFile], &m); err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, f := range m.Files {
		listed = listed || f.Name == bundle.DOMReplayFile
	}
	if m.Counts.DOMEvents == 0 || !listed {
		t.Errorf("bundle.json: counts.domEvents %d, dom.json listed %v", m.Counts.DOMEvents, listed)
	}

	res, err = recording.Run(context.Background(), recording.Options{
		URL: app.URL + "/dom/page", Browser: path, Headless: true, NoDOM: true,
		Out: t.TempDir() + "/nodom.zip", SpoolBase: tmp, Stderr: &stderr, Drive: domScenario,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if _, ok := zipFiles(t, res.Path)[bundle.DOMReplayFile]; ok {
		t.Error("--no-dom: the bundle has dom.json")
	}
	if _, err := os.Stat(res.Path); err != nil {
		t.Fatal(err)
	}
}
