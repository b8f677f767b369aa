package replay

import (
	"context"
	"net/url"
	"strings"

	"github.com/chromedp/chromedp"
)

// A step on a page the recording does not hold (a domain the reporter
// excluded, whose requests were taken out of the bundle) can only fail:
// each one waited stepTimeout for an element of a page that never loaded.
// stepsPage follows where the steps are and says which to skip at once.
type stepsPage struct {
	a       *Archive
	offPage string // the page a skipped navigate went to; "" when on the recording
}

// skip returns why step s is not replayed, or "" to run it.
func (p *stepsPage) skip(ctx context.Context, s Step) string {
	if s.Type == "navigate" {
		p.offPage = ""
		if s.URL != "" && !p.a.recordsOrigin(s.URL) {
			p.offPage = s.URL
			return "its page " + shortURL(s.URL) + " is not in the recording (an excluded domain?)"
		}
		return ""
	}
	if p.offPage != "" {
		return "its page " + shortURL(p.offPage) + " is not in the recording (an excluded domain?)"
	}
	switch s.Type {
	case "setViewport", "keyDown", "keyUp":
		return "" // no page element: harmless anywhere
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return ""
	}
	if strings.HasPrefix(loc, "chrome-error:") {
		return "the page it is on did not load from the recording"
	}
	if strings.HasPrefix(loc, "http") && !p.a.recordsOrigin(loc) {
		return "its page " + shortURL(loc) + " is not in the recording (an excluded domain?)"
	}
	return ""
}

// recordsOrigin reports whether the recording holds an exchange with the
// origin (scheme, host, port) of the URL u.
func (a *Archive) recordsOrigin(u string) bool {
	pu, err := url.Parse(u)
	if err != nil || pu.Host == "" {
		return true // not a web page: not for this check to refuse
	}
	origin, _ := originPath(pu)
	for _, r := range a.Entries {
		if r.origin == origin && !r.Socket {
			return true
		}
	}
	return false
}
