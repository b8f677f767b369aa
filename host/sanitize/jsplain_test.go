package sanitize

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// sanitizeCode sanitizes one unit of code as a body of its language,
// with the JavaScript pass jumping over plain code or not.
func sanitizeCode(lang, body string, jump bool) string {
	defer func(old bool) { jsNoJump = old }(jsNoJump)
	jsNoJump = !jump
	r := New(nil)
	r.key = make([]byte, 32) // the same tags in both runs
	r.mac = hmac.New(sha256.New, r.key)
	loc := &locator{file: "t"}
	switch lang {
	case "js":
		return r.javascript(loc, body, textCtx{ip: true}, false)
	case "html":
		return r.html(loc, body, textCtx{ip: true})
	}
	return body
}

// checkJumpChangesNothing fails when a unit comes out differently with
// the jump over plain code than without it.
func checkJumpChangesNothing(t *testing.T, units []fidelityUnit) (n int) {
	t.Helper()
	for _, u := range units {
		if u.lang != "js" && u.lang != "html" {
			continue
		}
		n++
		with, without := sanitizeCode(u.lang, u.body, true), sanitizeCode(u.lang, u.body, false)
		if with != without {
			t.Errorf("%s: jumping over plain code changes the output:\n%s", u.name, diffAt(without, with))
		}
	}
	return n
}

// Jumping over plain code (names, numbers, white space and punctuation)
// is only a shortcut: every script and page of the leak corpus, the
// generated units, the benchmark's scripts and the real libraries comes
// out byte for byte as when the lexer reads every token.
func TestJumpOverPlainCodeChangesNoByte(t *testing.T) {
	t.Run("leak corpus", func(t *testing.T) {
		if n := checkJumpChangesNothing(t, corpusCodeUnits(t)); n < 5 {
			t.Fatalf("only %d scripts and pages", n)
		}
	})
	t.Run("generated", func(t *testing.T) {
		seed := uint64(time.Now().UnixNano())
		t.Logf("seed %d", seed)
		g := newFidelityGen(nil, seed)
		var units []fidelityUnit
		for i := range 300 {
			units = append(units, g.genUnit(fmt.Sprintf("generated unit %d (seed %d)", i, seed)))
		}
		checkJumpChangesNothing(t, units)
	})
	t.Run("benchmark scripts", func(t *testing.T) {
		var units []fidelityUnit
		for i, s := range benchScripts() {
			units = append(units, fidelityUnit{name: fmt.Sprintf("benchmark script %d", i), lang: "js", body: s})
		}
		checkJumpChangesNothing(t, units)
	})
	t.Run("hand-made", func(t *testing.T) {
		var units []fidelityUnit
		for i, s := range jumpCases {
			if restart, _, _ := jsPlain(s, 0, nil); restart == 0 && strings.HasPrefix(s, "a(b,c);") {
				t.Errorf("case %d: no jump at its start", i)
			}
			units = append(units, fidelityUnit{name: fmt.Sprintf("case %d: %q", i, s), lang: "js", body: s})
		}
		checkJumpChangesNothing(t, units)
	})
	t.Run("real libraries", func(t *testing.T) {
		if os.Getenv("REPROKIT_REAL_CODE_DIR") == "" {
			t.Skip("REPROKIT_REAL_CODE_DIR is not set (scripts/fetch-real-code.sh)")
		}
		checkJumpChangesNothing(t, realCodeUnits(t, realCodeDir(t)))
	})
}

// jumpCases are the places where plain code meets what the lexer must
// read: numbers next to names, regular expressions after a jump, names
// of secrets just before a literal, long names, templates.
var jumpCases = []string{
	`function a(e,t){var n=e.x||"ghp_` + strings.Repeat("A1b2", 9) + `";return t.y(n,1)&&this.z}` + strings.Repeat(`function b(e,t){return e(t)}`, 5) + `var api_key = "Zx81kPq0vLm3Nw7Rt5Yu";`,
	strings.Repeat(`a(b,c);`, 6) + `x = /ab+c/g.test(y); z = a / b / c;`,
	strings.Repeat(`a(b,c);`, 6) + `return /x/.test(q)` + strings.Repeat(`;f(g)`, 6) + `;typeof /y/`,
	strings.Repeat(`a(b,c);`, 6) + `1.5.toFixed(2);` + strings.Repeat(`f(g);`, 6) + `x=1.e5;y=0x1F;z=10n;`,
	strings.Repeat(`a(b,c);`, 6) + `var veryLongIdentifierName_AKIAIOSFODNN7EXAMPLE = 1;` + strings.Repeat(`f(g);`, 6) + `"s"`,
	strings.Repeat(`a(b,c);`, 6) + "x = `a ${ f(b,c,d,e,{a:1}) } b ${ {token:'Zx81kPq0vLm3Nw7Rt5Yu'}.token }`;" + strings.Repeat(`f(g);`, 6),
	strings.Repeat(`a(b,c);`, 6) + "\n-->comment\n" + strings.Repeat(`f(g);`, 6) + `<!-- also a comment` + "\n" + strings.Repeat(`f(g);`, 6),
	strings.Repeat(`a(b,c);`, 6) + `obj = {a:1,b:2,c:3,d:4,e:5,password:"Zx81kPq0vLm3Nw7Rt5Yu"}; h["token"] = "Zx81kPq0vLm3Nw7Rt5Yu"`,
	strings.Repeat(`a(b,c);`, 6) + `x.setRequestHeader("X-Api-Key", "Zx81kPq0vLm3Nw7Rt5Yu"); if (a === b) c(d, e, f, "Zx81kPq0vLm3Nw7Rt5Yu")`,
	strings.Repeat(`a(b,c);`, 6) + `q = 'client_secret=' + encodeURIComponent('Zx81kPq0vLm3Nw7Rt5Yu');` + strings.Repeat(`f(g);`, 6) + `process.env.API_TOKEN || "Zx81kPq0vLm3Nw7Rt5Yu"`,
	strings.Repeat(`a(b,c);`, 6) + `#priv; a.#secretishPrivateName_1234567890; é = 1; \u0061bc = 2;` + strings.Repeat(`f(g);`, 6),
	strings.Repeat(`a(b,c) ;`, 6) + `a ?. b ?? c ??= d ** e **= f >>> g >>>= h => i` + strings.Repeat(`(f,g);`, 6) + `"Zx81kPq0vLm3Nw7Rt5Yu"`,
	strings.Repeat(`a(b,c);`, 6) + `1in x;` + strings.Repeat(`f(g);`, 6),
	// found by FuzzJumpOverPlainCode: a legacy octal number is the lexer's error
	"0 0 A 0 \"aaaaAaAaAaA}000000000000\"00 A00!A" + strings.Repeat("0", 80) + " keY = \"0000\"0",
	strings.Repeat(`a(b,c);`, 6) + `x ~= 1; y ?= 2; z ??= 3;` + strings.Repeat(`f(g);`, 6) + `var key = "Zx81kPq0vLm3Nw7Rt5Yu"`,
	strings.Repeat(`a(b,c);`, 6) + `x = 1.05 + a.00 + 0.5 + 017;` + strings.Repeat(`f(g);`, 6) + `var key = "Zx81kPq0vLm3Nw7Rt5Yu"`,
	strings.Repeat(`a(b,c);`, 6) + "`unterminated " + strings.Repeat(`f(g);`, 6),
}

// FuzzJumpOverPlainCode: any bytes, read as a script, come out the same
// with and without the jump.
func FuzzJumpOverPlainCode(f *testing.F) {
	for _, s := range jumpCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if with, without := sanitizeCode("js", s, true), sanitizeCode("js", s, false); with != without {
			t.Errorf("jumping over plain code changes the output:\n%s", diffAt(without, with))
		}
	})
}
