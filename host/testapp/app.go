package testapp

import (
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// App is the running test web app: two HTTP servers on loopback that serve
// the same pages and endpoints under two different sites, so that requests
// between them are cross-origin and a frame of one inside a page of the
// other runs in its own renderer process. Stop it with [App.Close].
type App struct {
	// URL is origin A, "http://127.0.0.1:PORT", with no trailing slash.
	URL string
	// OtherURL is origin B, "http://localhost:PORT": another site than A.
	OtherURL string
	// RefusedURL is "http://127.0.0.1:PORT/" on a port where nothing
	// listens, so connecting to it is refused.
	RefusedURL string
	// SecureURL is "https://127.0.0.1:PORT", origin S: the same pages over
	// TLS with a self-signed certificate made at start, which a browser
	// rejects with net::ERR_CERT_AUTHORITY_INVALID, as it does behind a
	// TLS-inspecting proxy whose CA it does not trust. A browser started
	// with --ignore-certificate-errors-spki-list=[App.SecureSPKI] accepts
	// it (for the mixed-content page, /mixed).
	SecureURL string
	// SecureSPKI is the base64 SHA-256 of the public key of SecureURL's
	// certificate.
	SecureSPKI string
	// ProxyURL is "http://127.0.0.1:PORT", a forward proxy that blocks
	// everything as a firewall does: CONNECT gets 403 (Chromium:
	// net::ERR_TUNNEL_CONNECTION_FAILED). Its requests are recorded with
	// Origin "P".
	ProxyURL string
	// Secrets are the values planted in this app's responses.
	Secrets SecretSet
	// Code are the random values the /code/ pages carry inside their
	// scripts, styles, attributes, source map and SOAP body.
	Code CodeSecrets

	a, b, s *httptest.Server
	proxy   net.Listener
	closing chan struct{}
	once    sync.Once

	mu        sync.Mutex
	received  []Request
	requestID int

	wsMu  sync.Mutex // guards conns
	conns map[io.Closer]struct{}
}

// Request is one HTTP request a server of the app received (websocket
// upgrades included), in arrival order.
type Request struct {
	// Origin is "A" for [App.URL], "B" for [App.OtherURL], "S" for
	// [App.SecureURL] and "P" for [App.ProxyURL].
	Origin string
	// Method is the HTTP method.
	Method string
	// URL is the absolute URL as the browser addressed it
	// (http://host:port/path?query; a fragment is never sent).
	URL string
	// Path is the URL path alone.
	Path string
	// Header is a copy of the request headers.
	Header http.Header
	// ContentLength is the declared body size (-1 when unknown).
	ContentLength int64
	// Time is when the server received the request.
	Time time.Time
}

// Options configure [StartWith].
type Options struct {
	// Secrets replaces the planted values; the zero value means [Secrets].
	Secrets SecretSet
}

// Start starts the app on two loopback ports with the default [Secrets].
func Start() (*App, error) { return StartWith(Options{}) }

// StartWith starts the app with opts.
func StartWith(opts Options) (*App, error) {
	app := &App{
		Secrets: opts.Secrets,
		closing: make(chan struct{}),
		conns:   map[io.Closer]struct{}{},
	}
	if app.Secrets == (SecretSet{}) {
		app.Secrets = Secrets
	}
	app.Code = NewCodeSecrets()
	refused, err := closedPort()
	if err != nil {
		return nil, fmt.Errorf("testapp: find a closed port for RefusedURL: %w", err)
	}
	app.RefusedURL = "http://127.0.0.1:" + strconv.Itoa(refused) + "/"

	la, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("testapp: listen on 127.0.0.1 for origin A: %w", err)
	}
	lb, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		la.Close()
		return nil, fmt.Errorf("testapp: listen on 127.0.0.1 for origin B: %w", err)
	}
	app.URL = "http://127.0.0.1:" + strconv.Itoa(la.Addr().(*net.TCPAddr).Port)
	// localhost is another site than 127.0.0.1, which is what puts a frame
	// of B in its own process under site isolation.
	app.OtherURL = "http://localhost:" + strconv.Itoa(lb.Addr().(*net.TCPAddr).Port)

	ls, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		la.Close()
		lb.Close()
		return nil, fmt.Errorf("testapp: listen on 127.0.0.1 for the secure origin: %w", err)
	}
	lp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		la.Close()
		lb.Close()
		ls.Close()
		return nil, fmt.Errorf("testapp: listen on 127.0.0.1 for the proxy: %w", err)
	}
	cert, spki, err := selfSignedCert()
	if err != nil {
		la.Close()
		lb.Close()
		ls.Close()
		lp.Close()
		return nil, fmt.Errorf("testapp: make the secure origin's certificate: %w", err)
	}
	app.SecureURL = "https://127.0.0.1:" + strconv.Itoa(ls.Addr().(*net.TCPAddr).Port)
	app.SecureSPKI = spki
	app.ProxyURL = "http://" + lp.Addr().String()

	app.a = &httptest.Server{Listener: la, Config: &http.Server{Handler: app.handler("A")}}
	app.b = &httptest.Server{Listener: lb, Config: &http.Server{Handler: app.handler("B")}}
	app.s = &httptest.Server{Listener: ls, Config: &http.Server{Handler: app.handler("S"), ErrorLog: quietLog},
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}}}
	app.a.Start()
	app.b.Start()
	app.s.StartTLS()
	app.proxy = lp
	go acceptLoop(lp, app.serveFirewallProxy)
	return app, nil
}

// closedPort returns a loopback port that was free a moment ago and on
// which nothing listens now.
func closedPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}

// track registers a long-lived connection (a websocket, a proxied
// connection) that Close ends. It returns false, having closed c, when the
// app is closing; otherwise untrack forgets and closes c.
func (app *App) track(c io.Closer) (untrack func(), ok bool) {
	app.wsMu.Lock()
	defer app.wsMu.Unlock()
	select {
	case <-app.closing:
		c.Close()
		return nil, false
	default:
	}
	app.conns[c] = struct{}{}
	return func() {
		app.wsMu.Lock()
		delete(app.conns, c)
		app.wsMu.Unlock()
		c.Close()
	}, true
}

// Close stops both servers. Open streams (SSE, slow responses, websockets)
// end at once; Close waits for their handlers to return.
func (app *App) Close() {
	app.once.Do(func() {
		close(app.closing)
		app.wsMu.Lock()
		for c := range app.conns {
			c.Close()
		}
		app.wsMu.Unlock()
		app.proxy.Close()
		for _, s := range []*httptest.Server{app.a, app.b, app.s} {
			s.CloseClientConnections()
			s.Close()
		}
	})
}

// Received returns a copy of every request the two servers received since
// the start or the last [App.Reset], in arrival order.
func (app *App) Received() []Request {
	app.mu.Lock()
	defer app.mu.Unlock()
	return append([]Request(nil), app.received...)
}

// Reset forgets the received requests and restarts the request-ID
// sequence, so that a test can look only at what it caused.
func (app *App) Reset() {
	app.mu.Lock()
	defer app.mu.Unlock()
	app.received = nil
	app.requestID = 0
}

// origin returns the base URL of the server named "A", "B" or "S".
func (app *App) origin(name string) string {
	switch name {
	case "B":
		return app.OtherURL
	case "S":
		return app.SecureURL
	}
	return app.URL
}

// record appends r to the received requests.
func (app *App) record(r Request) {
	app.mu.Lock()
	app.received = append(app.received, r)
	app.mu.Unlock()
}

// nextRequestID returns a deterministic request ID in the style of API
// vendors ("req_" and 24 hex digits) from a per-app sequence.
func (app *App) nextRequestID() string {
	app.mu.Lock()
	app.requestID++
	n := app.requestID
	app.mu.Unlock()
	sum := sha256.Sum256([]byte("reprokit-testapp-request-" + strconv.Itoa(n)))
	return fmt.Sprintf("req_%x", sum[:12])
}

// handler returns the logging handler of the server of origin name.
func (app *App) handler(name string) http.Handler {
	mux := app.routes(name)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme := "http://"
		if r.TLS != nil {
			scheme = "https://"
		}
		app.record(Request{
			Origin:        name,
			Method:        r.Method,
			URL:           scheme + r.Host + r.URL.RequestURI(),
			Path:          r.URL.Path,
			Header:        r.Header.Clone(),
			ContentLength: r.ContentLength,
			Time:          time.Now(),
		})
		mux.ServeHTTP(w, r)
	})
}

// wait blocks for d, or until the client goes away or the app closes; it
// reports whether the full time passed.
func (app *App) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-app.closing:
	}
	return false
}

// queryInt returns the integer query parameter name, or def when it is
// missing or not a number.
func queryInt(r *http.Request, name string, def int) int {
	if v, err := strconv.Atoi(r.URL.Query().Get(name)); err == nil {
		return v
	}
	return def
}
