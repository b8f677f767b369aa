package replay

import (
	"net/mail"
	"strings"
	"testing"
)

// QA: the demo's SSO form was never sent in the replay because the step
// typed "[REDACTED:email:…]@northwind.example" into an email field. The
// step types a plain stand-in that the field accepts instead.
func TestStepsTypeAValidStandInForARedactedValue(t *testing.T) {
	for _, c := range []struct{ recorded, want string }{
		{"[REDACTED:email:3c60c30a]@northwind.example", "redacted3c60c30a@northwind.example"},
		{"[REDACTED:email:9f]", "redacted9f@example.com"},
		{"card [REDACTED:card] ends", "card redacted ends"},
		{"plain value", "plain value"},
	} {
		got := standIn(c.recorded)
		if got != c.want {
			t.Errorf("standIn(%q) = %q, want %q", c.recorded, got, c.want)
		}
		if strings.Contains(c.recorded, "email") {
			if _, err := mail.ParseAddress(got); err != nil {
				t.Errorf("standIn(%q) = %q is not an email address: %v", c.recorded, got, err)
			}
		}
	}
}
