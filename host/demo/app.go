package demo

import (
	"crypto/sha256"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

//go:embed static
var staticFS embed.FS

// Demo account: what the scripted session types at the sign-in page.
const (
	// Email is the account email of the demo user.
	Email = "ada@northwind.example"
	// Password is what Drive types into the password field; a bundle must
	// never contain it.
	Password = "n0rthw1nd-Demo-pass!"
	// Message is the chat message Drive sends.
	Message = "Why does my upload of the Q3 meeting recording fail?"
	// UploadSize is the size of the generated file the demo uploads: just
	// over the 20 MB limit, so the server answers 413.
	UploadSize = 21 << 20
	// MaxUpload is the upload limit of the demo workspace.
	MaxUpload = 20 << 20
)

// App is the running demo: the chat workspace on 127.0.0.1 and a
// single-sign-on identity provider on localhost, another site, as a real
// SSO redirect would be. Stop it with [App.Close].
type App struct {
	// URL is the workspace origin (http://127.0.0.1:PORT); recording starts
	// at URL + "/".
	URL string
	// IdPURL is the identity provider origin (http://localhost:PORT).
	IdPURL string

	app, idp *httptest.Server
	closing  chan struct{}
	once     sync.Once

	mu     sync.Mutex
	seq    int
	codes  map[string]bool // authorization codes not yet redeemed
	events []string        // "METHOD path status", for tests
}

// Start starts the demo workspace and its identity provider on two
// loopback ports.
func Start() (*App, error) {
	a := &App{closing: make(chan struct{}), codes: map[string]bool{}}
	la, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: listen on 127.0.0.1: %w", err)
	}
	li, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		la.Close()
		return nil, fmt.Errorf("demo: listen on 127.0.0.1 for the identity provider: %w", err)
	}
	a.URL = "http://127.0.0.1:" + strconv.Itoa(la.Addr().(*net.TCPAddr).Port)
	a.IdPURL = "http://localhost:" + strconv.Itoa(li.Addr().(*net.TCPAddr).Port)
	a.app = &httptest.Server{Listener: la, Config: &http.Server{Handler: a.logged(a.appRoutes())}}
	a.idp = &httptest.Server{Listener: li, Config: &http.Server{Handler: a.logged(a.idpRoutes())}}
	a.app.Start()
	a.idp.Start()
	return a, nil
}

// Close stops both servers, ending open websocket streams.
func (a *App) Close() {
	a.once.Do(func() {
		close(a.closing)
		for _, s := range []*httptest.Server{a.app, a.idp} {
			s.CloseClientConnections()
			s.Close()
		}
	})
}

// requests returns "METHOD path status" for every request served so far.
func (a *App) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.events...)
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (a *App) logged(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		// The websocket upgrade needs the Hijacker: hand it the raw writer.
		if websocket.IsWebSocketUpgrade(r) {
			a.record(r, 101)
			h.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(sw, r)
		a.record(r, sw.code)
	})
}

func (a *App) record(r *http.Request, code int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, code))
}

// id returns a deterministic identifier with prefix, from the app's sequence.
func (a *App) id(prefix string) string {
	a.mu.Lock()
	a.seq++
	n := a.seq
	a.mu.Unlock()
	sum := sha256.Sum256([]byte("reprokit-demo-" + prefix + strconv.Itoa(n)))
	return fmt.Sprintf("%s%x", prefix, sum[:12])
}

// sessionCookie is the workspace session; its value is a secret the
// sanitizer must redact.
const sessionCookie = "nw_session"

var sessionValue = "nwsess_" + fmt.Sprintf("%x", sha256.Sum256([]byte("reprokit demo session")))[:40]

func (a *App) signedIn(r *http.Request) bool {
	c, err := r.Cookie(sessionCookie)
	return err == nil && c.Value == sessionValue
}

func (a *App) serveFile(name, contentType string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(staticFS, "static/"+name)
		if err != nil {
			http.Error(w, "demo: missing embedded file "+name, http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(b)
	}
}

func (a *App) appRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if a.signedIn(r) {
			http.Redirect(w, r, "/app", http.StatusFound)
			return
		}
		http.Redirect(w, r, "/login", http.StatusFound)
	})
	mux.HandleFunc("GET /login", a.serveFile("login.html", "text/html; charset=utf-8"))
	mux.HandleFunc("GET /favicon.ico", a.serveFile("favicon.svg", "image/svg+xml"))
	mux.HandleFunc("GET /static/app.css", a.serveFile("app.css", "text/css; charset=utf-8"))
	mux.HandleFunc("GET /static/app.js", a.serveFile("app.js", "text/javascript; charset=utf-8"))
	// Start of the SSO flow: the workspace sends the browser to the IdP.
	mux.HandleFunc("GET /sso/start", func(w http.ResponseWriter, r *http.Request) {
		state := a.id("st_")
		http.SetCookie(w, &http.Cookie{Name: "nw_sso_state", Value: state, Path: "/sso", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		q := url.Values{"client_id": {"northwind-workspace"}, "response_type": {"code"}, "scope": {"openid email"},
			"redirect_uri": {a.URL + "/sso/callback"}, "state": {state}}
		http.Redirect(w, r, a.IdPURL+"/sso/authorize?"+q.Encode(), http.StatusFound)
	})
	mux.HandleFunc("GET /sso/callback", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("nw_sso_state")
		code := r.URL.Query().Get("code")
		a.mu.Lock()
		valid := a.codes[code]
		delete(a.codes, code)
		a.mu.Unlock()
		if err != nil || c.Value != r.URL.Query().Get("state") || !valid {
			http.Redirect(w, r, "/login?error=sso_failed", http.StatusFound)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sessionValue, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, "/app", http.StatusFound)
	})
	mux.HandleFunc("GET /app", func(w http.ResponseWriter, r *http.Request) {
		if !a.signedIn(r) {
			http.Redirect(w, r, "/login", http.StatusFound)
			return
		}
		a.serveFile("app.html", "text/html; charset=utf-8")(w, r)
	})
	mux.HandleFunc("GET /api/me", a.api(func(w http.ResponseWriter, r *http.Request, rid string) {
		writeJSON(w, 200, map[string]any{"email": Email, "name": "Ada Lovelace", "plan": "Team",
			"workspace_id": "ws_northwind_7f3a", "request_id": rid})
	}))
	mux.HandleFunc("POST /api/chat", a.api(func(w http.ResponseWriter, r *http.Request, rid string) {
		var in struct {
			Message string `json:"message"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil || strings.TrimSpace(in.Message) == "" {
			writeError(w, 400, "invalid_request_error", "The message is empty.", rid)
			return
		}
		cid := a.id("chatcmpl-")
		writeJSON(w, 200, map[string]any{"id": cid, "conversation_id": "conv_q3_uploads", "request_id": rid,
			"stream": "/api/stream?conversation=conv_q3_uploads"})
	}))
	mux.HandleFunc("GET /api/stream", a.stream)
	mux.HandleFunc("POST /api/files", a.api(func(w http.ResponseWriter, r *http.Request, rid string) {
		// Read the whole body before answering so the browser gets the 413
		// and not a connection reset mid-upload.
		n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, 4*MaxUpload))
		if n > MaxUpload {
			writeError(w, http.StatusRequestEntityTooLarge, "invalid_request_error",
				fmt.Sprintf("File exceeds the 20 MB upload limit (%.1f MB received).", float64(n)/(1<<20)), rid)
			return
		}
		writeJSON(w, 200, map[string]any{"file_id": a.id("file-"), "bytes": n, "request_id": rid})
	}))
	mux.HandleFunc("GET /api/workspace/usage", a.api(func(w http.ResponseWriter, r *http.Request, rid string) {
		writeError(w, http.StatusInternalServerError, "server_error",
			"The server had an error while processing your request. Sorry about that!", rid)
	}))
	return mux
}

// api wraps an authenticated API handler: it issues the request ID (the
// x-request-id header; handlers repeat it in the body) and answers 401
// without a session.
func (a *App) api(h func(w http.ResponseWriter, r *http.Request, rid string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rid := a.id("req_")
		w.Header()["x-request-id"] = []string{rid}
		if !a.signedIn(r) {
			writeError(w, http.StatusUnauthorized, "authentication_error", "Sign in again: your session has expired.", rid)
			return
		}
		h(w, r, rid)
	}
}

var upgrader = websocket.Upgrader{CheckOrigin: func(r *http.Request) bool { return true }}

// reply is the assistant's answer, streamed word by word.
const reply = "Uploads to this workspace are limited to 20 MB per file. Your recording is about 21 MB, " +
	"so the server rejected it with HTTP 413. Compress it or split it into two parts, or share it as a cloud link."

// stream sends the assistant's reply over a websocket. The client opens
// /api/stream?conversation=… and subscribes with a text frame
// {"type":"subscribe","completion":"chatcmpl-…"}; the server answers with a
// "start" frame, one "delta" frame per word, a "done" frame with the
// request ID, then a normal close.
func (a *App) stream(w http.ResponseWriter, r *http.Request) {
	rid := a.id("req_")
	if !a.signedIn(r) {
		w.Header()["x-request-id"] = []string{rid}
		writeError(w, http.StatusUnauthorized, "authentication_error", "Sign in again: your session has expired.", rid)
		return
	}
	c, err := upgrader.Upgrade(w, r, http.Header{"x-request-id": {rid}})
	if err != nil {
		return
	}
	done := make(chan struct{})
	defer close(done)
	defer c.Close()
	go func() { // end the stream when the app closes
		select {
		case <-a.closing:
			c.Close()
		case <-done:
		}
	}()
	var sub struct {
		Type       string `json:"type"`
		Completion string `json:"completion"`
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := c.ReadJSON(&sub); err != nil || sub.Type != "subscribe" {
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "subscribe first"), time.Now().Add(time.Second))
		return
	}
	c.SetReadDeadline(time.Time{})
	c.WriteJSON(map[string]any{"type": "start", "completion": sub.Completion, "request_id": rid})
	for i, word := range strings.Fields(reply) {
		if i > 0 {
			word = " " + word
		}
		select {
		case <-time.After(25 * time.Millisecond):
		case <-a.closing:
			return
		}
		if c.WriteJSON(map[string]any{"type": "delta", "text": word}) != nil {
			return
		}
	}
	c.WriteJSON(map[string]any{"type": "done", "completion": sub.Completion, "request_id": rid})
	c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "done"), time.Now().Add(time.Second))
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			return
		}
	}
}

func (a *App) idpRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /favicon.ico", a.serveFile("idp.svg", "image/svg+xml"))
	mux.HandleFunc("GET /sso/authorize", a.serveFile("idp.html", "text/html; charset=utf-8"))
	mux.HandleFunc("POST /sso/authorize", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		redirect := r.PostForm.Get("redirect_uri")
		if !strings.HasPrefix(redirect, a.URL+"/") {
			http.Error(w, "unknown redirect_uri", http.StatusBadRequest)
			return
		}
		if r.PostForm.Get("email") != Email || r.PostForm.Get("password") == "" {
			// "No accounts found": the wrong identity, as in the vendor's FAQ.
			q := url.Values{}
			for _, k := range []string{"client_id", "response_type", "scope", "redirect_uri", "state"} {
				q.Set(k, r.PostForm.Get(k))
			}
			q.Set("error", "no_account")
			http.Redirect(w, r, "/sso/authorize?"+q.Encode(), http.StatusSeeOther)
			return
		}
		code := a.id("code_")
		a.mu.Lock()
		a.codes[code] = true
		a.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "idp_session", Value: a.id("idps_"), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		q := url.Values{"code": {code}, "state": {r.PostForm.Get("state")}}
		http.Redirect(w, r, redirect+"?"+q.Encode(), http.StatusFound)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(b)
}

// writeError writes the error body shape of the vendor API the demo
// imitates: {"error":{"message","type","code"},"request_id"}.
func writeError(w http.ResponseWriter, code int, typ, message, rid string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{"message": message, "type": typ, "code": code}, "request_id": rid})
}
