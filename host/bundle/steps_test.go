package bundle

import (
	"encoding/json"
	"os"
	"path/filepath"
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

// The reporter's fields have the same plain words in the popup, in
// SUPPORT_REQUEST.md and in the report (issue 11 item 7).
func TestFieldLabelsAreTheSameInThePopupTheSupportRequestAndTheReport(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "extension", "_locales", "en", "messages.json"))
	if err != nil {
		t.Fatal(err)
	}
	var catalog map[string]struct{ Message string }
	if err := json.Unmarshal(b, &catalog); err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(filepath.Join("..", "report", "assets", "report.js"))
	if err != nil {
		t.Fatal(err)
	}
	for key, field := range map[string]string{"fieldDescription": "description", "fieldWorkspace": "workspace", "fieldCustomApp": "customApp"} {
		if got := catalog[key].Message; got != FieldLabels[field] {
			t.Errorf("the popup says %q for %s, SUPPORT_REQUEST.md %q", got, field, FieldLabels[field])
		}
		if !strings.Contains(string(js), `"`+FieldLabels[field]+`"`) {
			t.Errorf("the report does not label %s %q", field, FieldLabels[field])
		}
	}
	if got := catalog["fieldSafety"].Message; !strings.HasPrefix(FieldLabels["safetyMessage"], got) {
		t.Errorf("the popup says %q for the safety message, SUPPORT_REQUEST.md %q", got, FieldLabels["safetyMessage"])
	}
}

// A page whose every request was excluded goes with them; a page that
// keeps a request stays.
func TestExcludingADomainDropsItsPages(t *testing.T) {
	doc, err := parseHAR(strings.NewReader(`{"log":{"version":"1.2","creator":{"name":"t","version":"1"},
		"pages":[{"id":"page_1","title":"kept","startedDateTime":"2026-01-01T00:00:00Z","pageTimings":{}},
		         {"id":"page_2","title":"sso on the excluded domain","startedDateTime":"2026-01-01T00:00:01Z","pageTimings":{}}],
		"entries":[]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if n := doc.dropPages(func(id string) bool { return id == "page_2" }); n != 1 {
		t.Fatalf("dropped %d pages, want 1", n)
	}
	var b strings.Builder
	for _, m := range doc.log {
		if m.name == "pages" {
			b.Write(m.value)
		}
	}
	if strings.Contains(b.String(), "excluded domain") || !strings.Contains(b.String(), "kept") {
		t.Errorf("pages after the drop: %s", b.String())
	}
}
