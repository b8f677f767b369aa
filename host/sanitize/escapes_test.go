package sanitize

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// hasEscape is what it says at every split of a write: the same answer as
// a plain search of the whole text for \x, \u and &#.
func TestHasEscapeFindsEveryEscapeAtEverySplit(t *testing.T) {
	g := rand.New(rand.NewPCG(3, 4))
	const alphabet = `\&#xuab"{} `
	for n := 0; n < 4000; n++ {
		b := make([]byte, g.IntN(40))
		for i := range b {
			b[i] = alphabet[g.IntN(len(alphabet))]
		}
		want := bytes.Contains(b, []byte(`\x`)) || bytes.Contains(b, []byte(`\u`)) || bytes.Contains(b, []byte("&#"))
		for cut := 0; cut <= len(b); cut++ {
			var last byte
			got := hasEscape(last, b[:cut])
			if cut > 0 {
				last = b[cut-1]
			}
			got = got || hasEscape(last, b[cut:])
			if got != want {
				t.Fatalf("%q split at %d: hasEscape says %v, want %v", b, cut, got, want)
			}
		}
	}
}

// A HAR whose output holds an escape gets the escape forms of its
// secrets searched and scrubbed; one that holds none skips them and
// still writes every secret as its tag.
func TestEscapeFormsAreSearchedWhenTheOutputHoldsAnEscape(t *testing.T) {
	secret := "Zk29vLq8XcP3nR7tW1yB6mH4dF0sJ5gA"
	var esc strings.Builder
	for _, c := range secret {
		esc.WriteString(`\\x`)
		esc.WriteString(strings.ToLower(string("0123456789abcdef"[c>>4])) + string("0123456789abcdef"[c&15]))
	}
	har := `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[` +
		`{"request":{"method":"GET","url":"https://a.example/","headers":[{"name":"Authorization","value":"Bearer ` + secret + `"}]},` +
		`"response":{"status":200,"headers":[],"content":{"mimeType":"text/plain","text":"key ` + esc.String() + `"}}}]}}`
	var out bytes.Buffer
	r := New(nil)
	if err := r.HAR(&out, strings.NewReader(har)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), esc.String()) || strings.Contains(out.String(), secret) {
		t.Fatalf("the secret or its \\x form survived: %s", out.String())
	}
}
