package bridge

import (
	"context"

	"github.com/chromedp/chromedp"
)

// Allocator is a chromedp.Allocator that hands chromedp a browser over an
// existing transport (the Transport of this package, or a capture.Conn that
// wraps it). It attaches: it starts no process, so cancelling a chromedp
// context never tries to close the user's browser.
//
//	actx, cancel := chromedp.NewAllocatorContext(ctx, &bridge.Allocator{Transport: conn})
//	tab, cancelTab := chromedp.NewContext(actx, chromedp.WithTargetID(t.MainTarget()), chromedp.WithDetachOnCancel())
type Allocator struct {
	Transport chromedp.Transport
}

// Allocate returns a chromedp browser on the transport.
func (a *Allocator) Allocate(ctx context.Context, opts ...chromedp.BrowserOption) (*chromedp.Browser, error) {
	return chromedp.NewBrowserTransport(ctx, a.Transport, opts...)
}

// Wait does nothing: the allocator owns no process.
func (a *Allocator) Wait() {}

// Attaches reports true: the browser runs already (chromedp.Attacher).
func (a *Allocator) Attaches() bool { return true }
