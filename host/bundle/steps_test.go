package bundle

import (
	"strings"
	"testing"
)

// Steps read like a person wrote them (issue 11 item 7): the role an aria
// selector adds is not shown, key releases are left out, a key held or
// pressed twice in a row is one line, and a typed value is quoted.
func TestStepsReadLikeAPersonWroteThem(t *testing.T) {
	steps := []Step{
		{Type: "setViewport", Width: 1280, Height: 800},
		{Type: "navigate", URL: "http://127.0.0.1:8080/"},
		{Type: "click", Selectors: [][]string{{`aria/Continue with Northwind SSO[role="link"]`}, {"#sso"}}},
		{Type: "change", Value: "hello", Selectors: [][]string{{"aria/Search"}}},
		{Type: "keyDown", Key: "Enter"},
		{Type: "keyUp", Key: "Enter"},
		{Type: "keyDown", Key: "Escape"},
		{Type: "keyDown", Key: "Escape"},
		{Type: "keyUp", Key: "Escape"},
		{Type: "click", Text: "Send", Selectors: [][]string{{"#send"}}},
	}
	got := strings.Join(PlainSteps(steps), " | ")
	want := `Go to http://127.0.0.1:8080/ | Click “Continue with Northwind SSO” | Type “hello” into “Search” | Press Enter | Press Escape | Click “Send”`
	if got != want {
		t.Errorf("steps read\n%s\nwant\n%s", got, want)
	}
}
