package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// DriveOptions are optional hooks of [DriveWith].
type DriveOptions struct {
	// Progress, when set, is called with a short description before each
	// step ("signing in through SSO"), for the CLI's stderr.
	Progress func(step string)
	// Screenshot, when set, asks the recorder for an on-demand screenshot
	// with a reason; Drive calls it once the failing call is on screen.
	Screenshot func(ctx context.Context, reason string) error
	// StepTimeout bounds each step; zero means 60 seconds.
	StepTimeout time.Duration
}

// Drive runs the scripted demo session in the tab with real input events
// (clicks and key presses through CDP, so a steps recorder sees them): it
// signs in through the SSO identity provider by typing [Email] and
// [Password], sends [Message] and waits for the streamed reply, uploads a
// generated 21 MB file that the server rejects with 413, and opens the
// usage page whose API call fails with 500. ctx bounds the whole session;
// tab is the chromedp context of the recorded tab. It is [DriveWith]
// without hooks.
func Drive(ctx, tab context.Context, app *App) error {
	return DriveWith(ctx, tab, app, DriveOptions{})
}

// DriveWith is [Drive] with progress and screenshot hooks.
func DriveWith(ctx, tab context.Context, app *App, opts DriveOptions) error {
	if opts.StepTimeout <= 0 {
		opts.StepTimeout = 60 * time.Second
	}
	step := func(name string, f func(ctx context.Context) error) error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("demo: %s: %w", name, err)
		}
		if opts.Progress != nil {
			opts.Progress(name)
		}
		sctx, cancel := context.WithTimeout(tab, opts.StepTimeout)
		defer cancel()
		stop := context.AfterFunc(ctx, cancel) // the session's end ends the step
		defer stop()
		if err := f(sctx); err != nil {
			return fmt.Errorf("demo: %s: %w (the demo app is at %s)", name, err, app.URL)
		}
		return nil
	}
	css := func(testid string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + testid + `"]`) }

	steps := []struct {
		name string
		f    func(ctx context.Context) error
	}{
		{"opening the sign-in page", func(ctx context.Context) error {
			loc, err := chromedp.Run(ctx, chromedp.Location())
			if err != nil {
				return err
			}
			if !strings.HasPrefix(loc, app.URL+"/") {
				if err := chromedp.Do(ctx, chromedp.Navigate(app.URL+"/")); err != nil {
					return err
				}
			}
			return chromedp.Do(ctx, chromedp.WaitVisible(css("sso-continue")))
		}},
		{"signing in through SSO", func(ctx context.Context) error {
			return chromedp.Do(ctx,
				chromedp.Click(css("sso-continue")),
				chromedp.WaitVisible(css("email")),
				chromedp.Click(css("email")),
				chromedp.SendKeys(css("email"), Email),
				chromedp.Click(css("password")),
				chromedp.SendKeys(css("password"), Password),
				chromedp.Click(css("idp-sign-in")),
			)
		}},
		{"waiting for the workspace", func(ctx context.Context) error { return waitFlag(ctx, "signedIn") }},
		{"sending a chat message", func(ctx context.Context) error {
			return chromedp.Do(ctx,
				chromedp.Click(css("prompt")),
				chromedp.SendKeys(css("prompt"), Message),
				chromedp.Click(css("send")),
			)
		}},
		{"waiting for the streamed reply", func(ctx context.Context) error { return waitFlag(ctx, "replyDone") }},
		{"uploading a 21 MB file", func(ctx context.Context) error {
			if err := chromedp.Do(ctx, chromedp.Click(css("attach-recording"))); err != nil {
				return err
			}
			if err := waitFlag(ctx, "uploadStatus"); err != nil {
				return err
			}
			return nil
		}},
		{"opening usage (its API call fails)", func(ctx context.Context) error {
			if err := chromedp.Do(ctx, chromedp.Click(css("usage"))); err != nil {
				return err
			}
			return waitFlag(ctx, "usageStatus")
		}},
	}
	for _, s := range steps {
		if err := step(s.name, s.f); err != nil {
			return err
		}
	}
	if opts.Screenshot != nil {
		if err := step("taking a screenshot", func(ctx context.Context) error {
			return opts.Screenshot(ctx, "demo: the failing usage call")
		}); err != nil {
			return err
		}
	}
	return nil
}

// waitFlag waits until document.body.dataset[name] is set by app.js. A
// poll does not survive a navigation, so it starts again on the new page
// until ctx ends.
func waitFlag(ctx context.Context, name string) error {
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[string](
			fmt.Sprintf("document.body && document.body.dataset[%q]", name),
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(0)))
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the page to set data-%s: %w (last error: %v)", name, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
