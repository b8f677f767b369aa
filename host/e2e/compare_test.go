package e2e

import (
	"context"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/recording"
)

// recordLaunchMode records scenario the way `reprokit record URL --headless`
// does (its own browser, a fresh profile) and returns the bundle's path.
func recordLaunchMode(t testing.TB) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "launch.zip")
	res, err := recording.Run(context.Background(), recording.Options{
		URL:       env.app.URL + "/",
		Browser:   browserPath(),
		Headless:  true,
		Out:       out,
		SpoolBase: filepath.Join(t.TempDir(), "spool"),
		Stderr:    io.Discard,
		Drive:     func(ctx, tab context.Context) error { return scenario(tab) },
	})
	if err != nil {
		t.Fatalf("launch mode: %v", err)
	}
	return res.Path
}

var redactionTag = regexp.MustCompile(`\[REDACTED:([a-z-]+):[0-9a-f]+\]`)

// entrySet is the set of "METHOD URL" of a bundle's entries, without what
// only one mode can see.
func entrySet(t testing.TB, path string) (map[string]bool, *bundle.Bundle) {
	t.Helper()
	b, err := bundle.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	set := map[string]bool{}
	for _, e := range b.Entries() {
		u := e.Request.URL
		switch {
		case strings.Contains(u, "/popup/child"), strings.Contains(u, "/api/popup-data"):
			// A popup's first requests race the extension's attach.
			continue
		case u == env.app.URL+"/":
			// Launch mode opens the start page after Record; in extension
			// mode the user is on it already.
			continue
		case !strings.HasPrefix(u, env.app.URL) && !strings.HasPrefix(u, env.app.OtherURL):
			continue // the browser's own requests
		}
		// Each bundle has its own HMAC key, so the same secret gets
		// another tag.
		set[e.Request.Method+" "+redactionTag.ReplaceAllString(u, "[REDACTED:$1]")] = true
	}
	return set, b
}

func TestExtensionModeRecordsWhatLaunchModeRecords(t *testing.T) {
	needBrowser(t)
	launch, lb := entrySet(t, recordLaunchMode(t))
	ext, eb := entrySet(t, recordWithExtension(t, nil))
	var onlyLaunch, onlyExt []string
	for k := range launch {
		if !ext[k] {
			onlyLaunch = append(onlyLaunch, k)
		}
	}
	for k := range ext {
		if !launch[k] {
			onlyExt = append(onlyExt, k)
		}
	}
	sort.Strings(onlyLaunch)
	sort.Strings(onlyExt)
	if len(onlyLaunch) > 0 || len(onlyExt) > 0 {
		t.Errorf("entry sets differ (%d launch, %d extension):\nonly in launch mode: %s\nonly in extension mode: %s",
			len(launch), len(ext), strings.Join(onlyLaunch, "\n  "), strings.Join(onlyExt, "\n  "))
	}
	if got, want := consoleTexts(eb), consoleTexts(lb); got != want {
		t.Errorf("console differs:\nlaunch:\n%s\nextension:\n%s", want, got)
	}
	if len(eb.Screenshots) == 0 || len(lb.Screenshots) == 0 {
		t.Errorf("screenshots: %d in launch mode, %d in extension mode", len(lb.Screenshots), len(eb.Screenshots))
	}
}

func consoleTexts(b *bundle.Bundle) string {
	var out []string
	for _, m := range b.Console {
		if strings.Contains(m.Text, "reprokit") {
			out = append(out, m.Level+" "+m.Text)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
