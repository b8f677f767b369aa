package sanitize

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
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
	f.Fuzz(func(t *testing.T, doc []byte) {
		sanitizeBothWays(t, doc, true)
	})
}
