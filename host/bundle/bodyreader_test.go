package bundle

import (
	"bufio"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/go-json-experiment/json/jsontext"
)

// The streamed body is the string the decoder makes of the whole: escapes,
// surrogate pairs, lone surrogates and invalid UTF-8 alike.
func TestUnquoteReaderDecodesAsTheDecoderDoes(t *testing.T) {
	for _, q := range []string{
		`"plain"`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\u4e2d\ud83d\ude00"`, `"lone \ud83d here"`, `"lone \ude00 low"`,
		`"high then high \ud83d\ud83d x"`, "\"bad \xff utf8 \xe2\x82 end\"", `"` + strings.Repeat(`\u0041\n`, 20000) + `"`,
	} {
		tok, err := jsontext.NewDecoder(strings.NewReader(q), readOpts).ReadToken()
		if err != nil {
			t.Fatalf("%.40q: %v", q, err)
		}
		want := tok.String()
		u := &unquoteReader{r: bufio.NewReader(iotest.HalfReader(strings.NewReader(q[1 : len(q)-1])))}
		got, err := io.ReadAll(u)
		if err != nil {
			t.Fatalf("%.40q: %v", q, err)
		}
		if string(got) != string(want) {
			t.Errorf("%.40q: got %.80q, want %.80q", q, got, want)
		}
	}
}
