package testapp

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func startApp(t *testing.T) *App {
	t.Helper()
	app, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	return app
}

// noRedirect is a client that reports redirects instead of following them.
var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

func get(t *testing.T, u string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", req.URL, err)
	}
	return resp, body
}

func TestOriginsAreDifferentSites(t *testing.T) {
	app := startApp(t)
	a, _ := url.Parse(app.URL)
	b, _ := url.Parse(app.OtherURL)
	if a.Hostname() != "127.0.0.1" || b.Hostname() != "localhost" || a.Port() == b.Port() {
		t.Fatalf("origins A %s and B %s must be 127.0.0.1 and localhost on different ports", app.URL, app.OtherURL)
	}
	if _, err := http.Get(app.RefusedURL); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("GET RefusedURL %s: want connection refused, got %v", app.RefusedURL, err)
	}
}

func TestEveryPageRendersOnBothOrigins(t *testing.T) {
	app := startApp(t)
	pages := []string{"/", "/redirect/final", "/form", "/form/done", "/cache/page", "/slow/page", "/nav/landed",
		"/websocket", "/streams", "/posts", "/sw/page", "/frames", "/frames/inner", "/dom/page", "/dom/frame", "/worker", "/sharedworker", "/popup",
		"/popup/child", "/popup/steps", "/popup/form", "/late-dialog", "/dataurls", "/beacon/page", "/fragment", "/upload/page", "/errors", "/login",
		"/account", "/secrets/page", "/console", "/steps", "/ids", "/scenario/all", "/bench/300", "/bench/page?n=10&kb=1", "/mixed", "/sso/done", "/code/page", "/code/bundle",
		"/findings/csp", "/findings/throw", "/findings/timeout", "/findings/healthy"}
	for _, origin := range []string{app.URL, app.OtherURL} {
		for _, p := range pages {
			resp, body := get(t, origin+p)
			if resp.StatusCode != 200 || !strings.Contains(string(body), "<title>") {
				t.Errorf("GET %s%s: status %d, want 200 and a <title>:\n%.300s", origin, p, resp.StatusCode, body)
			}
			if strings.Contains(string(body), "{{") || strings.Contains(string(body), "<no value>") {
				t.Errorf("GET %s%s: unrendered template text", origin, p)
			}
		}
	}
	for _, p := range []string{"/sw/sw.js", "/worker/worker.js", "/worker/shared.js", "/cache/static.js"} {
		if resp, _ := get(t, app.URL+p); !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
			t.Errorf("GET %s: Content-Type %q, want text/javascript", p, resp.Header.Get("Content-Type"))
		}
	}
}

func TestRedirectChainHopsThrough301To308(t *testing.T) {
	app := startApp(t)
	u := app.URL + "/redirect/301"
	var codes []int
	for range 10 {
		resp, _ := get(t, u)
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == 200 {
			break
		}
		next, err := resp.Location()
		if err != nil {
			t.Fatalf("hop %s (%d) has no Location: %v", u, resp.StatusCode, err)
		}
		u = next.String()
	}
	want := []int{301, 302, 307, 308, 200}
	if !equalInts(codes, want) || !strings.HasSuffix(u, "/redirect/final") {
		t.Fatalf("chain %v ending at %s, want %v ending at /redirect/final", codes, u, want)
	}
}

func TestFormPostAnswers303ToGet(t *testing.T) {
	app := startApp(t)
	req, _ := http.NewRequest(http.MethodPost, app.URL+"/form/submit", strings.NewReader("name=Ada+L"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ := do(t, req)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/form/done?name=Ada+L" {
		t.Fatalf("POST /form/submit: %d Location %q, want 303 to /form/done?name=Ada+L", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestETagRevalidatesWith304(t *testing.T) {
	app := startApp(t)
	resp, _ := get(t, app.URL+"/etag/data.json")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("first GET: %d ETag %q Cache-Control %q", resp.StatusCode, etag, resp.Header.Get("Cache-Control"))
	}
	resp, body := get(t, app.URL+"/etag/data.json", "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Fatalf("revalidation: %d with %d body bytes, want 304 and no body", resp.StatusCode, len(body))
	}
	for _, p := range []string{"/cache/static.js", "/cache/static.css", "/cache/logo.png"} {
		if resp, _ := get(t, app.URL+p); resp.Header.Get("Cache-Control") != "public, max-age=3600" {
			t.Errorf("%s: Cache-Control %q, want cacheable", p, resp.Header.Get("Cache-Control"))
		}
	}
}

func TestCORSPreflightOnOriginBAndNoCORSEndpoint(t *testing.T) {
	app := startApp(t)
	req, _ := http.NewRequest(http.MethodOptions, app.OtherURL+"/api/cors", nil)
	req.Header.Set("Origin", app.URL)
	req.Header.Set("Access-Control-Request-Method", "PUT")
	req.Header.Set("Access-Control-Request-Headers", "x-reprokit-test")
	resp, _ := do(t, req)
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != app.URL ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "PUT") ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "X-Reprokit-Test") {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = get(t, app.OtherURL+"/api/nocors", "Origin", app.URL)
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("/api/nocors sent Access-Control-Allow-Origin %q; it must send none", resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

func TestAPIResponsesCarryTheSameRequestIDInHeaderAndBody(t *testing.T) {
	app := startApp(t)
	for _, code := range []int{401, 403, 429, 500, 502, 503} {
		resp, body := get(t, app.URL+"/status/"+strconv.Itoa(code))
		var doc struct {
			RequestID string `json:"request_id"`
			Error     struct {
				Message string `json:"message"`
				Code    int    `json:"code"`
			} `json:"error"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("/status/%d: body is not JSON: %v", code, err)
		}
		id := resp.Header.Get("X-Request-Id")
		if resp.StatusCode != code || id == "" || id != doc.RequestID || doc.Error.Code != code || doc.Error.Message == "" {
			t.Errorf("/status/%d: status %d header id %q body %s", code, resp.StatusCode, id, body)
		}
		if code == 429 && resp.Header.Get("Retry-After") != "30" {
			t.Errorf("429 without Retry-After: 30")
		}
	}
	// The IDs are deterministic: a reset restarts the same sequence.
	app.Reset()
	r1, _ := get(t, app.URL+"/api/x")
	app.Reset()
	r2, _ := get(t, app.URL+"/api/y")
	if r1.Header.Get("X-Request-Id") != r2.Header.Get("X-Request-Id") {
		t.Errorf("request IDs differ after Reset: %q vs %q", r1.Header.Get("X-Request-Id"), r2.Header.Get("X-Request-Id"))
	}
}

func TestPostEndpointsEchoWhatTheyReceived(t *testing.T) {
	app := startApp(t)
	post := func(path, ct string, body []byte) map[string]any {
		req, _ := http.NewRequest(http.MethodPost, app.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		resp, out := do(t, req)
		var doc map[string]any
		if resp.StatusCode != 200 || json.Unmarshal(out, &doc) != nil {
			t.Fatalf("POST %s: %d %s", path, resp.StatusCode, out)
		}
		return doc
	}
	if d := post("/post/urlencoded", "application/x-www-form-urlencoded", []byte("a=1&b=two")); d["fields"].(map[string]any)["b"].([]any)[0] != "two" {
		t.Errorf("urlencoded echo: %v", d)
	}
	if d := post("/post/json", "application/json", []byte(`{"n":42}`)); d["json"].(map[string]any)["n"] != 42.0 {
		t.Errorf("json echo: %v", d)
	}
	if d := post("/post/binary", "application/octet-stream", []byte{0, 1, 2, 255}); d["size"] != 4.0 {
		t.Errorf("binary echo: %v", d)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("note", "hi")
	fw, _ := mw.CreateFormFile("file", "notes.txt")
	fw.Write([]byte("twelve bytes"))
	mw.Close()
	d := post("/post/multipart", mw.FormDataContentType(), buf.Bytes())
	if f := d["files"].(map[string]any)["file"].(map[string]any); f["filename"] != "notes.txt" || f["size"] != 12.0 {
		t.Errorf("multipart echo: %v", d)
	}
}

func TestUploadAbove20MBIsRejectedWith413(t *testing.T) {
	app := startApp(t)
	for _, tc := range []struct {
		size int
		want int
	}{{MaxUpload, 200}, {MaxUpload + 1, 413}} {
		req, _ := http.NewRequest(http.MethodPost, app.URL+"/upload", bytes.NewReader(make([]byte, tc.size)))
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, body := do(t, req)
		if resp.StatusCode != tc.want || !strings.Contains(string(body), `"request_id"`) {
			t.Errorf("upload of %d bytes: %d %s, want %d with a request_id", tc.size, resp.StatusCode, body, tc.want)
		}
	}
}

func TestGzipAndBigBodiesAreDeterministic(t *testing.T) {
	app := startApp(t)
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(app.URL + "/gzip/json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if resp.Header.Get("Content-Encoding") != "gzip" || err != nil {
		t.Fatalf("/gzip/json: Content-Encoding %q, gzip error %v", resp.Header.Get("Content-Encoding"), err)
	}
	if plain, _ := io.ReadAll(zr); !json.Valid(plain) || len(plain) <= len(raw) {
		t.Fatalf("/gzip/json: %d compressed bytes inflate to %d bytes of valid JSON=%v", len(raw), len(plain), json.Valid(plain))
	}
	hash := func() [32]byte {
		resp, body := get(t, app.URL+"/big")
		if resp.StatusCode != 200 || len(body) != BigSize {
			t.Fatalf("/big: %d with %d bytes, want %d", resp.StatusCode, len(body), BigSize)
		}
		return sha256.Sum256(body)
	}
	if hash() != hash() {
		t.Fatal("/big differs between two loads; replay comparisons need the same bytes")
	}
}

func TestWebSocketEchoesTextAndBinaryAndCloses(t *testing.T) {
	app := startApp(t)
	wsURL := "ws" + strings.TrimPrefix(app.URL, "http") + "/ws"
	c, resp, err := websocket.DefaultDialer.Dial(wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if resp.Header.Get("X-Request-Id") == "" {
		t.Error("the websocket handshake has no x-request-id")
	}
	typ, msg, _ := c.ReadMessage()
	typ2, msg2, _ := c.ReadMessage()
	if typ != websocket.TextMessage || string(msg) != "hello" || typ2 != websocket.BinaryMessage || len(msg2) != 16 || msg2[15] != 15 {
		t.Fatalf("greeting: %d %q, %d %v", typ, msg, typ2, msg2)
	}
	c.WriteMessage(websocket.BinaryMessage, []byte{9, 8, 7})
	if typ, msg, _ := c.ReadMessage(); typ != websocket.BinaryMessage || !bytes.Equal(msg, []byte{9, 8, 7}) {
		t.Fatalf("binary echo: %d %v", typ, msg)
	}
	c.WriteMessage(websocket.TextMessage, []byte("close"))
	_, _, err = c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
		t.Fatalf("after \"close\": %v, want a normal close", err)
	}

	// ?close=abnormal: the greeting, then the TCP connection drops with no close frame.
	c2, _, err := websocket.DefaultDialer.Dial(wsURL+"?close=abnormal", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.ReadMessage()
	c2.ReadMessage()
	if _, _, err := c2.ReadMessage(); !websocket.IsUnexpectedCloseError(err) && errors.As(err, &ce) {
		t.Fatalf("abnormal close sent a close frame: %v", err)
	}
}

func TestSSESendsThreeEventsThenStaysOpenAndCloseDoesNotHang(t *testing.T) {
	app := startApp(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, app.URL+"/sse", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	events := 0
	for events < 3 && sc.Scan() {
		if strings.HasPrefix(sc.Text(), "event: tick") {
			events++
		}
	}
	if events != 3 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("got %d tick events with Content-Type %q", events, resp.Header.Get("Content-Type"))
	}
	// Open an endless stream and a websocket, then Close must still return quickly.
	req2, _ := http.NewRequestWithContext(ctx, http.MethodGet, app.URL+"/stream/endless", nil)
	resp2, err := http.DefaultClient.Do(req2)
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(app.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	done := make(chan struct{})
	go func() { app.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung with open streams")
	}
}

func TestSlowEndpointStopsWhenTheClientLeaves(t *testing.T) {
	app := startApp(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, app.URL+"/slow?ms=60000", nil)
	start := time.Now()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("the slow request finished before the client gave up")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the client's deadline did not end the slow request")
	}
	resp, body := get(t, app.URL+"/slow?ms=10")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "slept 10 ms") {
		t.Fatalf("/slow?ms=10: %d %q", resp.StatusCode, body)
	}
}

func TestSecretsArePlantedWhereDocumented(t *testing.T) {
	app := startApp(t)
	s := app.Secrets
	resp, _ := get(t, app.URL+"/secrets/cookie")
	var cookies []string
	for _, c := range resp.Cookies() {
		cookies = append(cookies, c.Value)
	}
	if !containsAll(strings.Join(cookies, " "), s.SessionCookie, s.JWT) {
		t.Errorf("/secrets/cookie sets %v", cookies)
	}
	_, body := get(t, app.URL+"/secrets/echo-auth", "Authorization", "Bearer "+s.BearerToken)
	if !containsAll(string(body), s.BearerToken) {
		t.Errorf("/secrets/echo-auth: %s", body)
	}
	_, body = get(t, app.URL+"/secrets/token.json")
	if !containsAll(string(body), s.AccessToken, s.RefreshToken, s.JWT, s.Email) {
		t.Errorf("/secrets/token.json: %s", body)
	}
	_, body = get(t, app.URL+"/secrets/key.txt")
	if !containsAll(string(body), s.APIKey) || !strings.HasPrefix(s.APIKey, "sk-proj-") {
		t.Errorf("/secrets/key.txt: %s", body)
	}
	_, body = get(t, app.URL+"/login")
	if !containsAll(string(body), s.CSRFToken, `type="password"`, "data-private") {
		t.Errorf("/login lacks the CSRF input, password field or data-private element")
	}
	_, body = get(t, app.URL+"/fragment")
	if !containsAll(string(body), "#access_token="+s.FragmentToken) {
		t.Errorf("/fragment lacks the fragment token link")
	}
	if parts := strings.Split(s.JWT, "."); len(parts) != 3 || !strings.HasPrefix(s.JWT, "eyJ") {
		t.Errorf("JWT %q is not a compact JWS", s.JWT)
	}
	if len(s.All()) != 10 {
		t.Errorf("All() lists %d secrets, want 10", len(s.All()))
	}
	custom, err := StartWith(Options{Secrets: SecretSet{APIKey: "sk-proj-custom-value-123456"}})
	if err != nil {
		t.Fatal(err)
	}
	defer custom.Close()
	if _, body := get(t, custom.URL+"/secrets/key.txt"); !strings.Contains(string(body), "sk-proj-custom-value-123456") {
		t.Errorf("StartWith did not plant the custom key: %s", body)
	}
}

func TestReceivedRecordsEveryRequestWithItsOrigin(t *testing.T) {
	app := startApp(t)
	get(t, app.URL+"/api/one?x=1")
	get(t, app.OtherURL+"/api/two")
	got := app.Received()
	if len(got) != 2 || got[0].Origin != "A" || got[0].URL != app.URL+"/api/one?x=1" || got[0].Method != "GET" ||
		got[1].Origin != "B" || got[1].URL != app.OtherURL+"/api/two" || got[1].Time.Before(got[0].Time) {
		t.Fatalf("Received() = %+v", got)
	}
	app.Reset()
	if n := len(app.Received()); n != 0 {
		t.Fatalf("after Reset: %d requests", n)
	}
}

func TestBenchPageMakesExactlyNRequests(t *testing.T) {
	app := startApp(t)
	_, body := get(t, app.URL+"/bench/300")
	if !strings.Contains(string(body), "const total = 300 - 1") {
		t.Fatalf("/bench/300 does not plan 300 requests")
	}
	resp, data := get(t, app.URL+"/bench/data/7?kb=3")
	if resp.StatusCode != 200 || len(data) != 3<<10 {
		t.Fatalf("/bench/data/7?kb=3: %d with %d bytes", resp.StatusCode, len(data))
	}
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// follow walks a redirect chain from u and returns every URL it visited,
// the last one answered 200.
func follow(t *testing.T, u string) []string {
	t.Helper()
	var visited []string
	for range 30 {
		visited = append(visited, u)
		resp, _ := get(t, u)
		if resp.StatusCode == 200 {
			return visited
		}
		if resp.StatusCode != 302 {
			t.Fatalf("GET %s: status %d in the sign-in chain %v", u, resp.StatusCode, visited)
		}
		next, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		u = next.String()
	}
	t.Fatalf("the chain does not end: %v", visited)
	return nil
}

func TestSignInGoesThroughTheOtherOriginOnceOrLoops(t *testing.T) {
	app := startApp(t)
	count := func(chain []string, prefix string) int {
		n := 0
		for _, u := range chain {
			if strings.HasPrefix(u, prefix) {
				n++
			}
		}
		return n
	}
	normal := follow(t, app.URL+"/sso/start")
	if len(normal) != 4 || count(normal, app.OtherURL+"/idp/authorize?") != 1 || count(normal, app.URL+"/sso/callback?") != 1 ||
		normal[3] != app.URL+"/sso/done" {
		t.Errorf("normal sign-in: %v; want start, the IdP's authorize, callback, done", normal)
	}
	loop := follow(t, app.URL+"/sso/start?loop=4")
	if count(loop, app.OtherURL+"/idp/authorize?") != 4 || count(loop, app.URL+"/sso/callback?") != 4 || loop[len(loop)-1] != app.URL+"/sso/done" {
		t.Errorf("loop=4: %v; want 4 bounces between the IdP and the callback", loop)
	}
	// SAML: the IdP's page posts the assertion to the ACS, which ends the
	// sign-in or, with loop=N, starts round k+1 until N.
	resp, _ := get(t, app.URL+"/saml/login?loop=3")
	idp := resp.Header.Get("Location")
	if resp.StatusCode != 302 || !strings.HasPrefix(idp, app.OtherURL+"/idp/saml?") {
		t.Fatalf("/saml/login: %d to %q; want 302 to the IdP on the other origin", resp.StatusCode, idp)
	}
	if resp, body := get(t, idp); resp.StatusCode != 200 || !containsAll(string(body), `action="`+app.URL+`/saml/acs"`, "SAMLResponse", "loop=3&amp;round=1", "submit()") {
		t.Errorf("the IdP's SAML page: %d\n%s", resp.StatusCode, body)
	}
	for round, want := range map[string]string{"1": "/saml/login?loop=3&round=2", "2": "/saml/login?loop=3&round=3", "3": "/sso/done"} {
		req, _ := http.NewRequest(http.MethodPost, app.URL+"/saml/acs", strings.NewReader(url.Values{"RelayState": {"loop=3&round=" + round}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resp, _ := do(t, req); resp.StatusCode != 302 || resp.Header.Get("Location") != want {
			t.Errorf("ACS round %s: %d to %q, want 302 to %s", round, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	if resp, _ := get(t, app.OtherURL+"/idp/saml?acs=https://evil.example/acs"); resp.StatusCode != 400 {
		t.Errorf("/idp/saml posted to a foreign ACS: status %d", resp.StatusCode)
	}
	if resp, _ := get(t, app.OtherURL+"/idp/authorize?redirect_uri=https://evil.example/cb"); resp.StatusCode != 400 {
		t.Errorf("/idp/authorize sent the browser to a foreign redirect_uri: status %d", resp.StatusCode)
	}
}

func TestSecureOriginServesTheAppWithAnUntrustedCertificate(t *testing.T) {
	app := startApp(t)
	if !strings.HasPrefix(app.SecureURL, "https://127.0.0.1:") {
		t.Fatalf("SecureURL %s", app.SecureURL)
	}
	// A client that trusts the system roots refuses it: unknown authority.
	_, err := http.Get(app.SecureURL + "/api/ok")
	if err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
		t.Errorf("GET SecureURL with the system roots: %v; want an unknown-authority error", err)
	}
	// Its public key is SecureSPKI; with it accepted, the app answers.
	var spki string
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			sum := sha256.Sum256(cs.PeerCertificates[0].RawSubjectPublicKeyInfo)
			spki = base64.StdEncoding.EncodeToString(sum[:])
			return cs.PeerCertificates[0].VerifyHostname("127.0.0.1")
		},
	}}}
	app.Reset()
	resp, err := client.Get(app.SecureURL + "/mixed")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if spki != app.SecureSPKI {
		t.Errorf("the certificate's SPKI hash is %s, SecureSPKI says %s", spki, app.SecureSPKI)
	}
	if resp.StatusCode != 200 || !containsAll(string(body), "http://"+RemoteHost+"/mixed/script.js", "http://"+RemoteHost+"/api/mixed", app.URL+"/api/cors") {
		t.Errorf("GET %s/mixed: %d\n%.600s", app.SecureURL, resp.StatusCode, body)
	}
	if got := app.Received(); len(got) != 1 || got[0].Origin != "S" || got[0].URL != app.SecureURL+"/mixed" {
		t.Errorf("received %+v; want one request of origin S", got)
	}
}

func TestProxyRefusesEveryTunnelAsAFirewall(t *testing.T) {
	app := startApp(t)
	proxy, _ := url.Parse(app.ProxyURL)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
	_, err := client.Get("https://" + RemoteHost + "/api/x")
	if err == nil || !strings.Contains(err.Error(), "Forbidden") {
		t.Errorf("GET https://%s through the proxy: %v; want the tunnel refused (Forbidden)", RemoteHost, err)
	}
	resp, err := client.Get("http://" + RemoteHost + "/api/y")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("X-Reprokit-Proxy") != "firewall" {
		t.Errorf("GET http://%s through the proxy: %d %v; want the firewall's 403", RemoteHost, resp.StatusCode, resp.Header)
	}
	var got []string
	for _, r := range app.Received() {
		got = append(got, r.Origin+" "+r.Method+" "+r.URL)
	}
	want := []string{"P CONNECT https://" + RemoteHost + ":443", "P GET http://" + RemoteHost + "/api/y"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("received %q, want %q", got, want)
	}
}
