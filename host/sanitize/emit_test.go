package sanitize

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// reencode is what the walk wrote before jsonOut: every token of doc
// through a jsontext.Encoder with encodeOptions.
func reencode(t testing.TB, doc []byte) ([]byte, bool) {
	dec := jsontext.NewDecoder(bytes.NewReader(doc), decodeOptions...)
	var out bytes.Buffer
	enc := jsontext.NewEncoder(&out, encodeOptions...)
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			return out.Bytes(), true
		}
		if err != nil {
			return nil, false
		}
		if err := enc.WriteToken(tok); err != nil {
			t.Fatalf("jsontext cannot write back what it read: %v", err)
		}
	}
}

// emit streams doc through the walk's streamer with nothing to sanitize.
func emit(doc []byte, harParts bool) ([]byte, error) {
	var out bytes.Buffer
	dec := jsontext.NewDecoder(bytes.NewReader(doc), decodeOptions...)
	s := &streamer{dec: dec, out: &jsonOut{w: &out}, loc: &locator{}, visit: func(*locator, *node) {}}
	s.whole = func(path []string) bool { return len(path) >= 2 }
	if harParts {
		s.whole = harWhole
	}
	err := s.run()
	return out.Bytes(), err
}

func checkEmitMatchesJSONText(t *testing.T, doc []byte) {
	t.Helper()
	want, ok := reencode(t, doc)
	if ok { // a whole tree: jsonOut.node against writeNode (numbers go through WriteValue)
		n, err := readNode(jsontext.NewDecoder(bytes.NewReader(doc), decodeOptions...), 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		var ref, got bytes.Buffer
		enc := jsontext.NewEncoder(&ref, encodeOptions...)
		if err := writeNode(enc, n); err != nil {
			t.Fatal(err)
		}
		o := &jsonOut{w: &got}
		o.node(n)
		o.byte('\n')
		o.flush()
		if !bytes.Equal(got.Bytes(), ref.Bytes()) {
			t.Fatalf("jsonOut.node and writeNode differ on %.200q", doc)
		}
	}
	for _, har := range []bool{true, false} {
		got, err := emit(doc, har)
		if !ok {
			if err == nil {
				t.Fatalf("jsontext refuses %q, the streamer accepts it", doc)
			}
			return
		}
		if err != nil {
			t.Fatalf("the streamer refuses %q: %v", doc, err)
		}
		if !bytes.Equal(got, want) {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Fatalf("the output differs from jsontext's at byte %d:\n got %q\nwant %q", i, got[max(0, i-40):min(len(got), i+40)], want[max(0, i-40):min(len(want), i+40)])
		}
	}
}

func TestWrittenJSONIsByteForByteWhatJSONTextWrites(t *testing.T) {
	files, _ := filepath.Glob("testdata/formats/*.har")
	files = append(files, "testdata/leak-corpus.har")
	for _, f := range files {
		doc, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkEmitMatchesJSONText(t, doc)
	}
	var bench bytes.Buffer
	writeBenchHAR(&bench, 2<<20)
	checkEmitMatchesJSONText(t, bench.Bytes())
	for _, doc := range []string{
		`{}`, `[]`, `"x"`, `1.50e+3`, `-0`, `null`, ` [true,false,null] `, `{"log":{"entries":[{},[],1,"a"]}}`,
		`{"a":"\u0000\u001f\b\f\n\r\t\"\\\/ \u2028\u2029 <>& é \ud83d\ude00 \ud800 \udc00"}`,
		"{\"a\":\"\xff\xfe invalid \xc3 utf8 \xe2\x82\"}",
		`{"a":{"a":1,"a":2},"b":[1,[2,[3,{"c":"d"}]]]}`,
		`{"` + strings.Repeat(`x\"y\\z`, 50) + `":"` + strings.Repeat("abcdefgh\u00e9\n", 30) + `"}`,
	} {
		checkEmitMatchesJSONText(t, []byte(doc))
	}
}

func FuzzQuoteMatchesJSONText(f *testing.F) {
	for _, s := range []string{"", "plain ascii text", "\x00\x1f\"\\\n", "é\xff\xc3(\u2028", "12345678\"12345678", strings.Repeat("a", 17) + "\x7f\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := jsontext.AppendQuote(nil, s)
		if err != nil { // invalid UTF-8: compare with what the encoder writes
			var b bytes.Buffer
			enc := jsontext.NewEncoder(&b, encodeOptions...)
			if err := enc.WriteToken(jsontext.String(s)); err != nil {
				t.Fatal(err)
			}
			want = bytes.TrimSuffix(b.Bytes(), []byte("\n"))
		}
		if got := appendQuoted(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendQuoted(%q) = %q, jsontext writes %q", s, got, want)
		}
	})
}

func FuzzCountDigits(f *testing.F) {
	for _, s := range []string{"", "0123456789", "a1b2c3d4e5f6g7h8i9", "\xb0\xb9/:09\x30\x39\xff12345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := 0
		for i := 0; i < len(s); i++ {
			if s[i] >= '0' && s[i] <= '9' {
				want++
			}
		}
		if got := countDigits(s); got != want {
			t.Fatalf("countDigits(%q) = %d, want %d", s, got, want)
		}
	})
}

// A JSON body that the walk changes is written back compactly, byte for
// byte as jsontext writes it (jsonDoc used a jsontext.Encoder before
// jsonOut).
func TestChangedJSONBodiesAreWrittenAsJSONTextWouldWriteThem(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "leak-corpus.har"))
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	var collect func(v any)
	collect = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, c := range v {
				collect(c)
			}
		case []any:
			for _, c := range v {
				collect(c)
			}
		case string:
			if t := strings.TrimSpace(v); t != "" && (t[0] == '{' || t[0] == '[') && json.Valid([]byte(t)) {
				bodies = append(bodies, v)
				var pretty bytes.Buffer
				json.Indent(&pretty, []byte(t), " ", "\t")
				bodies = append(bodies, pretty.String())
			}
		}
	}
	var doc any
	json.Unmarshal(raw, &doc)
	collect(doc)
	bodies = append(bodies, `{"a":"\u0000\u001f\b\f\n\r\t\"\\\/ \u2028 <>& é \ud83d\ude00 \ud800","password":"hunter2hunter2","n":[1.5e3,-0,true,false,null,{}],"pin":1234}`,
		"{\"password\":\"x\xff\xfe\",\"k\":\"\xc3\"}")
	r := New(nil)
	changed := 0
	for _, b := range bodies {
		out, ok := r.jsonDoc(&locator{file: "t"}, b, textCtx{})
		if !ok || out == b {
			continue
		}
		changed++
		want, ok := reencode(t, []byte(out))
		if !ok || string(bytes.TrimSuffix(want, []byte("\n"))) != out {
			t.Fatalf("body written as\n%s\njsontext writes\n%s", out, want)
		}
	}
	if changed < 20 {
		t.Fatalf("only %d of %d bodies changed: the test proves little", changed, len(bodies))
	}
}
