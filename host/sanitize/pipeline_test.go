package sanitize

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
)

// twin returns a new Redactor with r's key: the same input gives it the
// same tags.
func twin(r *Redactor) *Redactor {
	t := New(r.policy)
	t.key = r.key
	t.mac = hmac.New(sha256.New, r.key)
	t.seed = r.seed
	return t
}

// sanitizeBothWays sanitizes doc with and without reading ahead, with the
// same key, and fails unless output, error and report are the same.
func sanitizeBothWays(t *testing.T, doc []byte, har bool) {
	t.Helper()
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	run := func(r *Redactor, ahead bool) (string, string, Report) {
		saved := pipelineStreams
		pipelineStreams = ahead
		defer func() { pipelineStreams = saved }()
		var out bytes.Buffer
		var err error
		if har {
			err = r.HAR(&out, bytes.NewReader(doc))
		} else {
			err = r.JSON(&out, bytes.NewReader(doc), "console.json")
		}
		return out.String(), fmt.Sprint(err), r.Report()
	}
	a := New(nil)
	b := twin(a)
	out1, err1, rep1 := run(a, false)
	out2, err2, rep2 := run(b, true)
	if out1 != out2 || err1 != err2 || !reflect.DeepEqual(rep1, rep2) {
		t.Fatalf("reading ahead changes the result of %.80q:\nerror %s / %s\nreport %d / %d redactions\noutput equal: %v", doc, err1, err2, rep1.Total, rep2.Total, out1 == out2)
	}
}

func TestReadingAheadGivesTheSameBytesAndReport(t *testing.T) {
	files, _ := filepath.Glob("testdata/formats/*.har")
	files = append(files, "testdata/leak-corpus.har")
	for _, f := range files {
		doc, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sanitizeBothWays(t, doc, true)
		sanitizeBothWays(t, doc, false)
		sanitizeBothWays(t, doc[:len(doc)/2], true) // truncated: the same InputError
	}
	var bench bytes.Buffer
	writeBenchHAR(&bench, 3<<20)
	sanitizeBothWays(t, bench.Bytes(), true)
	for _, doc := range []string{`{}`, `[]`, `"sk-proj-Zx8kLm2Pq9Rt4Vw7Bn3Cd6Fg1Hj5Kl0Qs2Tu4Wy6"`, `{"log":{"entries":[]}} x`, `{"log":{"entries":[{"a":1},]}}`,
		`[{"message":"token=Zx8kLm2Pq9Rt4Vw7Bn3Cd6Fg1Hj5Kl0Q","args":[1,2,{"password":"hunter22"}]},{"m":2}]`} {
		sanitizeBothWays(t, []byte(doc), true)
		sanitizeBothWays(t, []byte(doc), false)
	}
	// many small values: several batches of events
	var many []any
	for i := 0; i < 500; i++ {
		many = append(many, map[string]any{"i": i, "password": fmt.Sprintf("pw-%d-Xy7", i), "list": []any{i, "x"}})
	}
	doc, _ := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2", "entries": many, "pages": many[:50]}})
	sanitizeBothWays(t, doc, true)
	doc, _ = json.Marshal(many)
	sanitizeBothWays(t, doc, false)
}

// FuzzReadAhead: reading ahead never changes the result.
func FuzzReadAhead(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	r := New(nil)
	raw, _ := os.ReadFile(filepath.Join("testdata", "leak-corpus.har"))
	r.HAR(io.Discard, bytes.NewReader(raw)) // values for the search to find
	f.Fuzz(func(t *testing.T, doc []byte) {
		sanitizeBothWays(t, doc, true)
		verifyBothWays(t, r, "session.har", doc)
	})
}

// verifyBothWays verifies doc on one goroutine and with the trees walked
// in parallel, and fails unless the findings are the same, in order.
func verifyBothWays(t *testing.T, r *Redactor, name string, doc []byte) int {
	t.Helper()
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	run := func(ahead bool) ([]Finding, string) {
		saved := pipelineStreams
		pipelineStreams = ahead
		defer func() { pipelineStreams = saved }()
		fs, err := r.Verify(name, bytes.NewReader(doc))
		return fs, fmt.Sprint(err)
	}
	f1, e1 := run(false)
	f2, e2 := run(true)
	if e1 != e2 || !reflect.DeepEqual(f1, f2) {
		t.Fatalf("%s: walking trees in parallel changes the findings of %.80q:\n%v, %s\n%v, %s", name, doc, f1, e1, f2, e2)
	}
	return len(f1)
}

func TestVerifyWalksTreesInParallelWithTheSameFindings(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "leak-corpus.har"))
	if err != nil {
		t.Fatal(err)
	}
	r := New(nil)
	var clean bytes.Buffer
	if err := r.HAR(&clean, bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	if n := verifyBothWays(t, r, "session.har", raw); n < 50 {
		t.Fatalf("only %d findings in the raw corpus: the test proves little", n)
	}
	verifyBothWays(t, r, "session.har", raw[:len(raw)/2])
	verifyBothWays(t, r, "console.json", raw)
	verifyBothWays(t, r, "session.har", clean.Bytes())
	// keys that the consumer sanitizes itself, between trees walked by workers
	keys := []byte(`{"outer":{"AKIAZ7Q3NXP5V2KL4MDR":{"password":"hunter22hunter"},"ghp_Q7vX2mK9pL4sT8wZ1cN5bH3jF6gD0aE2rT5y":"x",` +
		`"b":{"token":"Zx8kLm2Pq9Rt4Vw7Bn3Cd6Fg1Hj5Kl0Q"},"xoxb-2837465019-4829301746-Zk3mQ8vL2pX7nR5tY1wB9cJ4":[{"secret":"Qm7Xv2Lp9Rk4Tz8Wn3"}]}}`)
	if n := verifyBothWays(t, r, "console.json", keys); n < 6 {
		t.Fatalf("%d findings in keys and values: want 6", n)
	}
	many := []any{}
	for i := 0; i < maxLocations+50; i++ {
		many = append(many, map[string]any{"request": map[string]any{"url": fmt.Sprintf("https://x.example.com/?n=%d&password=pw-%d-Xy7z", i, i)}})
	}
	big, _ := json.Marshal(map[string]any{"log": map[string]any{"entries": many, "pages": many[:3]}})
	// past the cap of the rescan's locations (the search's hits follow)
	if n := verifyBothWays(t, r, "session.har", big); n < maxLocations {
		t.Fatalf("%d findings: want the cap of %d and more", n, maxLocations)
	}
}
