package sanitize

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// naiveHits is the reference search: every start position, one by one.
func naiveHits(s *searcher, data []byte) []int64 {
	var out []int64
	for p := 0; p+8 <= len(data); p++ {
		if s.find(data[p:]) != "" {
			out = append(out, int64(p))
		}
	}
	return out
}

func TestStridedSearchFindsEveryPlantedFormAtEveryOffset(t *testing.T) {
	r := New(nil)
	g := rand.New(rand.NewPCG(7, 8))
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-.%\"\\"
	var values []string
	for i := 0; i < 40; i++ {
		b := make([]byte, 8+g.IntN(60))
		for k := range b {
			b[k] = alpha[g.IntN(len(alpha))]
		}
		b[0] = 'x' // not only letters or digits (tooCommon)
		b[1] = '7'
		values = append(values, string(b))
		r.alsoSecret("token-header", string(b))
	}
	s := r.searcher(true)
	for trial := 0; trial < 200; trial++ {
		// filler, then forms of the values at random offsets, some
		// overlapping and some at the very end of the stream
		var data []byte
		for len(data) < 2000+g.IntN(3000) {
			if g.IntN(4) == 0 {
				fs := forms(values[g.IntN(len(values))])
				data = append(data, fs[g.IntN(len(fs))]...)
			} else {
				data = append(data, "the quick brown fox {\"a\":1}\n"[g.IntN(20):]...)
			}
		}
		if trial%2 == 0 {
			fs := forms(values[g.IntN(len(values))])
			data = append(data, fs[0]...)
		}
		want := naiveHits(s, data)
		// small, odd reads move the stream offsets against the stride
		for _, rd := range []io.Reader{bytes.NewReader(data), iotest.OneByteReader(bytes.NewReader(data)), iotest.HalfReader(bytes.NewReader(data))} {
			sr := &searchReader{r: rd, s: s}
			if _, err := io.Copy(io.Discard, struct{ io.Reader }{sr}); err != nil {
				t.Fatal(err)
			}
			sr.finish()
			var got []int64
			for _, h := range sr.hits {
				got = append(got, h.off)
			}
			if len(want) == 0 {
				t.Fatalf("trial %d: nothing planted was found by the reference search", trial)
			}
			if !equalInts(got, want) {
				t.Fatalf("trial %d: strided search found %v, every position %v", trial, got, want)
			}
		}
	}
}

func equalInts(a, b []int64) bool {
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
