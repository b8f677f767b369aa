package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/replay"
)

// readerRSSCap is the peak resident memory every reader of bundles and
// HARs stays under on any input (docs/BUNDLE.md, "Limits of the readers").
const readerRSSCap = 300 << 20

// The hostile-input suite: every reader (inspect, report, view, replay,
// scan, sanitize) through the real binary, on inputs made here as streams
// (nothing large is committed, and the zips are small on disk): a 1 GiB
// zip bomb of zeros, a 900 MB JSON string in a 900 KB zip, a 65 MB string
// in a bare HAR, 100k nested brackets, an empty file, a truncated HAR,
// invalid UTF-8 in a method and a URL, and a HAR with one 50 MB body. Each
// run must exit with its code, say its message and peak under
// readerRSSCap, measured from the child's rusage.
func TestHostileInputsToEveryReader(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("peak RSS is read from Linux's rusage")
	}
	bin := reprokitBinary(t)
	dir := t.TempDir()
	in := func(name string) string { return filepath.Join(dir, name) }

	var wg sync.WaitGroup
	gen := func(name string, f func(string) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(in(name)); err != nil {
				t.Errorf("make %s: %v", name, err)
			}
		}()
	}
	gen("bomb.zip", func(p string) error {
		return zipStream(p, "session.har", func(w io.Writer) error { return zeros(w, 1<<30) })
	})
	gen("bigstring.zip", func(p string) error {
		return zipStream(p, "session.har", func(w io.Writer) error { return harWithBody(w, 900<<20, 'a') })
	})
	gen("bigstring.har", func(p string) error {
		return fileStream(p, func(w io.Writer) error { return harWithBody(w, 65<<20, 'a') })
	})
	gen("body50.har", func(p string) error {
		return fileStream(p, func(w io.Writer) error { return harWithBody(w, 50<<20, 'b') })
	})
	wg.Wait()
	if t.Failed() {
		return
	}
	os.WriteFile(in("nested.har"), []byte(`{"log":{"entries":[`+strings.Repeat("[", 100000)), 0o600)
	os.WriteFile(in("empty.har"), nil, 0o600)
	var small bytes.Buffer
	harWithBody(&small, 10, 'c')
	// cut inside an entry that closed a websocket with code 1000: a
	// truncated HAR is no HAR, and the close code is no finding
	truncated := strings.Replace(small.String(), `"cache":{}`, `"_webSocketMessages":[{"type":"receive","time":1,"opcode":8,"data":""}],"_webSocketClose":{"code":1000,"reason":"bye"},"cache":{}`, 1)
	os.WriteFile(in("truncated.har"), []byte(truncated[:strings.Index(truncated, `"reason"`)+12]), 0o600)
	badUTF8 := strings.Replace(small.String(), `"method":"GET","url":"http://app.test/big.txt"`, "\"method\":\"G\xffT\",\"url\":\"http://app.test/b\xfe\xfeg.txt\"", 1)
	os.WriteFile(in("badutf8.har"), []byte(badUTF8), 0o600)

	type run struct {
		args []string
		code int
		says string // on stderr, or stdout for a reader that succeeds
	}
	tooLong := "longer than 64 MB"
	errorsOf := func(file, says string) []run { // every reader refuses
		return []run{
			{[]string{"inspect", file}, 2, says},
			{[]string{"report", file, "-o", in("r.html")}, 2, says},
			{[]string{"view", "--no-open", file}, 2, says},
			{[]string{"replay", "--headless", file}, 2, says},
		}
	}
	var runs []run
	runs = append(runs, errorsOf("bomb.zip", "session.har in the zip: not a HAR file")...)
	runs = append(runs,
		run{[]string{"scan", "bomb.zip"}, 2, "binary data (a NUL byte) on line 1: not text, not scanned"},
		run{[]string{"sanitize", "bomb.zip", "-o", in("s.har")}, 2, "bomb.zip is a zip"})
	runs = append(runs, errorsOf("bigstring.zip", tooLong)...)
	runs = append(runs,
		run{[]string{"scan", "bigstring.zip"}, 2, tooLong},
		run{[]string{"sanitize", "bigstring.zip", "-o", in("s.har")}, 2, "bigstring.zip is a zip"})
	runs = append(runs, errorsOf("bigstring.har", tooLong)...)
	runs = append(runs,
		run{[]string{"scan", "bigstring.har"}, 2, tooLong},
		run{[]string{"sanitize", "bigstring.har", "-o", in("s.har")}, 2, tooLong})
	runs = append(runs, errorsOf("nested.har", "exceeded max depth")...)
	runs = append(runs,
		run{[]string{"scan", "nested.har"}, 2, "could not read as a HAR (JSON nested more than 10000 levels deep); scanned as text, nothing found"},
		run{[]string{"sanitize", "nested.har", "-o", in("s.har")}, 2, "exceeded max depth; nothing was written"})
	runs = append(runs, errorsOf("empty.har", "not a HAR file: the file is empty")...)
	runs = append(runs,
		run{[]string{"scan", "empty.har"}, 2, "could not read as a HAR (the file is empty); scanned as text, nothing found"},
		run{[]string{"sanitize", "empty.har", "-o", in("s.har")}, 2, "the file is empty"})
	runs = append(runs, errorsOf("truncated.har", "the file ends in the middle of the JSON (was it cut off?)")...)
	runs = append(runs,
		run{[]string{"scan", "truncated.har"}, 2, "could not read as a HAR (the JSON ends early: truncated); scanned as text, nothing found"},
		run{[]string{"sanitize", "truncated.har", "-o", in("s.har")}, 2, "unexpected EOF; nothing was written"})
	utf8Warning := "entry 1: invalid UTF-8 in request/method, request/url (shown as"
	runs = append(runs,
		run{[]string{"inspect", "badutf8.har"}, 0, utf8Warning},
		run{[]string{"inspect", "body50.har"}, 0, "requests  2 (0 failed)"},
		run{[]string{"report", "body50.har", "-o", in("r.html")}, 0, "r.html"},
		run{[]string{"scan", "body50.har"}, 0, "clean (1 file(s))"},
		run{[]string{"sanitize", "body50.har", "-o", in("s.har")}, 0, "verified clean"},
	)
	for _, r := range runs {
		out, errOut, code, rss, took := runMeasured(t, bin, dir, r.args...)
		t.Logf("%-40s exit %d, peak %3d MB, %5.1fs", strings.Join(r.args, " "), code, rss>>20, took.Seconds())
		if code != r.code {
			t.Errorf("%q: exit %d, want %d\nstdout: %.500q\nstderr: %.500q", r.args, code, r.code, out, errOut)
		}
		if !strings.Contains(out+errOut, r.says) {
			t.Errorf("%q: does not say %q\nstdout: %.500q\nstderr: %.500q", r.args, r.says, out, errOut)
		}
		if rss > readerRSSCap {
			t.Errorf("%q: peak RSS %d MB, over the %d MB cap", r.args, rss>>20, readerRSSCap>>20)
		}
		os.Remove(in("s.har"))
		os.Remove(in("r.html"))
	}
	// replay of a 50 MB body: streamed to the page whole, within the cap
	// (reprokit's own peak: the browser's processes are not a reader)
	if _, err := replay.FindBrowser(""); err == nil {
		out, errOut, code, rss, took := runPolled(t, bin, dir, "replay", "--headless", "--timeout", "60s", "body50.har")
		t.Logf("%-40s exit %d, peak %3d MB, %5.1fs", "replay --headless body50.har", code, rss>>20, took.Seconds())
		if code != 0 || !strings.Contains(errOut, "large body streamed from the recording") || !strings.Contains(errOut, "got?length=52428800") {
			t.Errorf("replay body50.har: exit %d, the page did not get the 50 MB body whole\nstdout: %.300s\nstderr: %.3000s", code, out, errOut)
		}
		if rss > readerRSSCap {
			t.Errorf("replay body50.har: peak RSS %d MB, over the %d MB cap", rss>>20, readerRSSCap>>20)
		}
	} else {
		t.Logf("replay of body50.har not run: %v", err)
	}
	// view of a 50 MB body: serves, peaks under the cap
	rss, err := viewPeak(bin, dir, "body50.har")
	t.Logf("%-40s peak %3d MB", "view --no-open body50.har", rss>>20)
	if err != nil {
		t.Error(err)
	} else if rss > readerRSSCap {
		t.Errorf("view body50.har: peak RSS %d MB, over the %d MB cap", rss>>20, readerRSSCap>>20)
	}
}

// runMeasured runs the binary in dir and returns its output, exit code,
// peak RSS in bytes (the child's rusage) and wall time.
func runMeasured(t *testing.T, bin, dir string, args ...string) (stdout, stderr string, code int, rss int64, took time.Duration) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+dir, "REPROKIT_OUT_DIR=")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	start := time.Now()
	err := cmd.Run()
	took = time.Since(start)
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("%v: %v", args, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = int64(ru.Maxrss) << 10 // KB on Linux
	}
	return o.String(), e.String(), code, rss, took
}

// runPolled is runMeasured for a command that starts a browser: the
// peak is reprokit's own (VmHWM, read from /proc while it runs), not the
// largest of its descendants that rusage reports.
func runPolled(t *testing.T, bin, dir string, args ...string) (stdout, stderr string, code int, rss int64, took time.Duration) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "REPROKIT_OUT_DIR=")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	var err error
	for polling := true; polling; {
		if b, rerr := os.ReadFile(status); rerr == nil {
			for line := range strings.SplitSeq(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
					rss = max(rss, kb<<10)
				}
			}
		}
		select {
		case err = <-done:
			polling = false
		case <-time.After(50 * time.Millisecond):
		}
	}
	took = time.Since(start)
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("%v: %v", args, err)
	}
	return o.String(), e.String(), code, rss, took
}

// viewPeak starts view --no-open on file, waits until it serves, stops it
// and returns its peak RSS.
func viewPeak(bin, dir, file string) (int64, error) {
	cmd := exec.Command(bin, "view", "--no-open", file)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	served := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "http://127.0.0.1:") {
				served <- true
			}
		}
		close(served)
	}()
	select {
	case ok := <-served:
		if !ok {
			cmd.Wait()
			return 0, fmt.Errorf("view %s ended without serving", file)
		}
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		return 0, fmt.Errorf("view %s did not serve within 90 s", file)
	}
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, errors.New("no rusage")
	}
	return int64(ru.Maxrss) << 10, nil
}

// zipStream writes a zip holding one member whose content gen streams,
// compressed fast (zeros and repeated letters shrink a thousandfold).
func zipStream(path, member string, gen func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	w, err := zw.Create(member)
	if err != nil {
		return err
	}
	if err := gen(w); err != nil {
		return err
	}
	return zw.Close()
}

func fileStream(path string, gen func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := gen(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func zeros(w io.Writer, n int64) error {
	return repeat(w, 0, n)
}

func repeat(w io.Writer, c byte, n int64) error {
	buf := bytes.Repeat([]byte{c}, 1<<20)
	for n > 0 {
		k := min(n, int64(len(buf)))
		if _, err := w.Write(buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// harWithBody writes a HAR of a page and one text resource whose body is
// size bytes of c.
func harWithBody(w io.Writer, size int64, c byte) error {
	entry := func(url, mime, text string) string {
		return `{"startedDateTime":"2026-01-01T00:00:00.000Z","time":1,"request":{"method":"GET","url":"` + url +
			`","httpVersion":"HTTP/1.1","headers":[],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0},` +
			`"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[{"name":"Content-Type","value":"` + mime +
			`"}],"cookies":[],"content":{"size":` + strconv.Itoa(len(text)) + `,"mimeType":"` + mime + `","text":"` + text +
			`"},"redirectURL":"","headersSize":-1,"bodySize":-1},"cache":{},"timings":{"send":0,"wait":1,"receive":0}}`
	}
	page := entry("http://app.test/", "text/html", `<h1>big</h1><script>fetch('/big.txt').then(r=>r.text()).then(t=>fetch('/got?length='+t.length)).catch(()=>{})</script>`)
	big := entry("http://app.test/big.txt", "text/plain", "\x00")
	head, tail, _ := strings.Cut(big, "\x00")
	head = strings.Replace(head, `"size":1`, `"size":`+strconv.FormatInt(size, 10), 1)
	if _, err := io.WriteString(w, `{"log":{"version":"1.2","creator":{"name":"hostile","version":"1"},"pages":[],"entries":[`+page+`,`+head); err != nil {
		return err
	}
	if err := repeat(w, c, size); err != nil {
		return err
	}
	_, err := io.WriteString(w, tail+`]}}`)
	return err
}
