package sanitize

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
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

// Text that shortProse lets text skip is text in which no pass finds
// anything: the same output, the same report, with and without the
// shortcut, on prose built from words that name secrets and labels.
func TestShortProseIsTextNoPassChanges(t *testing.T) {
	words := strings.Fields("token key is the password secret bearer Bearer serial SERIAL api auth sid pwd my pin code otp hunter abc xyzzyq AbCdEfG ab cd " +
		"abcdefghijk workspaces AKIAIOSFODNNSEXAMPLE ghpxoxbABCDEFGHIJ 4111111111111111 ada@example.org 9fQ2xL7vK3pZ8wR1tY6uB4nM0cH5jD2s 203.0.113.45 S/N")
	seps := []string{" ", ", ", "! ", "? ", "  "}
	g := rand.New(rand.NewPCG(5, 6))
	skipped := 0
	r := New(nil)
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		for k := g.IntN(9); k >= 0; k-- {
			b.WriteString(words[g.IntN(len(words))])
			if k > 0 || g.IntN(3) == 0 {
				b.WriteString(seps[g.IntN(len(seps))])
			}
		}
		s := b.String()
		if shortProse(s) {
			skipped++
		}
		before := r.total
		got := r.text(&locator{}, s, textCtx{ip: true})
		mid := r.total
		shortProseOff = true
		want := r.text(&locator{}, s, textCtx{ip: true})
		shortProseOff = false
		if got != want || mid-before != r.total-mid {
			t.Fatalf("%q: with the shortcut %q (%d redactions), without %q (%d)", s, got, mid-before, want, r.total-mid)
		}
	}
	if skipped < 2000 {
		t.Fatalf("only %d of 20000 texts were short prose: the test proves little", skipped)
	}
}

// Verify searches a file's escape forms from its first escape on: a
// value's \x form after a long stretch without escapes is found, read
// whole or a byte at a time (the escape split across reads).
func TestVerifyFindsAnEscapeFormAfterAStretchWithoutEscapes(t *testing.T) {
	secret := "Zk29vLq8XcP3nR7tW1yB6mH4dF0sJ5gA"
	var esc strings.Builder
	for i := 0; i < len(secret); i++ {
		c := secret[i]
		esc.WriteString(`\x` + string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15]))
	}
	r := New(nil)
	if err := r.HAR(io.Discard, strings.NewReader(`{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[`+
		`{"request":{"method":"GET","url":"https://a.example/","headers":[{"name":"Authorization","value":"Bearer `+secret+`"}]},"response":{"status":200,"headers":[],"content":{"mimeType":"text/plain","text":"ok"}}}]}}`)); err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("plain line of text without any escape\n", 20000) + "var k = '" + esc.String() + "';\n"
	for _, rd := range []struct {
		name string
		r    io.Reader
	}{{"whole", strings.NewReader(text)}, {"a byte at a time", iotest.OneByteReader(strings.NewReader(text))}} {
		fs, err := r.Verify("page.js", rd.r)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) == 0 {
			t.Errorf("%s: Verify found nothing in a file holding the secret's \\x form", rd.name)
		}
		fs, err = r.VerifyBytes("page.js", []byte(text))
		if err != nil || len(fs) == 0 {
			t.Errorf("VerifyBytes found %v (%v) in a file holding the secret's \\x form", fs, err)
		}
	}
}
