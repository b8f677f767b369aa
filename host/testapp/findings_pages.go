package testapp

import "net/http"

// The findings scenarios whose failure leaves no failed request behind, and
// a healthy page that makes their look-alikes:
//
//   - /findings/csp: a Content-Security-Policy blocks an inline script (the
//     feature it defines never loads) and a fetch to origin B (connect-src).
//   - /findings/throw: the "Save" button's handler throws an uncaught
//     TypeError (it reads a property of an element that is not there); no
//     request fails.
//   - /findings/timeout: a fetch aborted by an AbortController when the
//     page's 1.5 s timeout runs out, and an XHR with timeout = 1500; both
//     ask /slow for 4 s, and the page says "request timed out".
//   - /findings/healthy: an exception the page catches, a script of origin
//     B (a third-party widget) that throws at load without effect, a
//     Content-Security-Policy-Report-Only header that an inline script
//     violates, a prefetch and an image load the page cancels, a
//     search-as-you-type fetch aborted by the next keystroke, and a
//     navigation aborted by the next one (see healthy.html).
//
// Each page sets body[data-done] when its script has finished.
func (app *App) findingsRoutes(mux *http.ServeMux, html func(string) http.HandlerFunc, js func(string) http.HandlerFunc) {
	withHeader := func(name, value string, h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(name, value)
			h(w, r)
		}
	}
	mux.HandleFunc("GET /findings/csp", withHeader("Content-Security-Policy",
		"script-src 'self' 'nonce-reprokit'; connect-src 'self'", html("findings-csp.html")))
	mux.HandleFunc("GET /findings/throw", html("findings-throw.html"))
	mux.HandleFunc("GET /findings/timeout", html("findings-timeout.html"))
	mux.HandleFunc("GET /findings/healthy", withHeader("Content-Security-Policy-Report-Only",
		"script-src 'self' 'nonce-reprokit'", html("findings-healthy.html")))
	mux.HandleFunc("GET /findings/widget.js", js("findings-widget.js"))
}
