package bundle

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/har"
	"github.com/reprokit/reprokit/host/seal"
	"github.com/reprokit/reprokit/host/spool"
)

// bigSession has about 100 MB of bodies: 40 MB of images (incompressible),
// 20 MB of scripts and 40 MB of JSON, with a page and a failure.
func bigSession(b *testing.B) spoolFixture {
	const mb = 1 << 20
	f := sampleSession(b)
	entries := f.entries
	for i := 0; i < 40; i++ {
		e := withType(entry("GET", fmt.Sprintf("https://cdn.example.com/img%d.jpg", i), 200, float64(1000+i*10), 20), "image")
		e.Response.Content = har.Content{MimeType: "image/jpeg", Text: randomBase64(mb*3/4, uint64(i)), Encoding: "base64", Size: mb * 3 / 4}
		entries = append(entries, e)
	}
	for i := 0; i < 20; i++ {
		entries = append(entries, withType(withBody(entry("GET", fmt.Sprintf("https://cdn.example.com/app%d.js", i), 200, float64(2000+i*10), 30), "application/javascript", randomText(mb, uint64(100+i))), "script"))
	}
	for i := 0; i < 40; i++ {
		entries = append(entries, withType(withBody(entry("GET", fmt.Sprintf("https://api.example.com/items/%d", i), 200, float64(3000+i*10), 40), "application/json", randomText(mb, uint64(200+i))), "fetch"))
	}
	f.entries = entries
	for i := 0; i < 5; i++ {
		f.screenshots = append(f.screenshots, pngImage(b, 800, 500, uint64(i)))
	}
	return f
}

// session500 is a 500-request session of ordinary sizes (about 8 MB).
func session500(b *testing.B) spoolFixture {
	f := sampleSession(b)
	entries := f.entries
	for i := 0; len(entries) < 500; i++ {
		switch i % 5 {
		case 0:
			e := withType(entry("GET", fmt.Sprintf("https://cdn.example.com/i%d.png", i), 200, float64(i*20), 15), "image")
			e.Response.Content = har.Content{MimeType: "image/png", Text: randomBase64(12<<10, uint64(i)), Encoding: "base64"}
			entries = append(entries, e)
		case 1:
			entries = append(entries, withType(withBody(entry("GET", fmt.Sprintf("https://cdn.example.com/c%d.js", i), 200, float64(i*20), 25), "application/javascript", randomText(30<<10, uint64(i))), "script"))
		default:
			entries = append(entries, withHeader(withType(withBody(entry("GET", fmt.Sprintf("https://api.example.com/v1/x/%d", i), 200, float64(i*20), 60), "application/json", randomText(10<<10, uint64(i))), "fetch"), "x-request-id", fmt.Sprintf("req-%d", i)))
		}
	}
	f.entries = entries
	for i := 0; i < 4; i++ {
		f.screenshots = append(f.screenshots, pngImage(b, 800, 500, uint64(i)))
	}
	return f
}

// plainZip is the baseline: the spool's files zipped as they are (the
// same fast deflate), with no sanitizing, analysis or report.
func plainZip(b *testing.B, dir *spool.Dir, out string) int64 {
	f, err := os.Create(out)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	filepath.Walk(dir.Path(), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir.Path(), p)
		w, err := zw.CreateHeader(&zip.FileHeader{Name: filepath.ToSlash(rel), Method: zip.Deflate})
		if err != nil {
			return err
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(w, src)
		return err
	})
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	st, _ := f.Stat()
	return st.Size()
}

// cpuTime is the CPU time of the process so far (user + system): on a
// shared, busy machine it says more than the wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchWrite(b *testing.B, f spoolFixture, budget int64) {
	dir := makeSpool(b, f)
	out := b.TempDir()
	b.ResetTimer()
	cpu0 := cpuTime()
	defer func() { b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op") }()
	var size int64
	var actions int
	for i := 0; i < b.N; i++ {
		res, err := Write(context.Background(), dir, filepath.Join(out, "b.zip"), Options{Budget: budget})
		if err != nil {
			b.Fatal(err)
		}
		size, actions = res.Size, len(res.Manifest.Budget.Actions)
	}
	b.ReportMetric(float64(size)/(1<<20), "MB")
	b.ReportMetric(float64(actions), "actions")
}

func benchPlain(b *testing.B, f spoolFixture) {
	dir := makeSpool(b, f)
	out := filepath.Join(b.TempDir(), "plain.zip")
	b.ResetTimer()
	cpu0 := cpuTime()
	defer func() { b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op") }()
	var size int64
	for i := 0; i < b.N; i++ {
		size = plainZip(b, dir, out)
	}
	b.ReportMetric(float64(size)/(1<<20), "MB")
}

// BenchmarkPack100MBInto25MB is the packing goal (< 3 s).
func BenchmarkPack100MBInto25MB(b *testing.B) { benchWrite(b, bigSession(b), DefaultBudget) }

// BenchmarkPlainZip100MB is its baseline: zipping the same spool as it is.
func BenchmarkPlainZip100MB(b *testing.B) { benchPlain(b, bigSession(b)) }

// BenchmarkBundle500Requests is the bundle part of Stop→bundle (< 3 s).
func BenchmarkBundle500Requests(b *testing.B) { benchWrite(b, session500(b), DefaultBudget) }

// BenchmarkPlainZip500Requests is its baseline.
func BenchmarkPlainZip500Requests(b *testing.B) { benchPlain(b, session500(b)) }

// writeBigHAR writes a HAR of n fetches of kb KB of random bytes each
// (base64 in the HAR, as Chromium reports an octet-stream body) straight
// to the spool, one entry at a time: the recording of the test app's
// /bench/page?n=2000&kb=100, without holding it in memory.
func writeBigHAR(b testing.TB, dir *spool.Dir, n, kb int) {
	f, err := os.Create(dir.Join("session.har"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(`{"log":{"version":"1.2","creator":{"name":"reprokit","version":"test"},"pages":[],"entries":[`)
	for i := 0; i < n; i++ {
		e := withType(entry("GET", fmt.Sprintf("http://127.0.0.1:8080/bench/data/%d?kb=%d", i, kb), 200, float64(i), 5), "fetch")
		if i == 0 {
			e = withType(withBody(entry("GET", "http://127.0.0.1:8080/bench/page", 200, 0, 20), "text/html", "<html><title>bench</title></html>"), "document")
		} else {
			e.Response.Content = har.Content{MimeType: "application/octet-stream", Text: randomBase64(kb<<10, uint64(i)), Encoding: "base64", Size: int64(kb << 10)}
		}
		data, err := json.Marshal(e)
		if err != nil {
			b.Fatal(err)
		}
		if i > 0 {
			w.WriteByte(',')
		}
		w.Write(data)
	}
	w.WriteString("]}}\n")
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkWrite200MBNoBudget bundles a recording of 2,000 requests with
// 200 MB of bodies with no size budget (`--budget 0`) and reports the
// process's peak RSS while writing (peakRSS-MB, measured from a reset
// high-water mark after the fixture is written and freed). The goal: far
// below the recording's size, not a multiple of it.
func BenchmarkWrite200MBNoBudget(b *testing.B) {
	f := sampleSession(b)
	f.entries = f.entries[:1]
	dir := makeSpool(b, f)
	writeBigHAR(b, dir, 2000, 100)
	out := b.TempDir()
	var size, peak int64
	cpu0 := cpuTime()
	defer func() { b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op") }()
	for b.Loop() {
		runtime.GC()
		debug.FreeOSMemory()
		resetPeakRSS()
		res, err := Write(context.Background(), dir, filepath.Join(out, "b.zip"), Options{Budget: NoBudget})
		if err != nil {
			b.Fatal(err)
		}
		size = res.Size
		peak = max(peak, peakRSS())
	}
	b.ReportMetric(float64(size)/(1<<20), "MB")
	b.ReportMetric(float64(peak)/(1<<20), "peakRSS-MB")
}

// resetPeakRSS resets the process's RSS high-water mark (Linux).
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is the process's RSS high-water mark (VmHWM, Linux), 0 elsewhere.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkPack100MBInto25MBSealed is BenchmarkPack100MBInto25MB sealed
// to two age recipients; scripts/bench.d/bundle.sh prints its ratio to the
// unsealed run (goal: sealing adds at most 5%).
func BenchmarkPack100MBInto25MBSealed(b *testing.B) {
	var rs []seal.Recipient
	for range 2 {
		_, pub, err := seal.GenerateIdentity()
		if err != nil {
			b.Fatal(err)
		}
		r, err := seal.ParseRecipient(pub)
		if err != nil {
			b.Fatal(err)
		}
		rs = append(rs, r)
	}
	dir := makeSpool(b, bigSession(b))
	out := b.TempDir()
	b.ResetTimer()
	cpu0 := cpuTime()
	defer func() { b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op") }()
	var size int64
	for i := 0; i < b.N; i++ {
		res, err := Write(context.Background(), dir, filepath.Join(out, "b.zip"), Options{Budget: DefaultBudget, SealTo: rs})
		if err != nil {
			b.Fatal(err)
		}
		if !strings.HasSuffix(res.Path, ".zip.age") || res.Size > DefaultBudget {
			b.Fatalf("sealed bundle %s of %d bytes (budget %d)", res.Path, res.Size, DefaultBudget)
		}
		size = res.Size
	}
	b.ReportMetric(float64(size)/(1<<20), "MB")
}

// benchOpen opens (the reading half of inspect and report) a 25 MB bundle
// packed from BenchmarkPack100MBInto25MB's spool, sealed or not; bundle.sh
// prints the sealed run against the plain one (goal: within 10%).
func benchOpen(b *testing.B, sealed bool) {
	var rs []seal.Recipient
	var ids []seal.Identity
	if sealed {
		text, pub, err := seal.GenerateIdentity()
		if err != nil {
			b.Fatal(err)
		}
		key := filepath.Join(b.TempDir(), "team.key")
		os.WriteFile(key, []byte(text), 0o600)
		if ids, err = seal.LoadIdentities([]string{key}); err != nil {
			b.Fatal(err)
		}
		r, _ := seal.ParseRecipient(pub)
		rs = []seal.Recipient{r}
	}
	dir := makeSpool(b, bigSession(b))
	res, err := Write(context.Background(), dir, filepath.Join(b.TempDir(), "b.zip"), Options{Budget: DefaultBudget, SealTo: rs})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	defer func() { b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op") }()
	for i := 0; i < b.N; i++ {
		path, cleanup := res.Path, func() {}
		if sealed {
			if path, cleanup, err = seal.OpenPrivate(res.Path, ids); err != nil {
				b.Fatal(err)
			}
		}
		bd, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		bd.Summary()
		cleanup()
	}
	b.ReportMetric(float64(res.Size)/(1<<20), "MB")
}

func BenchmarkOpen25MB(b *testing.B)       { benchOpen(b, false) }
func BenchmarkOpen25MBSealed(b *testing.B) { benchOpen(b, true) }
