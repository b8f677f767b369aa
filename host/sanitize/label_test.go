package sanitize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// A translation file's keys are labels, and its values their text: the
// name rules are for fields, not for a sentence that mentions a password
// (a real app's lang-en.json lost its warning banner to
// [REDACTED:secret-param] in the replay). A field's value under the same
// words is still a secret.
func TestLabelsAndTheirTextAreNoSecrets(t *testing.T) {
	kept := map[string]string{
		"GUI Authentication Password":      "GUI Authentication Password",
		"API Key":                          "API Key",
		"Token":                            "Token",
		"Incorrect user name or password.": "Incorrect user name or password.",
		"Username/Password has not been set for the GUI authentication.": "Le mot de passe de l'interface n'a pas été défini.",
	}
	redacted := map[string]string{
		"password":       "hunter2",
		"Admin Password": "hunter2",
		"API Key ":       "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
		"api_key":        "a phrase of words as a key",
		"client_secret":  "Token secret value",
	}
	doc := map[string]string{}
	for k, v := range kept {
		doc[k] = v
	}
	for k, v := range redacted {
		doc[k] = v
	}
	body, _ := json.Marshal(doc)
	console, _ := json.Marshal(map[string]any{"messages": []any{map[string]any{"args": doc}}})
	har, _ := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2", "creator": map[string]any{"name": "t", "version": "1"}, "entries": []any{map[string]any{
		"startedDateTime": "2026-12-07T00:00:00Z", "time": 1,
		"request":  map[string]any{"method": "GET", "url": "https://app.example/assets/lang/lang-en.json", "httpVersion": "HTTP/1.1", "headers": []any{}, "queryString": []any{}, "cookies": []any{}, "headersSize": -1, "bodySize": 0},
		"response": map[string]any{"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": []any{}, "cookies": []any{}, "content": map[string]any{"size": len(body), "mimeType": "application/json", "text": string(body)}, "redirectURL": "", "headersSize": -1, "bodySize": len(body)},
		"cache":    map[string]any{}, "timings": map[string]any{"send": 0, "wait": 1, "receive": 0}}}}})
	for _, c := range []struct {
		name string
		run  func(r *Redactor, out *bytes.Buffer) error
	}{
		{"HAR body (streaming JSON walk)", func(r *Redactor, out *bytes.Buffer) error { return r.HAR(out, bytes.NewReader(har)) }},
		{"console.json (tree walk)", func(r *Redactor, out *bytes.Buffer) error {
			return r.JSON(out, bytes.NewReader(console), "console.json")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := c.run(New(nil), &out); err != nil {
				t.Fatal(err)
			}
			// the body is a string inside the HAR: read the text as the
			// page would, with its escapes undone
			text := strings.NewReplacer(`\"`, `"`, `\u0027`, `'`, `\\`, `\`).Replace(out.String())
			for k, v := range kept {
				if !strings.Contains(text, v) {
					t.Errorf("the text of %q was redacted: %q is gone", k, v)
				}
			}
			for k, v := range redacted {
				if strings.Contains(text, `"`+v+`"`) {
					t.Errorf("the value of field %q is kept: %q", k, v)
				}
			}
		})
	}
}

// A JSON body cut short (the report's 32 KB previews, a body the budget
// trimmed) is read as JSON up to the cut, and the incomplete rest as text:
// the bundle neither refuses its own report over a cut translation file
// nor keeps a secret that the cut left half-written.
func TestCutJSONIsReadAsJSONUpToTheCut(t *testing.T) {
	lang := map[string]string{"GUI Authentication Password": "GUI Authentication Password", "API Key": "API Key"}
	for i := 0; i < 200; i++ {
		lang[fmt.Sprintf("Label %03d", i)] = fmt.Sprintf("Translated text number %d", i)
	}
	full, _ := json.MarshalIndent(lang, "", "  ")
	for _, cut := range []int{len(full) / 3, len(full) / 2, len(full) - 7} {
		preview, _ := json.Marshal(map[string]any{"entries": []any{map[string]any{"mt": "application/json", "rsb": string(full[:cut])}}})
		fs, err := New(nil).Verify("report.html (data)", bytes.NewReader(preview))
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 0 {
			t.Errorf("cut at %d of %d: a translation file's preview is refused: %v", cut, len(full), fs)
		}
	}
	for _, c := range []struct{ doc, gone string }{
		{`{"user":"ann","password":"hunter2","note":"x"`, "hunter2"},
		{`{"user":"ann","password":"correct-horse-batt`, "correct-horse"},
		{`{"user":"ann","auth":{"token":"tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0`, "9f8e7d6c5b4a"},
		{`[{"a":1},{"note":"see ghp_R2a9xQ8vN3kL7mP1sT6wY4zB0cE5fH2jK9dG`, "ghp_R2a9xQ8vN3kL7mP1sT6wY4zB0cE5fH2jK9dG"},
	} {
		body, _ := json.Marshal(map[string]any{"entries": []any{map[string]any{"mt": "application/json", "rsb": c.doc}}})
		var out bytes.Buffer
		if err := New(nil).JSON(&out, bytes.NewReader(body), "report.html (data)"); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), c.gone) {
			t.Errorf("%s: %q kept: %s", c.doc, c.gone, out.String())
		}
		if !strings.Contains(out.String(), `\"user\":\"ann\"`) && !strings.Contains(out.String(), `\"a\":1`) {
			t.Errorf("%s: the complete part is not kept: %s", c.doc, out.String())
		}
	}
}
