package replay

import "github.com/chromedp/chromedp"

// bodyFilterOption changes nothing on Windows, where chromedp passes the
// pipes as handles: large request bodies go through chromedp.
func bodyFilterOption(f *bodyFilter, logf func(string, ...any)) (chromedp.ExecAllocatorOption, func()) {
	return func(*chromedp.ExecAllocator) {}, func() {}
}
