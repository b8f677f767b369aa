package testapp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The /code/ pages run every script in a real Chromium and end "ok" with
// the requests they announce, each carrying the random secrets of this
// start where the page says: the baseline that a sanitized replay must
// reach too.
func TestCodePagesRunEveryScriptInChromium(t *testing.T) {
	app := startApp(t)
	ctx := newBrowser(t)
	for _, c := range []struct {
		path     string
		requests string
	}{{"/code/page", "17"}, {"/code/bundle", "4"}} {
		tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		app.Reset()
		if err := chromedp.Do(tctx, chromedp.Navigate(app.URL+c.path)); err != nil {
			cancel()
			t.Fatal(err)
		}
		done := waitData(tctx, t, "done", 30*time.Second)
		errs, _ := chromedp.Run(tctx, chromedp.Evaluate[string](`document.body.dataset.errors || ''`))
		n, _ := chromedp.Run(tctx, chromedp.Evaluate[string](`document.body.dataset.requests || ''`))
		made, _ := chromedp.Run(tctx, chromedp.Evaluate[string](`document.body.dataset.made || ''`))
		cancel()
		if done != "ok" || errs != "" {
			t.Errorf("%s ended %q, script errors %q", c.path, done, errs)
			continue
		}
		if n != c.requests {
			t.Errorf("%s made %s requests, want %s:\n%s", c.path, n, c.requests, made)
		}
		// The requests carry the secrets where the page says they do.
		var seen strings.Builder
		for _, r := range app.Received() {
			seen.WriteString(r.URL + "\n")
			for k, v := range r.Header {
				seen.WriteString(k + ": " + strings.Join(v, ",") + "\n")
			}
		}
		if c.path == "/code/page" {
			for _, s := range []Secret{{"QueryKey", app.Code.QueryKey}, {"ConfigKey", app.Code.ConfigKey}, {"SessionToken", app.Code.SessionToken},
				{"TemplateToken", app.Code.TemplateToken}, {"BearerToken", app.Code.BearerToken}, {"EnvToken", app.Code.EnvToken},
				{"AccessToken", app.Code.AccessToken}, {"JSONToken", app.Code.JSONToken}, {"StyleToken", app.Code.StyleToken}} {
				if !strings.Contains(seen.String(), s.Value) {
					t.Errorf("%s: no request carried %s", c.path, s.Name)
				}
			}
		}
	}
}
