package e2e

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/har"
	"github.com/reprokit/reprokit/host/recording"
)

// domScenario is what the DOM replay tests do in the recorded tab: the DOM
// page (typing, a password, two clicks that add lines, a cross-origin
// frame), then the steps page (a second page load).
func domScenario(app context.Context) error {
	base := env.app.URL
	steps := []struct {
		what string
		do   []chromedp.Action[chromedp.Void]
	}{
		{"open the DOM page", []chromedp.Action[chromedp.Void]{chromedp.Navigate(base + "/dom/page"), chromedp.WaitVisible(chromedp.CSS(`body[data-done][data-frame]`))}},
		{"type and add lines", []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS(`[data-testid=name]`), "typed-name-QUOKKA-1234"),
			chromedp.SendKeys(chromedp.CSS(`[data-testid=password]`), env.app.Secrets.Password),
			chromedp.Click(chromedp.CSS(`[data-testid=add]`), chromedp.NodeVisible),
			chromedp.Click(chromedp.CSS(`[data-testid=add]`), chromedp.NodeVisible),
			chromedp.WaitVisible(chromedp.CSS(`body[data-lines="2"]`)),
		}},
		{"open the steps page", []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(base + "/steps"),
			chromedp.SendKeys(chromedp.CSS(`[data-testid=search]`), "hello"),
			chromedp.Click(chromedp.CSS(`[data-testid=go]`)),
			chromedp.WaitVisible(chromedp.CSS(`#out:not(:empty)`)),
		}},
	}
	for _, s := range steps {
		ctx, cancel := context.WithTimeout(app, 30*time.Second)
		err := chromedp.Do(ctx, s.do...)
		cancel()
		if err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	return nil
}

// domShape is what the two modes must agree on in a tab's DOM replay: the
// pages in order (each a meta event), whether each page has a full
// snapshot, the set of event types and of incremental sources.
type domShape struct {
	pages     []string // the path of each meta event's page
	snapshots []int    // full snapshots after each meta event
	types     []int
	sources   []int
	text      string   // the raw dom.json
	tabs      []string // dom.json's tab targets
	pageTabs  []string // session.har's pages' _targetId
}

func readDOMShape(t testing.TB, path string) domShape {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var raw, harRaw []byte
	for _, f := range z.File {
		switch f.Name {
		case bundle.DOMReplayFile:
			rc, _ := f.Open()
			raw, _ = io.ReadAll(rc)
			rc.Close()
		case "session.har":
			rc, _ := f.Open()
			harRaw, _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	if raw == nil {
		t.Fatalf("%s has no %s", path, bundle.DOMReplayFile)
	}
	var doc bundle.DOMDoc
	if err := json.Unmarshal(raw, &doc); err != nil || len(doc.Tabs) == 0 {
		t.Fatalf("%s: %v", bundle.DOMReplayFile, err)
	}
	s := domShape{text: string(raw)}
	for _, tab := range doc.Tabs {
		s.tabs = append(s.tabs, tab.Target)
	}
	var h har.HAR
	if err := json.Unmarshal(harRaw, &h); err != nil {
		t.Fatalf("%s: session.har: %v", path, err)
	}
	for _, p := range h.Log.Pages {
		s.pageTabs = append(s.pageTabs, p.TargetID)
	}
	types, sources := map[int]bool{}, map[int]bool{}
	for _, ev := range doc.Tabs[0].Events {
		var h struct {
			Type int `json:"type"`
			Data struct {
				Href   string `json:"href"`
				Source *int   `json:"source"`
			} `json:"data"`
		}
		json.Unmarshal(ev, &h)
		types[h.Type] = true
		switch h.Type {
		case 4:
			p := strings.TrimPrefix(h.Data.Href, env.app.URL)
			s.pages = append(s.pages, p)
			s.snapshots = append(s.snapshots, 0)
		case 2:
			if len(s.snapshots) > 0 {
				s.snapshots[len(s.snapshots)-1]++
			}
		case 3:
			// Pointer moves depend on how the input was dispatched, not on
			// the mode.
			if h.Data.Source != nil && *h.Data.Source != 1 {
				sources[*h.Data.Source] = true
			}
		}
	}
	for k := range types {
		s.types = append(s.types, k)
	}
	for k := range sources {
		s.sources = append(s.sources, k)
	}
	sort.Ints(s.types)
	sort.Ints(s.sources)
	return s
}

// TestExtensionModeRecordsTheSameDOMReplayAsLaunchMode records the same
// scenario through the real extension and as `reprokit record` does, and
// compares the recorded tab's DOM replay: the same pages in the same order,
// each with one full snapshot, the same event types, mutations, clicks and
// input, the last line added before leaving the page; in both, the typed password, the typed name and the
// data-private notes are nowhere in dom.json.
func TestExtensionModeRecordsTheSameDOMReplayAsLaunchMode(t *testing.T) {
	needBrowser(t)
	res, err := recording.Run(context.Background(), recording.Options{
		URL: env.app.URL + "/", Browser: browserPath(), Headless: true,
		Out: filepath.Join(t.TempDir(), "launch.zip"), SpoolBase: filepath.Join(t.TempDir(), "spool"), Stderr: io.Discard,
		Drive: func(ctx, tab context.Context) error { return domScenario(tab) },
	})
	if err != nil {
		t.Fatalf("launch mode: %v", err)
	}
	launch := readDOMShape(t, res.Path)

	app := newTab(t)
	run(t, app, "open the app", chromedp.Navigate(env.app.URL+"/"))
	popup, _ := openPopup(t, app)
	resetPopup(t, popup)
	click(t, popup, "record")
	waitStatus(t, popup, "recording", 15*time.Second)
	if err := domScenario(app); err != nil {
		t.Fatalf("%v%s", err, hostLogTail())
	}
	click(t, popup, "stop")
	waitStatus(t, popup, "done", 60*time.Second)
	path := eval[string](t, popup, `document.querySelector('[data-testid=result-path]').textContent.replace(/ \([^)]*\)$/, '')`)
	ext := readDOMShape(t, path)

	// Before the scenario, launch mode shows about:blank and then the
	// start page (left at once, maybe before its snapshot), extension mode
	// the page the user is on: the scenario's pages are compared.
	want := []string{"/dom/page", "/steps"}
	for mode, s := range map[string]domShape{"launch": launch, "extension": ext} {
		var pages []string
		for i, p := range s.pages {
			if p == "about:blank" || p == "/" {
				continue
			}
			pages = append(pages, p)
			if s.snapshots[i] != 1 {
				t.Errorf("%s mode: %d full snapshots of %s, want 1", mode, s.snapshots[i], p)
			}
		}
		if !slices.Equal(pages, want) {
			t.Errorf("%s mode: pages %q, want %q", mode, s.pages, want)
		}
		// mutations, clicks, input; scrolls and viewport changes depend
		// on the window, not the mode
		for _, src := range []int{0, 2, 5} {
			if !slices.Contains(s.sources, src) {
				t.Errorf("%s mode: no incremental event of source %d (sources %v)", mode, src, s.sources)
			}
		}
		for _, secret := range []string{env.app.Secrets.Password, env.app.Secrets.APIKey, "typed-name-QUOKKA-1234", "ZEBRA-PRIVATE-7731", "FRAME-PRIVATE-5521"} {
			if strings.Contains(s.text, secret) {
				t.Errorf("%s mode: dom.json holds %q", mode, secret)
			}
		}
		for _, want := range []string{"Line 2 added", "FRAME-VISIBLE-4410"} {
			if !strings.Contains(s.text, want) {
				t.Errorf("%s mode: dom.json misses %q", mode, want)
			}
		}
		// The HAR's pages name the replay's tab they loaded in, so the
		// report can tell each tab's requests.
		for _, pt := range s.pageTabs {
			if !slices.Contains(s.tabs, pt) {
				t.Errorf("%s mode: a HAR page of target %q, not one of the replay's tabs %q", mode, pt, s.tabs)
			}
		}
		if len(s.pageTabs) == 0 {
			t.Errorf("%s mode: session.har has no page", mode)
		}
	}
	if !slices.Equal(launch.types, ext.types) {
		t.Errorf("event types %v in launch mode, %v in extension mode", launch.types, ext.types)
	}
}
