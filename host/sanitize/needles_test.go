package sanitize

import (
	"fmt"
	"html"
	"strings"
	"testing"
)

// A value redacted in one place is replaced wherever the page carries it
// again, in the escapes of the language around it: JavaScript's \xNN and
// \uNNNN, JSON's \/, HTML's character references and template escapes.
func TestSameValueInEveryEscape(t *testing.T) {
	secret := "Zq8/LmN3+pRt7=VwX2yB5cD9&k"
	var x, u, dec, hx strings.Builder
	for i := 0; i < len(secret); i++ {
		fmt.Fprintf(&x, `\x%02x`, secret[i])
		fmt.Fprintf(&u, `\u%04x`, secret[i])
		fmt.Fprintf(&dec, "&#%d;", secret[i])
		fmt.Fprintf(&hx, "&#x%x;", secret[i])
	}
	tmpl := strings.NewReplacer("&", "&amp;", "/", "&#x2F;", "=", "&#x3D;").Replace(secret)
	forms := map[string]string{
		`\x`: x.String(), `\u`: u.String(), "&#": dec.String(), "&#x": hx.String(),
		"html": html.EscapeString(secret), "template": tmpl, `\/`: strings.ReplaceAll(secret, "/", `\/`),
	}
	e := newEntry("https://app.example.com/")
	e.reqHeader("x-api-key", secret)
	var page strings.Builder
	page.WriteString("<script>")
	for name, f := range forms {
		fmt.Fprintf(&page, "var k_%d = '%s'; // %s\n", len(name), f, name)
	}
	page.WriteString("</script><div data-k=\"" + hx.String() + "\">" + dec.String() + "</div>")
	e.body("text/html", page.String())
	r, out, fs := verifyOne(t, e)
	text := decodedStrings(t, out)
	for name, f := range forms {
		if strings.Contains(text, f) {
			t.Errorf("the %s form survives", name)
		}
	}
	if len(fs) > 0 {
		t.Errorf("findings: %+v", fs)
	}
	if n := strings.Count(text, "[REDACTED:token-header:"); n < len(forms)+2 {
		t.Errorf("%d tags, want one per form: %s", n, text)
	}
	// and Verify finds each form in a file written before the value was
	// redacted
	for name, f := range forms {
		if fs, _ := r.Verify("console.json", strings.NewReader(`{"messages":[{"text":"`+strings.ReplaceAll(f, `\`, `\\`)+`"}]}`)); len(fs) == 0 {
			t.Errorf("Verify does not find the %s form", name)
		}
	}
}

// A redacted value that is code or common text is no search needle: the
// stylesheet whose ".fa-key:before {" made "before {" a secret lost all
// 965 of its "before {"; a header name holding the value of a csrf-named
// literal was mangled.
func TestNeedlesLookLikeValues(t *testing.T) {
	css := strings.Repeat(".fa-key:before {\n  content: \"\\f084\";\n}\n.x-csrf:before {\n  content: \"X-CSRF-Token-\";\n}\n", 50)
	js := `var csrfHeader = "X-CSRF-Token-"; var token = "before {"; var k = {secret: "tokens[tokens.length - 1]", password: " padded "};` +
		`var hidden = {token: "Zq8LmN3pRt7VwX2yB5cD9"};`
	e := newEntry("https://app.example.com/app.js")
	e.reqHeader("X-CSRF-Token-ABCDE", "x")
	e.body("text/plain", js)
	css2 := newEntry("https://app.example.com/site.css")
	css2.body("text/css", css)
	css2.m["_resourceType"] = "stylesheet"
	page := newEntry("https://app.example.com/")
	page.body("text/plain", "token Zq8LmN3pRt7VwX2yB5cD9 again")
	r := New(nil)
	data := mustJSON(map[string]any{"log": map[string]any{"version": "1.2", "entries": []any{e.m, css2.m, page.m}}})
	var out strings.Builder
	if err := r.HAR(&out, strings.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	text := decodedStrings(t, out.String())
	if !strings.Contains(text, css) {
		t.Errorf("the stylesheet was changed")
	}
	if !strings.Contains(text, "X-CSRF-Token-ABCDE") {
		t.Errorf("the header name was changed")
	}
	if strings.Contains(text, "Zq8LmN3pRt7VwX2yB5cD9") {
		t.Errorf("a value-shaped secret is not searched for")
	}
	for _, v := range []string{"before {", "X-CSRF-Token-", "tokens[tokens.length - 1]", " padded ", "correct horse battery"} {
		if r.needleShaped("secret-param", v) {
			t.Errorf("%q is a needle", v)
		}
	}
	for _, v := range []string{"Zq8LmN3pRt7VwX2yB5cD9", "hunter2hunter", "Tr0ub4dor-3x9", "s%3Aabc.def123"} {
		if !r.needleShaped("secret-param", v) {
			t.Errorf("%q is no needle", v)
		}
	}
}
