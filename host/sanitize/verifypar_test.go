package sanitize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// smallChunks makes VerifyBytes split even small HARs, on two workers.
func smallChunks(t *testing.T) {
	w, c := verifyWorkers, verifyChunk
	verifyWorkers, verifyChunk = 2, 300
	t.Cleanup(func() { verifyWorkers, verifyChunk = w, c })
}

func TestVerifyBytesFindsWhatVerifyFindsInTheSameOrder(t *testing.T) {
	smallChunks(t)
	raw, err := os.ReadFile(filepath.Join("testdata", "leak-corpus.har"))
	if err != nil {
		t.Fatal(err)
	}
	r := New(nil)
	var clean bytes.Buffer
	if err := r.HAR(&clean, bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	json.Compact(&compact, raw)
	cr := compact.String()
	var doc map[string]any
	json.Unmarshal(raw, &doc)
	entries := doc["log"].(map[string]any)["entries"].([]any)
	// the corpus's secrets pasted into the sanitized output: found by the
	// search for redacted values, at JSON pointers
	leaky := strings.Replace(clean.String(), `"entries":[`, `"entries":[{"comment":`+jsonQuote(fmt.Sprint(entries[3]))+`},`, 1)
	cases := map[string]struct {
		name string
		data string
	}{
		"raw corpus":                 {"session.har", string(raw)},
		"raw corpus, compact":        {"session.har", cr},
		"sanitized":                  {"session.har", clean.String()},
		"sanitized plus a leak":      {"session.har", leaky},
		"truncated":                  {"session.har", string(raw[:len(raw)*2/3])},
		"data after the document":    {"session.har", string(raw) + " {}"},
		"a broken entry":             {"session.har", strings.Replace(cr, `},{"_case"`, `},{"_case":,`, 1)},
		"a second log":               {"session.har", strings.Replace(cr, `{"log":{`, `{"log":{"entries":[]},"log":{`, 1)},
		"an escaped name":            {"session.har", strings.Replace(cr, `"entries":`, `"\u0065ntries":`, 1)},
		"a byte order mark":          {"session.har", "\xef\xbb\xbf" + string(raw)},
		"entries before the rest":    {"session.har", `{"log":{"entries":` + mustJSON(entries) + `,"version":"1.2","comment":"sk-proj-` + strings.Repeat("Ab3", 12) + `"}}`},
		"not a HAR":                  {"console.json", `[` + mustJSON(entries) + `]`},
		"text":                       {"SUPPORT_REQUEST.md", "notes\n" + string(raw[:4000]) + "\n"},
		"empty entries":              {"session.har", `{"log":{"version":"1.2","entries":[ ]}}`},
		"an entry that is no object": {"session.har", `{"log":{"entries":["sk-proj-` + strings.Repeat("Ab3", 12) + `", 12, null, [1,2]]}}`},
	}
	for label, c := range cases {
		want, err1 := r.Verify(c.name, strings.NewReader(c.data))
		got, err2 := r.VerifyBytes(c.name, []byte(c.data))
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%s: Verify error %v, VerifyBytes error %v", label, err1, err2)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: VerifyBytes found\n%v\nVerify found\n%v", label, got, want)
		}
		switch label {
		case "raw corpus", "sanitized plus a leak", "truncated", "entries before the rest", "an entry that is no object":
			if len(want) == 0 {
				t.Errorf("%s: no findings: the case proves nothing", label)
			}
		case "sanitized", "empty entries":
			if len(want) != 0 {
				t.Errorf("%s: findings %v", label, want)
			}
		}
	}
}

func TestHARsAreRescannedInParallelChunks(t *testing.T) {
	smallChunks(t)
	raw, err := os.ReadFile(filepath.Join("testdata", "leak-corpus.har"))
	if err != nil {
		t.Fatal(err)
	}
	sp := splitHAR(raw)
	if sp == nil || len(sp.entries) < 50 {
		t.Fatalf("the corpus was not split into its entries: %+v", sp)
	}
	r := New(nil)
	got, ok := r.rescanHARParallel("session.har", raw, sp, 2)
	if !ok {
		t.Fatal("the parallel rescan refused a valid HAR")
	}
	want, err := r.dryChild().scanStream("session.har", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 50 || !reflect.DeepEqual(got, want) {
		t.Fatalf("parallel rescan: %d findings, one piece: %d, or they differ", len(got), len(want))
	}
	for _, bad := range []string{`{"log":{"entries":[{},]}}`, `{"log":{"entries":[{} {}]}}`, `{"log":{"entries":[{"a":"b}]}}`, `{"log":{"entries":[]}} x`, `{"log":[]}`, `{"log":{"entries":{}}}`} {
		if sp := splitHAR([]byte(bad)); sp != nil {
			if _, ok := r.rescanHARParallel("session.har", []byte(bad), sp, 2); ok {
				t.Errorf("%s: accepted as a HAR in pieces", bad)
			}
		}
	}
}

func jsonQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestTheCasesOfVerifyBytesAreWhatTheyClaim(t *testing.T) {
	raw, _ := os.ReadFile(filepath.Join("testdata", "leak-corpus.har"))
	var compact bytes.Buffer
	json.Compact(&compact, raw)
	cr := compact.String()
	for _, edited := range []string{
		strings.Replace(cr, `},{"_case"`, `},{"_case":,`, 1),
		strings.Replace(cr, `{"log":{`, `{"log":{"entries":[]},"log":{`, 1),
		strings.Replace(cr, `"entries":`, `"\u0065ntries":`, 1),
	} {
		if edited == cr {
			t.Fatal("an edit of the corpus did not apply")
		}
		if splitHAR([]byte(edited)) != nil && !strings.Contains(edited, `"_case":,`) {
			t.Errorf("%.60s…: split although it must be rescanned in one piece", edited)
		}
	}
}

// FuzzVerifyBytes: on any input, VerifyBytes (split into chunks of a few
// entries, on two workers) finds what Verify finds, in the same order.
func FuzzVerifyBytes(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte(`{"log":{"entries":[{"a":"sk-proj-Ab3Ab3Ab3Ab3Ab3Ab3Ab3Ab3"} , "x\"]" ,[{"b":1}]],"pages":[]}}`))
	f.Add([]byte(`{"log":{"entries":[{},{}]}`))
	f.Add([]byte(` {"log" : {"entries" : [ ] } } `))
	r := New(nil)
	var clean bytes.Buffer
	raw, _ := os.ReadFile(filepath.Join("testdata", "leak-corpus.har"))
	r.HAR(&clean, bytes.NewReader(raw)) // values for the search to find
	f.Fuzz(func(t *testing.T, doc []byte) {
		w, c := verifyWorkers, verifyChunk
		verifyWorkers, verifyChunk = 2, 64
		defer func() { verifyWorkers, verifyChunk = w, c }()
		want, err1 := r.Verify("session.har", bytes.NewReader(doc))
		got, err2 := r.VerifyBytes("session.har", doc)
		if (err1 == nil) != (err2 == nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("VerifyBytes: %v, %v\nVerify: %v, %v", got, err2, want, err1)
		}
	})
}
