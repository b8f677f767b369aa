package sanitize

// Plain code (names, numbers, white space and punctuation) is most of a
// script and holds nothing to sanitize but a long name (shapeToken): no
// literal, comment, regular expression or template can start in it. The
// JavaScript pass lets the lexer jump over such a stretch instead of
// handing out its tokens one by one (the lexer looks every name up in
// its keyword map), and lexes again a few tokens before the next thing
// it must read, so that the names the syntax gives a literal (jsName)
// and the regular-expression rule (jsRegexAllowed) see the same tokens.

// jsNoJump turns the jump off (tests compare the output with and without
// it, which must be the same bytes).
var jsNoJump bool

// jsPlainClass is the class of a byte in plain code.
var jsPlainClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = plainName, plainName
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = plainDigit
	}
	t['_'], t['$'] = plainName, plainName
	for _, c := range " \t\n\r\v\f" {
		t[c] = plainOther
	}
	// operators: never the start of a literal, a comment or a regular
	// expression ('/', '<' for "<!--" and '-' for "-->" are not here)
	for _, c := range "=!+*%&|^~>?." {
		t[c] = plainOther
	}
	// punctuators the lexer always reads as a token of their own: a
	// place to lex again from ('}' only outside a template, which is
	// the only place the pass jumps)
	for _, c := range ";,()[]{}:" {
		t[c] = plainPunct
	}
	return t
}()

const (
	plainEnd   = iota // anything else: quotes, '/', '`', '#', '<', '-', '\\', '@', non-ASCII, controls
	plainName         // A-Z a-z _ $
	plainDigit        // 0-9
	plainOther        // white space, operators
	plainPunct        // ; , ( ) [ ] { } :
)

// jsLexAgainBefore is how many significant tokens before the end of a
// plain stretch the lexer reads again: jsName looks back four.
const jsLexAgainBefore = 4

// jsPlain returns, for the token boundary p of src outside any
// template, the offset restart from which the lexer must read again: at
// or before end, the end of the plain code that starts at p, with at
// least jsLexAgainBefore tokens between restart and end. restart <= p
// when the stretch is too short to jump. The starts and ends of the
// names of 12 characters or more before restart are appended to long
// (names of 12 or more are never keywords).
func jsPlain(src string, p int, long []int) (restart, end int, longOut []int) {
	longOut = long
	i := p
	for i < len(src) {
		c := jsPlainClass[src[i]]
		if c >= plainOther { // white space, operators, punctuators
			if (src[i] == '~' || src[i] == '?') && i+1 < len(src) && src[i+1] == '=' {
				break // "~=", "?=": no such operator, the lexer's error
			}
			i++
			continue
		}
		if c == plainEnd {
			break
		}
		j := i + 1
		for j < len(src) && jsPlainClass[src[j]]-plainName < 2 { // plainName or plainDigit
			j++
		}
		if c == plainDigit {
			if !allDigits(src[i:j]) {
				break // 0x1F, 1e5, 10n, "1in": the lexer reads numbers
			}
			if src[i] == '0' && j-i > 1 && (i == 0 || src[i-1] != '.') {
				break // "00", "017": a legacy octal number, the lexer's error
			}
		} else if i >= 2 && src[i-1] == '.' && jsPlainClass[src[i-2]] == plainDigit {
			break // "1.toString": a number, or the lexer's error
		} else if j-i >= 12 {
			longOut = append(longOut, i, j)
		}
		i = j
	}
	end = i
	// back over jsLexAgainBefore tokens, counted low: a name is one, a
	// punctuator one, a run of operators at least one unless it has a
	// '.' (which may be a number's); numbers and white space none
	restart, n := end, 0
	for restart > p && n < jsLexAgainBefore {
		k := restart - 1
		c := jsPlainClass[src[k]]
		switch c {
		case plainPunct:
			restart, n = k, n+1
			continue
		case plainName, plainDigit:
			for k > p && jsPlainClass[src[k-1]]-plainName < 2 {
				k--
			}
			if jsPlainClass[src[k]] == plainName {
				n++
			}
		default: // white space and operators
			dot, op := false, false
			for {
				switch src[k] {
				case ' ', '\t', '\n', '\r', '\v', '\f':
				case '.':
					dot = true
				default:
					op = true
				}
				if k == p || jsPlainClass[src[k-1]] != plainOther {
					break
				}
				k--
			}
			if op && !dot {
				n++
			}
		}
		restart = k
	}
	if n < jsLexAgainBefore || restart <= p {
		return p, end, longOut[:len(long)]
	}
	for len(longOut) > len(long) && longOut[len(longOut)-2] >= restart {
		longOut = longOut[:len(longOut)-2]
	}
	return restart, end, longOut
}
