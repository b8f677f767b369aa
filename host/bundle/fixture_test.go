package bundle

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/har"
	"github.com/reprokit/reprokit/host/spool"
)

// t0 is the start of every fixture recording.
var t0 = time.Date(2026, 11, 26, 20, 3, 0, 0, time.FixedZone("CET", 3600))

// entry makes a HAR entry at offset ms from t0.
func entry(method, url string, status int, offsetMs, durMs float64) har.Entry {
	return har.Entry{
		StartedDateTime: t0.Add(time.Duration(offsetMs * float64(time.Millisecond))).Format(time.RFC3339Nano),
		Time:            durMs,
		Request:         har.Request{Method: method, URL: url, HTTPVersion: "HTTP/1.1", Headers: []har.NameValue{{Name: "Accept", Value: "*/*"}}},
		Response:        har.Response{Status: status, StatusText: statusText(status), HTTPVersion: "HTTP/1.1", Content: har.Content{MimeType: "text/plain"}},
		Timings:         har.Timings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1, Send: 1, Wait: durMs - 2, Receive: 1},
	}
}

func statusText(status int) string {
	switch status {
	case 200:
		return "OK"
	case 413:
		return "Payload Too Large"
	case 500:
		return "Internal Server Error"
	}
	return ""
}

func withBody(e har.Entry, mime, text string) har.Entry {
	e.Response.Content = har.Content{MimeType: mime, Text: text, Size: int64(len(text))}
	return e
}

func withType(e har.Entry, t string) har.Entry { e.ResourceType = t; return e }

func withHeader(e har.Entry, name, value string) har.Entry {
	e.Response.Headers = append(e.Response.Headers, har.NameValue{Name: name, Value: value})
	return e
}

func withError(e har.Entry, errText string) har.Entry {
	e.Response.Status, e.Response.StatusText = 0, ""
	e.Error = errText
	return e
}

func writeHAR(t testing.TB, path string, entries []har.Entry) {
	t.Helper()
	h := har.HAR{Log: har.Log{Version: "1.2", Creator: har.Creator{Name: "reprokit", Version: "test"}, Pages: []har.Page{}, Entries: entries}}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// pngImage makes a noisy PNG (noise keeps it from compressing away).
func pngImage(t testing.TB, w, h int, seed uint64) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 1))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(r.IntN(40))
			img.Set(x, y, color.RGBA{uint8(x) + v, uint8(y) + v, 200 - v, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// randomBase64 is n bytes of incompressible data, base64-encoded.
func randomBase64(n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return base64.StdEncoding.EncodeToString(b)
}

// randomText is n bytes of text that compresses about as well as real JSON.
func randomText(n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 3))
	words := []string{"alpha", "beta", "gamma", "delta", "user", "id", "value", "items", "name", "status", "42", "true", "null", "created_at"}
	var b strings.Builder
	b.WriteString("{\"data\":[")
	for b.Len() < n-20 {
		fmt.Fprintf(&b, "{\"%s\":\"%s%d\"},", words[r.IntN(len(words))], words[r.IntN(len(words))], r.IntN(1000000))
	}
	b.WriteString("{}]}")
	return b.String()
}

type spoolFixture struct {
	entries     []har.Entry
	console     []map[string]any
	steps       []map[string]any
	env         map[string]any
	screenshots [][]byte
	shotTargets []string // the tab of each screenshot, when set
	screencast  [][]byte
	reporter    map[string]string
	// dom are the lines of dom.jsonl, as capture writes them.
	dom []string
}

// makeSpool writes a finalized spool with the fixture's files.
func makeSpool(t testing.TB, f spoolFixture) *spool.Dir {
	t.Helper()
	dir, err := spool.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	writeHAR(t, dir.Join("session.har"), f.entries)
	writeJSON := func(name string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := dir.WriteFile(name, b); err != nil {
			t.Fatal(err)
		}
	}
	if f.console != nil {
		writeJSON("console.json", map[string]any{"messages": f.console})
	}
	if f.steps != nil {
		writeJSON("steps.json", map[string]any{"title": "Recording", "steps": f.steps})
	}
	if f.env != nil {
		writeJSON("environment.json", f.env)
	}
	if len(f.dom) > 0 {
		if err := dir.WriteFile("dom.jsonl", []byte(strings.Join(f.dom, "\n")+"\n")); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.screenshots) > 0 {
		var idx []map[string]any
		for i, img := range f.screenshots {
			name := fmt.Sprintf("%04d.png", i+1)
			if err := dir.WriteFile(filepath.Join("screenshots", name), img); err != nil {
				t.Fatal(err)
			}
			shot := map[string]any{"file": "screenshots/" + name, "time": float64(t0.Add(time.Duration(i)*time.Second).UnixMilli()) / 1000,
				"url": "https://app.example.com/", "reason": "load", "width": 64, "height": 48, "format": "png", "masked": true}
			if i < len(f.shotTargets) {
				shot["target"] = f.shotTargets[i]
			}
			idx = append(idx, shot)
		}
		writeJSON("screenshots.json", idx)
	}
	if len(f.screencast) > 0 {
		var idx []map[string]any
		for i, img := range f.screencast {
			name := fmt.Sprintf("%05d.png", i+1)
			if err := dir.WriteFile(filepath.Join("screencast", name), img); err != nil {
				t.Fatal(err)
			}
			idx = append(idx, map[string]any{"file": "screencast/" + name, "time": float64(t0.Add(time.Duration(i)*500*time.Millisecond).UnixMilli()) / 1000, "format": "png"})
		}
		writeJSON("screencast.json", idx)
	}
	err = dir.Update(func(m *spool.Meta) error {
		m.Status = spool.StatusFinalized
		m.Started = t0.Format(time.RFC3339Nano)
		m.Ended = t0.Add(30 * time.Second).Format(time.RFC3339Nano)
		m.TimeZone = "Europe/Paris"
		m.StopReason = "user"
		m.Reporter = f.reporter
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// sampleSession is a small recorded session with a failure.
func sampleSession(t testing.TB) spoolFixture {
	return spoolFixture{
		entries: []har.Entry{
			withType(withBody(entry("GET", "https://app.example.com/", 200, 0, 120), "text/html", "<html><title>App</title></html>"), "document"),
			withType(withBody(entry("GET", "https://app.example.com/app.js", 200, 130, 40), "application/javascript", "console.log('hi')"), "script"),
			withHeader(withType(withBody(entry("POST", "https://api.example.com/v1/upload", 500, 2000, 300), "application/json", `{"error":{"message":"boom","request_id":"req_body_123"}}`), "fetch"), "x-request-id", "req-abc-500"),
			withHeader(withType(entry("GET", "https://api.example.com/v1/me", 200, 2500, 50), "fetch"), "x-request-id", "req-ok-200"),
		},
		console: []map[string]any{
			{"time": float64(t0.Add(2400*time.Millisecond).UnixMilli()) / 1000, "level": "error", "source": "exception", "text": "Uncaught TypeError: cannot read properties of undefined"},
			{"time": float64(t0.Add(100*time.Millisecond).UnixMilli()) / 1000, "level": "log", "source": "console-api", "text": "hi"},
		},
		steps: []map[string]any{
			{"type": "setViewport", "width": 1280, "height": 720},
			{"type": "navigate", "url": "https://app.example.com/", "time": float64(t0.UnixMilli()) / 1000},
			{"type": "click", "selectors": [][]string{{"aria/Upload"}, {"#upload"}}, "time": float64(t0.Add(1900*time.Millisecond).UnixMilli()) / 1000},
		},
		env: map[string]any{
			"browser": map[string]any{"name": "Chromium", "version": "156.0.7500.0"},
			"os":      map[string]any{"name": "Linux", "version": "6.8", "arch": "x86", "bitness": "64"},
			"device":  map[string]any{"type": "desktop"}, "network": map[string]any{"online": true, "type": "ethernet"},
			"timeZone": "Europe/Paris",
		},
		reporter: map[string]string{"description": "Upload fails with an error", "email": "ada@example.com", "plan": "Team", "workspace": "org-123", "password": "hunter2hunter2"},
	}
}
