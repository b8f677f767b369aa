package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/replay"
)

// Records the test app's planted-secrets page (JSON, form and multipart
// posts whose values the sanitizer redacts, a file part replaced by a tag,
// then a websocket opened only after the multipart post answered), stops
// the app and replays the sanitized bundle: the redacted values match
// whatever the replayed page sends in their place, so every request is
// answered and the websocket frames play.
func TestReplayOfSanitizedSecretsPage(t *testing.T) {
	browserOrSkip(t)
	path := recordTestApp(t, "secrets", logWriter{t}, func(app string, tab context.Context) error {
		if err := chromedp.Do(tab, chromedp.Navigate(app+"/secrets/page")); err != nil {
			return err
		}
		return waitDone(tab)
	})
	src, err := replay.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var done bool
	var pageLog string
	rctx, rcancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer rcancel()
	rep, err := replay.Run(rctx, src, replay.Options{
		Timeout: 60 * time.Second, Progress: logWriter{t}, Pace: replay.PaceNone,
		OnPage: func(tab context.Context, u string) {
			done = waitDone(tab) == nil
			pageLog, _ = chromedp.Run(tab, chromedp.Evaluate[string](logJS))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range rep.UnmatchedList {
		t.Errorf("unmatched: %s %s: %s", l.Method, l.URL, l.Reason)
	}
	var multipart bool
	for _, l := range rep.Log {
		if strings.HasSuffix(l.URL, "/post/multipart") {
			multipart = true
			// Redacted values match anything in their place: a full
			// match, not a guess at the fuzzy threshold.
			if l.Outcome != replay.ServedExact || l.Score < 1 {
				t.Errorf("the multipart post with the redacted file part was %s (score %.2f), want an exact match: %s", l.Outcome, l.Score, l.Reason)
			}
		}
	}
	if !multipart {
		t.Errorf("the replayed page never posted its multipart body")
	}
	if rep.WebSocketFrames.Sent == 0 {
		t.Errorf("no websocket frame played: the socket opened after the multipart post never opened")
	}
	if !done {
		t.Errorf("the replayed secrets page never finished; its log:\n%s", pageLog)
	}
	if rep.Coverage < 0.98 {
		t.Errorf("coverage %.3f, want at least 0.98", rep.Coverage)
	}
}
