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
