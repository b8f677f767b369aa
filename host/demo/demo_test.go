package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func startDemo(t *testing.T) *App {
	t.Helper()
	app, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	return app
}

// signIn walks the SSO flow with a plain HTTP client and returns it with
// the workspace session cookie.
func signIn(t *testing.T, app *App, email string) (*http.Client, *http.Response) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.Get(app.URL + "/sso/start")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	authorize := resp.Request.URL // the IdP page the redirects ended at
	if !strings.HasPrefix(authorize.String(), app.IdPURL+"/sso/authorize?") {
		t.Fatalf("/sso/start led to %s, want the IdP authorize page", authorize)
	}
	form := url.Values{"email": {email}, "password": {Password}}
	for k, v := range authorize.Query() {
		form[k] = v
	}
	resp, err = c.PostForm(app.IdPURL+"/sso/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return c, resp
}

func TestSSOSignInRedirectsThroughTheIdPWithCodeAndState(t *testing.T) {
	app := startDemo(t)
	c, resp := signIn(t, app, Email)
	if resp.Request.URL.String() != app.URL+"/app" || resp.StatusCode != 200 {
		t.Fatalf("sign-in ended at %s (%d), want %s/app", resp.Request.URL, resp.StatusCode, app.URL)
	}
	var sawCallback bool
	for _, r := range app.requests() {
		if strings.HasPrefix(r, "GET /sso/callback 302") {
			sawCallback = true
		}
	}
	if !sawCallback {
		t.Fatalf("no /sso/callback redirect among %v", app.requests())
	}
	resp, err := c.Get(app.URL + "/api/me")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), Email) || resp.Header.Get("X-Request-Id") == "" {
		t.Fatalf("/api/me after sign-in: %d %s", resp.StatusCode, body)
	}

	// The wrong identity gets "No accounts found", not a session.
	_, resp = signIn(t, app, "someone@else.example")
	if !strings.HasPrefix(resp.Request.URL.String(), app.IdPURL+"/sso/authorize?") || resp.Request.URL.Query().Get("error") != "no_account" {
		t.Fatalf("a wrong identity ended at %s", resp.Request.URL)
	}
}

func TestAPIAnswersWithRequestIDs413And500(t *testing.T) {
	app := startDemo(t)
	if resp, err := http.Get(app.URL + "/api/me"); err != nil || resp.StatusCode != 401 {
		t.Fatalf("/api/me without a session: %v %v, want 401", resp, err)
	}
	c, _ := signIn(t, app, Email)
	call := func(method, path, ct string, body []byte) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(method, app.URL+path, bytes.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var doc map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
			t.Fatalf("%s %s: body is not JSON: %v", method, path, err)
		}
		if id := resp.Header.Get("X-Request-Id"); id == "" || doc["request_id"] != id {
			t.Errorf("%s %s: header request id %q, body %v", method, path, id, doc["request_id"])
		}
		return resp, doc
	}
	resp, doc := call("POST", "/api/chat", "application/json", []byte(`{"message":"hi"}`))
	if resp.StatusCode != 200 || !strings.HasPrefix(doc["id"].(string), "chatcmpl-") {
		t.Errorf("chat: %d %v", resp.StatusCode, doc)
	}
	resp, doc = call("POST", "/api/files", "application/octet-stream", make([]byte, UploadSize))
	if resp.StatusCode != 413 {
		t.Errorf("21 MB upload: %d %v, want 413", resp.StatusCode, doc)
	}
	resp, _ = call("POST", "/api/files", "application/octet-stream", make([]byte, 1<<20))
	if resp.StatusCode != 200 {
		t.Errorf("1 MB upload: %d, want 200", resp.StatusCode)
	}
	resp, doc = call("GET", "/api/workspace/usage", "", nil)
	if resp.StatusCode != 500 || doc["error"].(map[string]any)["type"] != "server_error" {
		t.Errorf("usage: %d %v, want 500 with a server_error body", resp.StatusCode, doc)
	}
}

func browserPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("REPROKIT_BROWSER"), "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium: install it with `apt-get install chromium` or set REPROKIT_BROWSER")
	}
	t.Skip("no Chromium found (set REPROKIT_BROWSER or install /usr/bin/chromium)")
	return ""
}

// Drive plays the scripted session in a real headless Chromium and every
// part of the story reaches the servers.
func TestDrivePlaysTheWholeSessionInChromium(t *testing.T) {
	app := startDemo(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browserPath(t)), chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 800))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	tab, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	if err := chromedp.Do(tab, chromedp.Navigate(app.URL+"/")); err != nil {
		t.Fatal(err)
	}
	ctx, cancelRun := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancelRun()
	var steps []string
	var shots int
	err := DriveWith(ctx, tab, app, DriveOptions{
		Progress:   func(s string) { steps = append(steps, s) },
		Screenshot: func(ctx context.Context, reason string) error { shots++; return nil },
	})
	if err != nil {
		t.Fatalf("%v\nserver log: %v", err, app.requests())
	}
	if len(steps) < 6 || shots != 1 {
		t.Errorf("progress steps %q, screenshots %d", steps, shots)
	}
	log := strings.Join(app.requests(), "\n")
	for _, want := range []string{
		"GET /login 200", "GET /sso/start 302", "GET /sso/authorize 200", "POST /sso/authorize 302",
		"GET /sso/callback 302", "GET /app 200", "GET /api/me 200", "POST /api/chat 200",
		"GET /api/stream 101", "POST /api/files 413", "GET /api/workspace/usage 500",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the servers never saw %q; they saw:\n%s", want, log)
		}
	}
	reply, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS(".msg.assistant:last-child .bubble")))
	if err != nil || !strings.Contains(reply, "HTTP 413") || !strings.Contains(reply, "request req_") {
		t.Errorf("the streamed reply on screen is %q (%v)", reply, err)
	}
	password, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil || strings.Contains(password, Password) {
		t.Errorf("the password is visible on the final page (%v)", err)
	}
}
