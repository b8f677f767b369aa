package jsonlimit

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestPassesJSONWithinTheLimitsUnchanged(t *testing.T) {
	in := `{"a":"x\"y\\","b":[1,{"c":"]]]}}}"}]}`
	out, err := io.ReadAll(iotest.OneByteReader(NewReader(strings.NewReader(in), Limits{MaxString: 9, MaxDepth: 3})))
	if err != nil || string(out) != in {
		t.Fatalf("got %q, %v", out, err)
	}
}

func TestRefusesAStringLongerThanTheCapWhereItStarts(t *testing.T) {
	in := `{"a":"` + strings.Repeat("x", 100) + `"}`
	_, err := io.ReadAll(NewReader(strings.NewReader(in), Limits{MaxString: 50}))
	var le *Error
	if !errors.As(err, &le) || le.What != "string" || le.Offset != 5 {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "longer than 50 bytes, from byte 5") {
		t.Fatalf("message %q", err)
	}
}

func TestAnEscapedQuoteDoesNotEndTheString(t *testing.T) {
	in := `["` + strings.Repeat(`\"`, 40) + `"]`
	if _, err := io.ReadAll(NewReader(strings.NewReader(in), Limits{MaxString: 60})); !IsLimit(err) {
		t.Fatalf("got %v", err)
	}
}

func TestRefusesNestingDeeperThanTheCap(t *testing.T) {
	_, err := io.ReadAll(NewReader(strings.NewReader(strings.Repeat("[", 100)), Limits{MaxDepth: 10}))
	var le *Error
	if !errors.As(err, &le) || le.What != "depth" || le.Offset != 10 {
		t.Fatalf("got %v", err)
	}
}

func TestRefusesAnEntryLongerThanTheCapButNotTheArrayOfEntries(t *testing.T) {
	lim := Limits{MaxEntry: 100, EntryDepth: 2}
	ok := `[` + strings.Repeat(`{"a":"`+strings.Repeat("x", 80)+`"},`, 10) + `{}]`
	if _, err := io.ReadAll(NewReader(strings.NewReader(ok), lim)); err != nil {
		t.Fatalf("ten entries of 88 bytes: %v", err)
	}
	big := `[{},{"a":"` + strings.Repeat("x", 200) + `"}]`
	_, err := io.ReadAll(NewReader(strings.NewReader(big), lim))
	var le *Error
	if !errors.As(err, &le) || le.What != "entry" || le.Offset != 4 {
		t.Fatalf("got %v", err)
	}
}

func TestCountsSmallValuesAsStructureAndBodiesNot(t *testing.T) {
	lim := Limits{MaxEntryStructure: 1000, EntryDepth: 2}
	body := `[{"text":"` + strings.Repeat("x", 3*LongString) + `"}]`
	if _, err := io.ReadAll(NewReader(strings.NewReader(body), lim)); err != nil {
		t.Fatalf("one long body: %v", err)
	}
	headers := `[{"headers":[` + strings.Repeat(`{"name":"a","value":"b"},`, 100) + `{}]}]`
	_, err := io.ReadAll(NewReader(strings.NewReader(headers), lim))
	var le *Error
	if !errors.As(err, &le) || le.What != "structure" {
		t.Fatalf("got %v", err)
	}
}

// Reading in one piece (the fast path over plain string bytes) and byte by
// byte find the same limit at the same place.
func TestChunkingDoesNotChangeTheVerdict(t *testing.T) {
	lim := Limits{MaxString: 40, MaxEntry: 120, EntryDepth: 2, MaxEntryStructure: 60}
	parts := []string{`"`, `\"`, `\\`, `x`, `xxxxxxxxxx`, `{`, `}`, `[`, `]`, `,`, `:`, ` `}
	for seed := range 3000 {
		var b strings.Builder
		b.WriteString(`[`)
		x := uint32(seed*2654435761 + 1)
		for range 60 {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			b.WriteString(parts[x%uint32(len(parts))])
		}
		in := b.String()
		n1, err1 := io.Copy(io.Discard, NewReader(strings.NewReader(in), lim))
		n2, err2 := io.Copy(io.Discard, NewReader(iotest.OneByteReader(strings.NewReader(in)), lim))
		var e1, e2 *Error
		errors.As(err1, &e1)
		errors.As(err2, &e2)
		if (e1 == nil) != (e2 == nil) || e1 != nil && (e1.What != e2.What || e1.Offset != e2.Offset) {
			t.Fatalf("%q: whole %d %v, byte by byte %d %v", in, n1, err1, n2, err2)
		}
	}
}
