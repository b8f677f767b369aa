package sanitize_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/reprokit/reprokit/host/sanitize"
)

// h8 hides the random part of tags so that the examples print the same
// thing on every run.
var h8 = regexp.MustCompile(`:[0-9a-f]{8}\]`)

func ExampleRedactor_Text() {
	r := sanitize.New(nil)
	out := r.Text("Authorization: Bearer abc123def456ghi789\nfrom ada@example.com, key sk-proj-Rk7xQ2mV9pL4sT8wZ1cN5bH3jF6gD0aE")
	fmt.Println(h8.ReplaceAllString(out, ":…]"))
	// Output:
	// Authorization: Bearer [REDACTED:authorization:…]
	// from [REDACTED:email:…]@example.com, key [REDACTED:openai:…]
}

func ExampleRedactor_HAR() {
	har := `{"log":{"version":"1.2","entries":[{"request":{"method":"GET",
		"url":"https://app.example.com/cb?code=4/0AX4XfWh9kLm2&lang=en",
		"headers":[{"name":"cookie","value":"sid=s3ss10n-t0k3n; theme=dark"},{"name":"accept","value":"text/html"}]}}]}}`
	r := sanitize.New(nil)
	var out bytes.Buffer
	if err := r.HAR(&out, strings.NewReader(har)); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(h8.ReplaceAllString(out.String(), ":…]"))
	findings, _ := r.Verify("session.har", &out)
	fmt.Println("findings:", len(findings))
	for _, c := range r.Report().Counts {
		fmt.Println(c.Rule, c.Kind, c.Count)
	}
	// Output:
	// {"log":{"version":"1.2","entries":[{"request":{"method":"GET","url":"https://app.example.com/cb?code=[REDACTED:secret-param:…]&lang=en","headers":[{"name":"cookie","value":"sid=[REDACTED:cookie:…]; theme=[REDACTED:cookie:…]"},{"name":"accept","value":"text/html"}]}}]}}
	// findings: 0
	// cookie cookie 2
	// secret-param secret-param 1
}

func ExampleRedactor_DOM() {
	// one rrweb full snapshot: a paragraph with an email, a link with a
	// token in its query, an input named api_key
	dom := `{"format":"rrweb","version":"2.1.6","tabs":[{"target":"T1","events":[{"type":2,"data":{"node":
		{"type":2,"tagName":"body","attributes":{},"childNodes":[
		{"type":3,"textContent":"Signed in as ada@example.com","id":2},
		{"type":2,"tagName":"a","attributes":{"href":"/reset?token=Zq8pL2vX9mK4nR7tWc3bY6hJ"},"childNodes":[],"id":3},
		{"type":2,"tagName":"input","attributes":{"name":"api_key","value":"k-93jf82hf73"},"childNodes":[],"id":4}],"id":1}},
		"timestamp":1765085023001}]}]}`
	r := sanitize.New(nil)
	var out bytes.Buffer
	if err := r.DOM(&out, strings.NewReader(dom)); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(h8.ReplaceAllString(out.String(), ":…]"))
	findings, _ := r.Verify(sanitize.DOMFile, &out)
	fmt.Println("findings:", len(findings))
	// Output:
	// {"format":"rrweb","version":"2.1.6","tabs":[{"target":"T1","events":[{"type":2,"data":{"node":{"type":2,"tagName":"body","attributes":{},"childNodes":[{"type":3,"textContent":"Signed in as [REDACTED:email:…]@example.com","id":2},{"type":2,"tagName":"a","attributes":{"href":"/reset?token=[REDACTED:secret-param:…]"},"childNodes":[],"id":3},{"type":2,"tagName":"input","attributes":{"name":"api_key","value":"[REDACTED:secret-param:…]"},"childNodes":[],"id":4}],"id":1}},"timestamp":1765085023001}]}]}
	// findings: 0
}
