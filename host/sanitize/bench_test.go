package sanitize

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The benchmark HAR: a generated recording that looks like a busy web app
// (JSON APIs with tokens, scripts, HTML, images, websockets), written by
// writeBenchHAR. scripts/bench.d/sanitize.sh makes a 200 MB one and runs
// the benchmarks below on it through REPROKIT_BENCH_HAR.

var benchWords = strings.Fields("project settings user account billing invoice status active pending error warning info message title description created updated deleted owner member team workspace plan enterprise business free trial feature flag experiment variant control render component button input form field label value option select checkbox modal dialog toast spinner loading success failure retry timeout network request response header body cookie cache")

func benchEntry(g *rand.Rand, i int) map[string]any {
	word := func() string { return benchWords[g.IntN(len(benchWords))] }
	tok := func(n int) string {
		const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		b := make([]byte, n)
		for k := range b {
			b[k] = a[g.IntN(len(a))]
		}
		return string(b)
	}
	sentence := func(n int) string {
		var b strings.Builder
		for k := 0; k < n; k++ {
			if k > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(word())
		}
		return b.String()
	}
	jwt := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"k1"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"user_`+strconv.Itoa(g.IntN(1000))+`","iss":"https://id.example.com","exp":1893456000}`)) + "." + tok(43)
	u := fmt.Sprintf("https://app.example.com/api/v2/%s/%d/%s?page=%d&sort=%s", word(), g.IntN(100000), word(), g.IntN(50), word())
	e := newEntry(u)
	for _, h := range harmlessHeaders[:22] {
		e.reqHeader(h[0], h[1])
	}
	e.reqHeader("authorization", "Bearer "+jwt)
	e.reqHeader("cookie", "sid="+tok(32)+"; _ga=GA1.1."+strconv.Itoa(g.IntN(1e9))+".1764150000; theme=dark; csrftoken="+tok(32))
	e.reqHeader("x-request-id", "req_"+tok(24))
	e.req()["cookies"] = []any{nv("sid", tok(32)), nv("theme", "dark")}
	e.query("page", strconv.Itoa(g.IntN(50)))
	e.query("sort", word())
	for _, h := range harmlessHeaders[26:48] {
		e.respHeader(h[0], h[1])
	}
	switch k := i % 20; {
	case k < 8: // JSON API
		var items []any
		n := 10 + g.IntN(120)
		for j := 0; j < n; j++ {
			items = append(items, map[string]any{
				"id": "prj_" + tok(12), "name": sentence(3), "description": sentence(12), "status": word(),
				"owner": map[string]any{"id": g.IntN(1e6), "name": sentence(2), "email": "user" + strconv.Itoa(g.IntN(1e5)) + "@example.com"},
				"url":   "https://app.example.com/p/" + tok(10), "created_at": "2026-11-26T10:00:00Z", "count": g.IntN(1000), "enabled": g.IntN(2) == 1,
			})
		}
		b, _ := json.Marshal(map[string]any{"data": items, "next_cursor": tok(24), "total": n})
		e.body("application/json; charset=utf-8", string(b))
		if k == 0 {
			e.post("application/json", `{"query":"`+sentence(5)+`","password":"`+tok(16)+`"}`)
		}
	case k < 13: // script
		var b strings.Builder
		for b.Len() < 30000+g.IntN(150000) {
			fmt.Fprintf(&b, "function %s_%d(e,t){var n=e.%s||\"%s\";return t.%s(n,%d)&&this.%s}", word(), g.IntN(1e4), word(), sentence(4), word(), g.IntN(1e5), word())
			if g.IntN(40) == 0 {
				fmt.Fprintf(&b, "fetch(\"https://api.example.com/v1/%s?x=%d\");", word(), g.IntN(100))
			}
		}
		e.body("application/javascript", b.String())
	case k < 15: // HTML
		var b strings.Builder
		b.WriteString(`<!doctype html><html><head><meta charset="utf-8"><meta name="csrf-token" content="` + tok(40) + `"><title>` + sentence(3) + `</title></head><body>`)
		for b.Len() < 20000+g.IntN(40000) {
			fmt.Fprintf(&b, `<div class="%s %s"><a href="/%s/%d">%s</a><p>%s</p></div>`, word(), word(), word(), g.IntN(1000), sentence(3), sentence(20))
		}
		b.WriteString(`<form><input type="hidden" name="authenticity_token" value="` + tok(40) + `"></form></body></html>`)
		e.body("text/html; charset=utf-8", b.String())
	case k < 18: // image
		img := make([]byte, 5000+g.IntN(40000))
		for j := range img {
			img[j] = byte(g.IntN(256))
		}
		e.resp()["content"] = map[string]any{"size": len(img), "mimeType": "image/png", "text": base64.StdEncoding.EncodeToString(img), "encoding": "base64"}
	default: // websocket
		for j := 0; j < 50; j++ {
			e.ws(1, `{"type":"`+word()+`","id":`+strconv.Itoa(j)+`,"payload":{"text":"`+sentence(10)+`"}}`)
		}
	}
	return e.m
}

// writeBenchHAR writes a generated HAR of about size bytes.
func writeBenchHAR(w io.Writer, size int64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	g := rand.New(rand.NewPCG(1, 2))
	fmt.Fprint(bw, `{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"pages":[{"startedDateTime":"2026-11-26T10:00:00.000Z","id":"page_1","title":"https://app.example.com/","pageTimings":{"onContentLoad":100,"onLoad":200}}],"entries":[`)
	var written int64
	for i := 0; written < size; i++ {
		if i > 0 {
			bw.WriteByte(',')
		}
		b, err := json.MarshalIndent(benchEntry(g, i), "  ", "  ")
		if err != nil {
			return err
		}
		bw.Write(b)
		written += int64(len(b)) + 1
	}
	fmt.Fprint(bw, "]}}\n")
	return bw.Flush()
}

// TestWriteBenchHAR writes the benchmark HAR when REPROKIT_BENCH_HAR names
// a file (REPROKIT_BENCH_MB its size, default 200); it is skipped otherwise.
func TestWriteBenchHAR(t *testing.T) {
	path := os.Getenv("REPROKIT_BENCH_HAR")
	if path == "" || os.Getenv("REPROKIT_BENCH_WRITE") == "" {
		t.Skip("set REPROKIT_BENCH_HAR and REPROKIT_BENCH_WRITE=1 to write the benchmark HAR")
	}
	mb, _ := strconv.Atoi(os.Getenv("REPROKIT_BENCH_MB"))
	if mb <= 0 {
		mb = 200
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := writeBenchHAR(f, int64(mb)<<20); err != nil {
		t.Fatal(err)
	}
}

// benchInput returns the benchmark HAR: the file REPROKIT_BENCH_HAR, or a
// generated 8 MB one in memory.
func benchInput(b *testing.B) (open func() io.ReadCloser, size int64) {
	if path := os.Getenv("REPROKIT_BENCH_HAR"); path != "" {
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		return func() io.ReadCloser {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			return f
		}, st.Size()
	}
	var buf bytes.Buffer
	writeBenchHAR(&buf, 8<<20)
	data := buf.Bytes()
	return func() io.ReadCloser { return io.NopCloser(bytes.NewReader(data)) }, int64(len(data))
}

// peakRSS reports the process's peak resident set size in MB (VmHWM).
func peakRSS(b *testing.B) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			b.ReportMetric(float64(kb)/1024, "peak-RSS-MB")
		}
	}
}

// BenchmarkSanitizeHAR sanitizes the benchmark HAR into io.Discard.
func BenchmarkSanitizeHAR(b *testing.B) {
	open, size := benchInput(b)
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in := open()
		if err := New(nil).HAR(io.Discard, in); err != nil {
			b.Fatal(err)
		}
		in.Close()
	}
	b.StopTimer()
	peakRSS(b)
}

// BenchmarkSanitizeHARPassOne is the sanitizing walk alone, without the
// consistency pass that HAR adds (search of the output, scrub or copy):
// the ratio of the two is that pass's cost.
func BenchmarkSanitizeHARPassOne(b *testing.B) {
	open, size := benchInput(b)
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in := open()
		if err := New(nil).stream(io.Discard, in, "session.har", true, true); err != nil {
			b.Fatal(err)
		}
		in.Close()
	}
	b.StopTimer()
	peakRSS(b)
}

// BenchmarkSanitizeAndVerifyHAR is what `reprokit sanitize` does: sanitize,
// then the fail-closed rescan of the output.
func BenchmarkSanitizeAndVerifyHAR(b *testing.B) {
	open, size := benchInput(b)
	b.SetBytes(size)
	tmp, err := os.CreateTemp(b.TempDir(), "out-*.har")
	if err != nil {
		b.Fatal(err)
	}
	defer tmp.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tmp.Truncate(0)
		tmp.Seek(0, io.SeekStart)
		in := open()
		r := New(nil)
		if err := r.HAR(tmp, in); err != nil {
			b.Fatal(err)
		}
		in.Close()
		tmp.Seek(0, io.SeekStart)
		if fs, err := r.Verify("session.har", tmp); err != nil || len(fs) > 0 {
			b.Fatal(err, fs)
		}
	}
	b.StopTimer()
	peakRSS(b)
}

// BenchmarkJSONRoundTrip is the baseline: encoding/json decodes the same
// HAR into generic values and encodes it back.
func BenchmarkJSONRoundTrip(b *testing.B) {
	open, size := benchInput(b)
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in := open()
		var v any
		if err := json.NewDecoder(in).Decode(&v); err != nil {
			b.Fatal(err)
		}
		if err := json.NewEncoder(io.Discard).Encode(v); err != nil {
			b.Fatal(err)
		}
		in.Close()
	}
	b.StopTimer()
	peakRSS(b)
}

// BenchmarkConsistencySearch is the search for redacted values that
// HAR's consistency pass and Verify run over a sanitized output.
func BenchmarkConsistencySearch(b *testing.B) {
	open, _ := benchInput(b)
	in := open()
	r := New(nil)
	var out bytes.Buffer
	if err := r.stream(&out, in, "session.har", true, true); err != nil {
		b.Fatal(err)
	}
	in.Close()
	s := r.searcher(true)
	b.SetBytes(int64(out.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sr := &searchReader{r: bytes.NewReader(out.Bytes()), s: s}
		if err := sr.drain(); err != nil {
			b.Fatal(err)
		}
		sr.finish()
		if len(sr.hits) > 0 {
			b.Fatalf("%d hits in a consistent output", len(sr.hits))
		}
	}
	b.ReportMetric(float64(len(s.entries)), "forms")
}

// sanitizedBench is the benchmark HAR sanitized, and its Redactor.
func sanitizedBench(b *testing.B) (*Redactor, []byte) {
	open, _ := benchInput(b)
	in := open()
	defer in.Close()
	r := New(nil)
	var out bytes.Buffer
	if err := r.HAR(&out, in); err != nil {
		b.Fatal(err)
	}
	return r, out.Bytes()
}

// BenchmarkVerifyHAR is the fail-closed rescan of a sanitized HAR as the
// bundle held it before VerifyBytes: Verify of a bytes.Reader, one core.
func BenchmarkVerifyHAR(b *testing.B) {
	r, data := sanitizedBench(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if fs, err := r.Verify("session.har", bytes.NewReader(data)); err != nil || len(fs) > 0 {
			b.Fatal(err, fs)
		}
	}
}

// BenchmarkVerifyBytesHAR is the same rescan with VerifyBytes, which uses
// every core (GOMAXPROCS).
func BenchmarkVerifyBytesHAR(b *testing.B) {
	r, data := sanitizedBench(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if fs, err := r.VerifyBytes("session.har", data); err != nil || len(fs) > 0 {
			b.Fatal(err, fs)
		}
	}
}

// BenchmarkSanitizeAndVerifyBytesHAR is what the bundle does with a HAR:
// sanitize it into memory, then VerifyBytes (every core) on those bytes.
func BenchmarkSanitizeAndVerifyBytesHAR(b *testing.B) {
	open, size := benchInput(b)
	b.SetBytes(size)
	var out bytes.Buffer
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out.Reset()
		in := open()
		r := New(nil)
		if err := r.HAR(&out, in); err != nil {
			b.Fatal(err)
		}
		in.Close()
		if fs, err := r.VerifyBytes("session.har", out.Bytes()); err != nil || len(fs) > 0 {
			b.Fatal(err, fs)
		}
	}
}

// BenchmarkSanitizeHARNoReadAhead is BenchmarkSanitizeHAR with the
// read-ahead goroutine off: with two cores or more, the ratio of the two
// is what reading ahead gains (with one core they are the same walk).
func BenchmarkSanitizeHARNoReadAhead(b *testing.B) {
	saved := pipelineStreams
	pipelineStreams = false
	defer func() { pipelineStreams = saved }()
	BenchmarkSanitizeHAR(b)
}
