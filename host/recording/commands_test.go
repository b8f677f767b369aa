package recording

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/browser"
	"github.com/reprokit/reprokit/host/capture"
	"github.com/reprokit/reprokit/host/spool"
)

func testBrowser(t *testing.T) string {
	t.Helper()
	p := os.Getenv(browser.EnvBrowser)
	if p == "" {
		p = "/usr/bin/chromium"
	}
	path, err := browser.Find(p)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return path
}

// TestTerminalKeysTakeScreenshotsPauseAndNote feeds the keys a user types
// during `reprokit record` to a live recording and reads the records back.
func TestTerminalKeysTakeScreenshotsPauseAndNote(t *testing.T) {
	path := testBrowser(t)
	dir, err := spool.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var conn *capture.Conn
	sess, err := browser.Launch(context.Background(), browser.Options{Path: path, Headless: true,
		Wrap: func(tr chromedp.Transport) (chromedp.Transport, error) {
			c, err := capture.NewConn(tr, dir, capture.ConnOptions{})
			conn = c
			return c, err
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	rec, err := capture.Start(context.Background(), conn, sess.TabSession, dir, capture.Options{TabTarget: sess.TabTarget})
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(sess.Tab, chromedp.Navigate("data:text/html,<title>keys</title><h1>keys</h1>")); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var out bytes.Buffer
	readCommands(context.Background(), strings.NewReader("s\np\nn the upload failed here\np\nx\n\n"), rec, &out, stop)
	select {
	case <-stop:
	default:
		t.Fatal("a bare Enter did not stop")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rec.StopBecause(ctx, "test")
	sess.Close()
	log, _ := os.ReadFile(dir.Join(capture.EventsFile))
	for _, want := range []string{`"reason":"demand"`, `"method":"Reprokit.pause"`, `"method":"Reprokit.resume"`, `"text":"the upload failed here"`} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("the log lacks %s", want)
		}
	}
	if !strings.Contains(out.String(), "keys:") {
		t.Errorf("an unknown key did not print the help: %q", out.String())
	}
	// EOF stops nothing.
	stop2 := make(chan struct{})
	readCommands(context.Background(), io.LimitReader(strings.NewReader(""), 0), rec, io.Discard, stop2)
	select {
	case <-stop2:
		t.Error("EOF on stdin stopped the recording")
	default:
	}
}

// TestDriveHookTakesOnDemandScreenshots runs a recording with a scripted
// session that asks for a screenshot, as `reprokit demo` does.
func TestDriveHookTakesOnDemandScreenshots(t *testing.T) {
	path := testBrowser(t)
	out := t.TempDir()
	tmp, err := os.MkdirTemp("", "rk")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	var stderr bytes.Buffer
	res, err := Run(context.Background(), Options{
		URL: "data:text/html,<title>drive</title><h1>drive</h1>", Browser: path, Headless: true,
		Out: out + "/drive.zip", SpoolBase: tmp, Stderr: &stderr,
		Drive: func(ctx, tab context.Context) error {
			return Screenshot(ctx, "the-moment")
		},
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if res.StopReason != "the scripted session finished" {
		t.Errorf("stop reason %q", res.StopReason)
	}
	z, err := zip.OpenReader(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	found := false
	for _, f := range z.File {
		if f.Name == "bundle.json" || strings.HasSuffix(f.Name, "screenshots.json") {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if bytes.Contains(b, []byte("the-moment")) {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("the bundle does not list the screenshot taken by the Drive hook")
	}
	if err := Screenshot(context.Background(), "x"); err == nil {
		t.Error("Screenshot outside a Drive hook did not fail")
	}
}
