package testapp

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/template"
	"time"
)

//go:embed pages
var pagesFS embed.FS

// pages are the HTML and script templates; see pageData for their fields.
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"seq": func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i
		}
		return s
	},
}).ParseFS(pagesFS, "pages/*"))

// pageData is what a page template sees.
type pageData struct {
	A, B    string // origins A and B
	Self    string // the origin serving this page
	Other   string // the other origin
	Refused string // a URL whose connection is refused
	Secure  string // the HTTPS origin S
	Remote  string // RemoteHost, a host outside loopback
	Secrets SecretSet
	Code    CodeSecrets    // the values the /code/ pages carry in code
	Query   map[string]int // integer query parameters the page uses
}

// MaxUpload is the largest body /upload accepts; above it answers 413,
// like the upload limit of the vendor in PRODUCT.md.
const MaxUpload = 20 << 20

// CompletionID is the ID that /api/completions returns and the /ids page
// sends back in a URL query and a websocket frame: not a secret, evidence
// that a support bundle must keep (or redact the same way everywhere).
const CompletionID = "chatcmpl-52b67a19af85c2211675d185"

// BigSize is the default size of /big: just over 20 MB.
const BigSize = 21 << 20

// routes returns the mux of the server of origin name ("A" or "B").
func (app *App) routes(name string) *http.ServeMux {
	mux := http.NewServeMux()
	self, other := app.origin(name), app.origin("A")
	if name == "A" {
		other = app.OtherURL
	}
	page := func(tmpl, contentType string, cache string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			data := pageData{A: app.URL, B: app.OtherURL, Self: self, Other: other, Refused: app.RefusedURL, Secrets: app.Secrets, Code: app.Code,
				Secure: app.SecureURL, Remote: RemoteHost,
				Query: map[string]int{"n": queryInt(r, "n", 300), "kb": queryInt(r, "kb", 2)}}
			var buf bytes.Buffer
			if err := pages.ExecuteTemplate(&buf, tmpl, data); err != nil {
				http.Error(w, "testapp: template "+tmpl+": "+err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", contentType)
			w.Header().Set("Cache-Control", cache)
			w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
			w.Write(buf.Bytes())
		}
	}
	html := func(tmpl string) http.HandlerFunc { return page(tmpl, "text/html; charset=utf-8", "no-store") }
	js := func(tmpl string) http.HandlerFunc { return page(tmpl, "text/javascript; charset=utf-8", "no-store") }

	mux.HandleFunc("GET /{$}", html("index.html"))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })

	// Redirect chain 301 -> 302 -> 307 -> 308 -> 200.
	hops := []struct{ from, to string }{
		{"/redirect/301", "/redirect/302"}, {"/redirect/302", "/redirect/307"},
		{"/redirect/307", "/redirect/308"}, {"/redirect/308", "/redirect/final"},
	}
	for _, h := range hops {
		code, _ := strconv.Atoi(strings.TrimPrefix(h.from, "/redirect/"))
		mux.HandleFunc(h.from, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, r, h.to, code)
		})
	}
	mux.HandleFunc("/redirect/final", html("redirect-final.html"))

	// POST form -> 303 -> GET.
	mux.HandleFunc("GET /form", html("form.html"))
	mux.HandleFunc("POST /form/submit", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		http.Redirect(w, r, "/form/done?name="+urlQuery(r.PostForm.Get("name")), http.StatusSeeOther)
	})
	mux.HandleFunc("GET /form/done", html("form-done.html"))

	// Revalidation and caches.
	mux.HandleFunc("/etag/data.json", func(w http.ResponseWriter, r *http.Request) {
		const etag = `"rk-etag-v1"`
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "no-cache")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"version": 1, "etag": etag})
	})
	mux.HandleFunc("GET /cache/page", html("cache.html"))
	mux.HandleFunc("GET /cache/static.js", page("static.js", "text/javascript; charset=utf-8", "public, max-age=3600"))
	mux.HandleFunc("GET /cache/static.css", page("static.css", "text/css; charset=utf-8", "public, max-age=3600"))
	mux.HandleFunc("GET /cache/logo.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Write(logoPNG)
	})

	// CORS: /api/cors allows origin A (with a preflight for PUT and a custom
	// header); /api/nocors sends no CORS headers, so a cross-origin read fails.
	mux.HandleFunc("/api/cors", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if o := r.Header.Get("Origin"); o != "" {
			h.Set("Access-Control-Allow-Origin", o)
			h.Set("Vary", "Origin")
			h.Set("Access-Control-Expose-Headers", "x-request-id")
		}
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
			h.Set("Access-Control-Allow-Headers", "Content-Type, X-Reprokit-Test, Authorization")
			h.Set("Access-Control-Max-Age", "0")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		app.writeAPI(w, http.StatusOK, map[string]any{"cors": true, "method": r.Method, "received": string(body)})
	})
	mux.HandleFunc("/api/nocors", func(w http.ResponseWriter, r *http.Request) {
		app.writeAPI(w, http.StatusOK, map[string]any{"cors": false})
	})
	// An ID that a sanitizer must keep consistently (see /ids).
	mux.HandleFunc("POST /api/completions", func(w http.ResponseWriter, r *http.Request) {
		app.writeAPI(w, http.StatusOK, map[string]any{"id": CompletionID, "object": "chat.completion"})
	})
	mux.HandleFunc("GET /ids", html("ids.html"))
	// Any other /api/ path: a small JSON answer naming the path.
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		app.writeAPI(w, http.StatusOK, map[string]any{"ok": true, "path": r.URL.Path, "origin": name})
	})

	// Slow responses, for aborted fetches and navigating away mid-load.
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		ms := queryInt(r, "ms", 5000)
		w.Header().Set("Cache-Control", "no-store")
		if !app.wait(r, time.Duration(ms)*time.Millisecond) {
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "slept %d ms\n", ms)
	})
	mux.HandleFunc("GET /slow/page", html("slow-page.html"))
	mux.HandleFunc("GET /late-dialog", html("late-dialog.html"))
	mux.HandleFunc("GET /nav/landed", html("landed.html"))

	// Streams.
	mux.HandleFunc("/ws", app.serveWebSocket)
	mux.HandleFunc("GET /websocket", html("websocket.html"))
	mux.HandleFunc("/sse", func(w http.ResponseWriter, r *http.Request) { app.serveSSE(w, r, 3) })
	mux.HandleFunc("/sse/endless", func(w http.ResponseWriter, r *http.Request) { app.serveSSE(w, r, -1) })
	mux.HandleFunc("/stream/endless", app.serveEndless)
	mux.HandleFunc("GET /streams", html("streams.html"))

	// Request bodies.
	mux.HandleFunc("POST /post/urlencoded", app.echoBody)
	mux.HandleFunc("POST /post/json", app.echoBody)
	mux.HandleFunc("POST /post/multipart", app.echoBody)
	mux.HandleFunc("POST /post/binary", app.echoBody)
	mux.HandleFunc("GET /posts", html("posts.html"))

	// Compressed responses.
	mux.HandleFunc("/gzip/text", func(w http.ResponseWriter, r *http.Request) {
		writeGzip(w, "text/plain; charset=utf-8", bytes.Repeat([]byte("Reprokit gzip test line: the quick brown fox jumps over the lazy dog.\n"), 200))
	})
	mux.HandleFunc("/gzip/json", func(w http.ResponseWriter, r *http.Request) {
		items := make([]map[string]any, 100)
		for i := range items {
			items[i] = map[string]any{"id": i, "name": "item " + strconv.Itoa(i)}
		}
		b, _ := json.Marshal(map[string]any{"items": items})
		writeGzip(w, "application/json", b)
	})

	// Service worker: /sw/sw.js caches /sw/cached.txt and serves it.
	mux.HandleFunc("GET /sw/page", html("sw-page.html"))
	mux.HandleFunc("GET /sw/sw.js", js("sw.js"))
	mux.HandleFunc("GET /sw/cached.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, "served by the network, cached by the service worker\n")
	})

	// Frames, workers, popups.
	mux.HandleFunc("GET /frames", html("frames.html"))
	mux.HandleFunc("GET /frames/inner", html("frame-inner.html"))
	// The DOM session replay: page text, an input, a password, a
	// data-private element, a button that adds nodes, a cross-origin frame.
	mux.HandleFunc("GET /dom/page", html("dom.html"))
	mux.HandleFunc("GET /dom/frame", html("dom-frame.html"))
	// Secrets shown as text and input values, for the screenshot mask.
	mux.HandleFunc("GET /screen/secrets", html("screen.html"))
	mux.HandleFunc("GET /screen/frame", html("screen-frame.html"))
	mux.HandleFunc("GET /worker", html("worker.html"))
	mux.HandleFunc("GET /worker/worker.js", js("worker.js"))
	mux.HandleFunc("GET /sharedworker", html("sharedworker.html"))
	mux.HandleFunc("GET /worker/shared.js", js("shared.js"))
	mux.HandleFunc("GET /popup", html("popup.html"))
	mux.HandleFunc("GET /popup/child", html("popup-child.html"))
	mux.HandleFunc("GET /popup/steps", html("popup-steps.html"))
	mux.HandleFunc("GET /popup/form", html("popup-form.html"))
	app.kernelRoutes(mux, html, js)

	// Download, data: and blob: URLs, a big body, a beacon, a fragment.
	mux.HandleFunc("/download/report.csv", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		w.Header().Set("Content-Disposition", `attachment; filename="report.csv"`)
		io.WriteString(w, "id,name,plan\n1,Ada,Team\n2,Grace,Enterprise\n")
	})
	mux.HandleFunc("GET /dataurls", html("dataurls.html"))
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		size := BigSize
		if mb := queryInt(r, "mb", 0); mb > 0 && mb <= 256 {
			size = mb << 20
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Length", strconv.Itoa(size))
		writeDeterministic(w, size, 1)
	})
	mux.HandleFunc("POST /beacon", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		w.Header().Set("x-request-id", app.nextRequestID())
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /beacon/page", html("beacon.html"))
	mux.HandleFunc("GET /fragment", html("fragment.html"))

	// Uploads: 413 above MaxUpload, with a JSON error body.
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		// Read the whole body (up to a cap) before answering, so that the
		// browser sees the 413 and not a reset connection mid-upload.
		n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, 4*MaxUpload))
		if n > MaxUpload {
			app.writeAPIError(w, http.StatusRequestEntityTooLarge, "invalid_request_error",
				fmt.Sprintf("File too large: %d bytes; the limit is 20 MB.", n))
			return
		}
		app.writeAPI(w, http.StatusOK, map[string]any{"uploaded": n})
	})
	mux.HandleFunc("GET /upload/page", html("upload.html"))

	// Single sign-on: /sso/start on the app sends the browser to the
	// identity provider, /idp/authorize on the other origin, which sends it
	// back to /sso/callback with a code. With ?loop=N the callback "loses"
	// the session N-1 times and starts over, a sign-in redirect loop.
	ssoQuery := func(r *http.Request, hop int) string {
		q := url.Values{}
		q.Set("client_id", "reprokit-test")
		q.Set("loop", strconv.Itoa(queryInt(r, "loop", 0)))
		q.Set("hop", strconv.Itoa(hop))
		return q.Encode()
	}
	mux.HandleFunc("GET /sso/start", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, other+"/idp/authorize?"+ssoQuery(r, 1)+"&redirect_uri="+url.QueryEscape(self+"/sso/callback"), http.StatusFound)
	})
	mux.HandleFunc("GET /idp/authorize", func(w http.ResponseWriter, r *http.Request) {
		back := r.URL.Query().Get("redirect_uri")
		if !strings.HasPrefix(back, app.URL+"/") && !strings.HasPrefix(back, app.OtherURL+"/") {
			http.Error(w, "testapp: /idp/authorize needs a redirect_uri on the app's origins", http.StatusBadRequest)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, back+"?code=rk-code-"+strconv.Itoa(queryInt(r, "hop", 1))+"&"+ssoQuery(r, queryInt(r, "hop", 1)), http.StatusFound)
	})
	mux.HandleFunc("GET /sso/callback", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		hop := queryInt(r, "hop", 1)
		if hop < queryInt(r, "loop", 0) && hop < 8 {
			http.Redirect(w, r, other+"/idp/authorize?"+ssoQuery(r, hop+1)+"&redirect_uri="+url.QueryEscape(self+"/sso/callback"), http.StatusFound)
			return
		}
		http.Redirect(w, r, "/sso/done", http.StatusFound)
	})
	mux.HandleFunc("GET /sso/done", html("sso-done.html"))
	// SAML POST binding: /saml/login sends the browser to /idp/saml on the
	// other origin, whose page posts an assertion to /saml/acs, which
	// redirects to /sso/done; with ?loop=N, back to /saml/login N-1 times,
	// each round a new navigation.
	mux.HandleFunc("GET /saml/login", func(w http.ResponseWriter, r *http.Request) {
		q := url.Values{}
		q.Set("loop", strconv.Itoa(queryInt(r, "loop", 0)))
		q.Set("round", strconv.Itoa(max(queryInt(r, "round", 1), 1)))
		q.Set("acs", self+"/saml/acs")
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, other+"/idp/saml?"+q.Encode(), http.StatusFound)
	})
	mux.HandleFunc("GET /idp/saml", func(w http.ResponseWriter, r *http.Request) {
		acs := r.URL.Query().Get("acs")
		if acs != app.URL+"/saml/acs" && acs != app.OtherURL+"/saml/acs" {
			http.Error(w, "testapp: /idp/saml needs an acs on the app's origins", http.StatusBadRequest)
			return
		}
		relay := url.Values{"loop": {r.URL.Query().Get("loop")}, "round": {r.URL.Query().Get("round")}}.Encode()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintf(w, `<!doctype html><html><head><title>Signing in</title><link rel="icon" href="data:,"></head><body>
<form method="post" action="%s"><input type="hidden" name="SAMLResponse" value="UmVwcm9raXQgdGVzdCBhc3NlcnRpb24=">
<input type="hidden" name="RelayState" value="%s"><noscript><button>Continue</button></noscript></form>
<script>document.forms[0].submit();</script></body></html>`, template.HTMLEscapeString(acs), template.HTMLEscapeString(relay))
	})
	mux.HandleFunc("POST /saml/acs", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		relay, _ := url.ParseQuery(r.PostForm.Get("RelayState"))
		round, _ := strconv.Atoi(relay.Get("round"))
		loop, _ := strconv.Atoi(relay.Get("loop"))
		w.Header().Set("Cache-Control", "no-store")
		if round < loop && round < 8 {
			http.Redirect(w, r, "/saml/login?loop="+strconv.Itoa(loop)+"&round="+strconv.Itoa(round+1), http.StatusFound)
			return
		}
		http.Redirect(w, r, "/sso/done", http.StatusFound)
	})

	// Mixed content: on SecureURL, a page that loads a script and fetches
	// from http://RemoteHost (blocked) and fetches plain-HTTP loopback
	// (allowed: loopback is potentially trustworthy).
	mux.HandleFunc("GET /mixed", html("mixed.html"))

	// Error statuses with JSON bodies and request IDs.
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, err := strconv.Atoi(r.PathValue("code"))
		if err != nil || code < 200 || code > 599 {
			http.Error(w, "testapp: /status/{code} needs a code between 200 and 599", http.StatusBadRequest)
			return
		}
		if code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "30")
		}
		if code < 400 {
			app.writeAPI(w, code, map[string]any{"status": code})
			return
		}
		app.writeAPIError(w, code, errorType(code), http.StatusText(code))
	})
	mux.HandleFunc("GET /errors", html("errors.html"))
	// Fetches whose body the page never reads (no loadingFinished until GC).
	mux.HandleFunc("GET /unread", html("unread.html"))

	// Login with a password field and a data-private element.
	mux.HandleFunc("GET /login", html("login.html"))
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("x-request-id", app.nextRequestID())
		http.SetCookie(w, &http.Cookie{Name: "rk_session", Value: app.Secrets.SessionCookie, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, "/account", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /account", html("account.html"))

	// Planted secrets.
	mux.HandleFunc("/secrets/cookie", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "rk_session", Value: app.Secrets.SessionCookie, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.SetCookie(w, &http.Cookie{Name: "rk_jwt", Value: app.Secrets.JWT, Path: "/", SameSite: http.SameSiteLaxMode})
		app.writeAPI(w, http.StatusOK, map[string]any{"cookie": "set"})
	})
	mux.HandleFunc("/secrets/echo-auth", func(w http.ResponseWriter, r *http.Request) {
		app.writeAPI(w, http.StatusOK, map[string]any{"authorization": r.Header.Get("Authorization"), "cookie": r.Header.Get("Cookie")})
	})
	mux.HandleFunc("/secrets/token.json", func(w http.ResponseWriter, r *http.Request) {
		s := app.Secrets
		app.writeAPI(w, http.StatusOK, map[string]any{
			"access_token": s.AccessToken, "refresh_token": s.RefreshToken, "id_token": s.JWT,
			"token_type": "Bearer", "expires_in": 3600,
			"user": map[string]any{"email": s.Email, "plan": "Team"},
		})
	})
	mux.HandleFunc("/secrets/key.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("x-request-id", app.nextRequestID())
		fmt.Fprintf(w, "# project settings\nOPENAI_API_KEY=%s\nowner=%s\n", app.Secrets.APIKey, app.Secrets.Email)
	})
	mux.HandleFunc("/secrets/jwt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-id-token", app.Secrets.JWT)
		app.writeAPI(w, http.StatusOK, map[string]any{"ok": true})
	})
	mux.HandleFunc("GET /secrets/page", html("secrets.html"))

	// Secrets inside code (see CodeSecrets): pages whose scripts, styles,
	// attributes, source map and SOAP body carry them as real apps do.
	mux.HandleFunc("GET /code/page", html("code-page.html"))
	mux.HandleFunc("GET /code/bundle", html("code-bundle.html"))
	mux.HandleFunc("GET /code/app.js", js("code-app.js"))
	mux.HandleFunc("GET /code/bundle.min.js", js("code-bundle.min.js"))
	mux.HandleFunc("GET /code/app.css", page("code-app.css", "text/css; charset=utf-8", "no-store"))
	mux.HandleFunc("GET /code/app.js.map", page("code-app.js.map", "application/json", "no-store"))
	mux.HandleFunc("GET /code/soap.xml", page("code-soap.xml", "application/soap+xml; charset=utf-8", "no-store"))
	mux.HandleFunc("GET /code/img.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(logoPNG)
	})

	// Console output and a page for the steps recorder.
	mux.HandleFunc("GET /console", html("console.html"))
	mux.HandleFunc("GET /steps", html("steps.html"))
	app.findingsRoutes(mux, html, js)

	// Everything from one page, and the benchmark pages.
	mux.HandleFunc("GET /scenario/all", html("scenario-all.html"))
	mux.HandleFunc("GET /bench/300", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		q.Set("n", "300")
		r.URL.RawQuery = q.Encode()
		html("bench.html")(w, r)
	})
	mux.HandleFunc("GET /bench/page", html("bench.html"))
	mux.HandleFunc("GET /bench/img/{n}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(logoPNG)
	})
	mux.HandleFunc("GET /bench/data/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		size := queryInt(r, "kb", 2) << 10
		if size < 0 || size > 64<<20 {
			size = 2 << 10
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Length", strconv.Itoa(size))
		writeDeterministic(w, size, uint64(n)+2)
	})
	return mux
}

// writeAPI writes v as JSON with an x-request-id header; a map gets the
// same ID in a request_id field.
func (app *App) writeAPI(w http.ResponseWriter, code int, v map[string]any) {
	id := app.nextRequestID()
	w.Header()["x-request-id"] = []string{id} // lowercase on the wire, as HTTP/2 sites send it
	v["request_id"] = id
	writeJSON(w, code, v)
}

// writeAPIError writes an API error body in the common vendor shape:
// {"error":{"message","type","code"},"request_id"}.
func (app *App) writeAPIError(w http.ResponseWriter, code int, typ, message string) {
	app.writeAPI(w, code, map[string]any{"error": map[string]any{"message": message, "type": typ, "code": code}})
}

func errorType(code int) string {
	switch code {
	case 401:
		return "authentication_error"
	case 403:
		return "permission_error"
	case 429:
		return "rate_limit_error"
	case 500, 502, 503:
		return "server_error"
	}
	return "invalid_request_error"
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	w.Write(b)
}

// echoBody answers a POST with what it received: content type, size, the
// parsed fields (urlencoded, multipart) or the JSON document.
func (app *App) echoBody(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	out := map[string]any{"contentType": ct}
	switch mt {
	case "application/x-www-form-urlencoded":
		r.ParseForm()
		out["fields"] = r.PostForm
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			app.writeAPIError(w, http.StatusBadRequest, "invalid_request_error", "bad multipart body: "+err.Error())
			return
		}
		out["fields"] = r.MultipartForm.Value
		files := map[string]any{}
		for k, fhs := range r.MultipartForm.File {
			for _, fh := range fhs {
				files[k] = map[string]any{"filename": fh.Filename, "size": fh.Size}
			}
		}
		out["files"] = files
	default:
		b, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
		out["size"] = len(b)
		if mt == "application/json" {
			var doc any
			if json.Unmarshal(b, &doc) == nil {
				out["json"] = doc
			}
		}
	}
	app.writeAPI(w, http.StatusOK, out)
}

// writeGzip writes body gzip-compressed with a fixed header, so the bytes
// on the wire are the same on every run.
func writeGzip(w http.ResponseWriter, contentType string, body []byte) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Set("Vary", "Accept-Encoding")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

// writeDeterministic writes size pseudo-random bytes from a generator
// seeded with seed (xorshift64), the same bytes on every run.
func writeDeterministic(w io.Writer, size int, seed uint64) {
	x := seed*0x9E3779B97F4A7C15 | 1
	buf := make([]byte, 32<<10)
	for size > 0 {
		n := min(size, len(buf))
		for i := 0; i < n; i += 8 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			for j := 0; j < 8 && i+j < n; j++ {
				buf[i+j] = byte(x >> (8 * j))
			}
		}
		if _, err := w.Write(buf[:n]); err != nil {
			return
		}
		size -= n
	}
}

func urlQuery(s string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "#", "%23", "+", "%2B", " ", "+").Replace(s)
}

// logoPNG is a small deterministic 32x32 PNG.
var logoPNG = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for y := range 32 {
		for x := range 32 {
			img.Set(x, y, color.RGBA{uint8(40 + x*6), uint8(90 + y*4), 200, 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}()
