package sanitize

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"hash/maphash"
	"sort"
	"strings"
	"sync"
)

// Limits that keep memory bounded whatever the input.
const (
	maxLocations     = 10000   // report locations kept; counts stay exact
	maxMemoEntries   = 500000  // distinct redacted values remembered (about 16 bytes each)
	maxSearchEntries = 1000000 // their search forms for Verify (24 bytes each)
	maxSearchValue   = 4096    // longer values are left to the detectors
	minVerifyValue   = 8       // shorter values are left to the structural rules
)

// Redactor sanitizes the files of one bundle. It holds a random HMAC key
// (never written anywhere) so that the same secret gets the same tag in every
// file of the bundle, and remembers what it redacted (as hashes, never the
// values) so that [Redactor.Verify] can prove none of it survived. Make one
// with [New]; it is safe for use by several goroutines.
type Redactor struct {
	policy *Policy
	pol    *compiledPolicy
	key    []byte // the HMAC key: random, never written

	verifyMu  sync.Mutex // one Verify at a time (it sorts the search entries)
	mu        sync.Mutex
	mac       hash.Hash
	seed      maphash.Seed
	memo      map[uint64]uint16 // hash of a redacted value -> index of its kind
	h8cache   map[uint64]uint32 // hash of a redacted value -> its h8
	kinds     []string
	kindIndex map[string]uint16
	search    []searchEntry     // the forms of the redacted values, for Verify
	sorted    bool              // search is sorted by head
	escLater  []escPending      // values whose escape forms are not in search yet
	escBytes  int               // the bytes of their values
	kept      map[string]bool   // values kept on purpose (reporter fields)
	keptHash  map[uint32]bool   // and their hashes
	seen      map[string]string // dry run: values that would be redacted
	counts    map[[2]string]int
	locs      []Location
	truncated bool
	total     int

	// atEntries is called at the '[' of log.entries when a HAR is
	// streamed (VerifyBytes puts the findings of its entries there).
	atEntries func()

	dryRun   bool // Verify and Scan: record findings, replacement unused
	scanIPs  bool // Scan: report IP addresses in text files too
	userScan bool // Scan: broken JSON is rescanned as text, or an error
}

// searchEntry is one form of one redacted value, without the value: the
// first 8 bytes, the length and a 32-bit keyed hash of the form (the 8
// bytes already matched, so a false match is negligible), a hash of the
// value (for the kept set) and its tag. 24 bytes.
type searchEntry struct {
	head  uint64
	hash  uint32
	value uint32
	h8    uint32
	n     uint16
	kind  uint16
}

// New returns a Redactor for one bundle, driven by policy (nil means
// [DefaultPolicy]).
func New(policy *Policy) *Redactor {
	if policy == nil {
		policy = DefaultPolicy()
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic("sanitize: no randomness for the tag key: " + err.Error())
	}
	return &Redactor{
		policy:    policy,
		pol:       policy.compile(),
		key:       key,
		mac:       hmac.New(sha256.New, key),
		seed:      maphash.MakeSeed(),
		memo:      map[uint64]uint16{},
		kindIndex: map[string]uint16{},
		kept:      map[string]bool{},
		keptHash:  map[uint32]bool{},
		counts:    map[[2]string]int{},
	}
}

// Policy returns the policy the Redactor applies.
func (r *Redactor) Policy() *Policy { return r.policy }

// h8 is the first 8 hex digits of the keyed hash of v. Callers hold r.mu.
func (r *Redactor) h8(v string) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], r.h8bits(v))
	return hex.EncodeToString(b[:])
}

// h8bits is the keyed hash of v, computed once per distinct value (the
// same cookie is redacted in every request; an HMAC costs ~1 µs). Callers
// hold r.mu.
func (r *Redactor) h8bits(v string) uint32 {
	hv := maphash.String(r.seed, v)
	if h, ok := r.h8cache[hv]; ok {
		return h
	}
	r.mac.Reset()
	r.mac.Write([]byte(v))
	var sum [sha256.Size]byte
	h := binary.BigEndian.Uint32(r.mac.Sum(sum[:0]))
	if r.h8cache == nil {
		r.h8cache = map[uint64]uint32{}
	}
	if len(r.h8cache) < maxMemoEntries {
		r.h8cache[hv] = h
	}
	return h
}

// tagLocked returns the tag of a value for a kind: "[REDACTED:<kind>:<h8>]".
// Callers hold r.mu.
func (r *Redactor) tagLocked(kind, v string) string {
	return "[REDACTED:" + kind + ":" + r.h8(v) + "]"
}

// render is the replacement of v tagged with kind: a plain tag, or the
// shapes that keep something (JWT claims, an email's domain, a size).
// Callers hold r.mu.
func (r *Redactor) render(kind, v string) string {
	switch kind {
	case "jwt", "jwe":
		return r.jwtReplacement(kind, v)
	case "email":
		if at := strings.LastIndexByte(v, '@'); at >= 0 {
			return r.tagLocked(kind, v) + v[at:]
		}
	case "mac":
		if len(v) == 17 { // the vendor's three octets stay
			return v[:9] + r.tagLocked(kind, strings.ToLower(v))
		}
	case "file":
		return r.tagLocked(kind, v) + " " + itoa(len(v)) + " bytes"
	case "ws-binary":
		return r.tagLocked(kind, v) + " " + itoa(base64Len(v)) + " bytes"
	}
	return r.tagLocked(kind, v)
}

// replace returns the replacement of the secret value v found by rule at
// loc, and records it. The first time v is seen, it is tagged with kind,
// and that kind sticks to v everywhere after.
func (r *Redactor) replace(loc *locator, rule, kind, v string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if kind == "file" || kind == "ws-binary" {
		// a dropped payload: its tag carries a size. A text file's
		// content and lines are searched for where the page shows them
		// again (an inline script holding the same text); its kind does
		// not stick to values that rules redact elsewhere
		out := r.render(kind, v)
		if kind == "file" && !r.dryRun {
			for _, t := range fileNeedles(v) {
				r.rememberLocked("file", t)
			}
		}
		r.recordLocked(loc, rule, kind, firstTag(out))
		return out
	}
	hv := maphash.String(r.seed, v)
	if k, ok := r.memo[hv]; ok {
		if r.kinds[k] != "file" {
			kind = r.kinds[k]
		}
	} else if r.dryRun {
		if r.seen == nil {
			r.seen = map[string]string{}
		}
		if len(r.seen) < maxLocations {
			r.seen[v] = kind
		}
	} else if len(r.memo) < maxMemoEntries {
		ki, ok := r.kindIndex[kind]
		if !ok {
			ki = uint16(len(r.kinds))
			r.kinds = append(r.kinds, kind)
			r.kindIndex[kind] = ki
		}
		r.memo[hv] = ki
		r.remember(v, hv, ki)
	}
	out := r.render(kind, v)
	if r.dryRun && r.kept[v] {
		return out // a reporter field kept on purpose
	}
	r.recordLocked(loc, rule, kind, firstTag(out))
	return out
}

// rememberLocked adds v to the memo and the search under kind, unless it
// is there already. Callers hold r.mu.
func (r *Redactor) rememberLocked(kind, v string) {
	if len(r.memo) >= maxMemoEntries {
		return
	}
	hv := maphash.String(r.seed, v)
	if _, ok := r.memo[hv]; ok {
		return
	}
	ki, ok := r.kindIndex[kind]
	if !ok {
		ki = uint16(len(r.kinds))
		r.kinds = append(r.kinds, kind)
		r.kindIndex[kind] = ki
	}
	r.memo[hv] = ki
	r.remember(v, hv, ki)
}

// alsoSecret marks a value found inside another redacted one (the password
// of a Basic credential) so that Verify searches for it and later places
// tag it the same way; nothing is replaced or counted.
func (r *Redactor) alsoSecret(kind, v string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dryRun {
		return
	}
	r.rememberLocked(kind, v)
}

// remember adds the search forms of a redacted value. Personal data
// (email, card, IP) is left to its detectors, which find it in any string
// and in decoded bodies. Callers hold r.mu.
func (r *Redactor) remember(v string, hv uint64, kind uint16) {
	switch r.kinds[kind] {
	case "email", "card", "ip", "phone", "mac":
		return
	}
	if len(v) < minVerifyValue || len(v) > maxSearchValue || tooCommon(v) || len(r.search)+numCharForms*len(r.escLater) >= maxSearchEntries || !r.needleShaped(r.kinds[kind], v) {
		return
	}
	h8 := r.h8bits(v)
	for _, f := range forms(v) {
		if len(f) < minVerifyValue || len(f) > 0xFFFF {
			continue
		}
		r.search = append(r.search, searchEntry{
			head: binary.LittleEndian.Uint64([]byte(f[:8])), hash: uint32(maphash.String(r.seed, f)),
			value: uint32(hv), n: uint16(len(f)), h8: h8, kind: kind,
		})
	}
	r.escapeLater(v, uint32(hv), h8, kind)
	r.sorted = false
}

// escPending is a redacted value whose escape forms (charForms: \xNN,
// \uNNNN, &#N;, in code and in JSON) are not yet in the search entries.
type escPending struct {
	v         string
	value, h8 uint32
	kind      uint16
}

// maxEscLater bounds the bytes of the values kept for escapeForms.
const maxEscLater = 4 << 20

// escapeLater keeps v for escapeForms: a document without a single escape
// cannot hold an escape form, and most HARs' first passes write none, so
// the forms (six per value, each up to eleven times its length) are
// only made for a search that needs them. Callers hold r.mu.
func (r *Redactor) escapeLater(v string, value, h8 uint32, kind uint16) {
	r.escLater = append(r.escLater, escPending{v: strings.Clone(v), value: value, h8: h8, kind: kind})
	r.escBytes += len(v)
	if r.escBytes > maxEscLater {
		r.escapeForms()
	}
}

// escapeForms adds the escape forms of the values escapeLater kept to
// the search entries. Callers hold r.mu.
func (r *Redactor) escapeForms() {
	for _, p := range r.escLater {
		charForms(r.seed, p.v, func(head uint64, hash uint32, n int) {
			if n <= 0xFFFF {
				r.search = append(r.search, searchEntry{head: head, hash: hash, value: p.value, n: uint16(n), h8: p.h8, kind: p.kind})
			}
		})
		r.sorted = false
	}
	clear(r.escLater)
	r.escLater, r.escBytes = r.escLater[:0], 0
}

// record counts one redaction and keeps its location (never the value).
func (r *Redactor) recordLocked(loc *locator, rule, kind, tag string) {
	r.total++
	r.counts[[2]string{rule, kind}]++
	if len(r.locs) >= maxLocations {
		r.truncated = true
		return
	}
	l := Location{Rule: rule, Kind: kind, Tag: tag}
	if loc != nil {
		l.File = loc.file
		l.Location = loc.String()
	}
	r.locs = append(r.locs, l)
}

// keepLocsLocked appends locations found elsewhere (by a dry child) to the
// kept ones, up to maxLocations.
func (r *Redactor) keepLocsLocked(locs []Location) {
	n := min(len(locs), maxLocations-len(r.locs))
	r.locs = append(r.locs, locs[:max(n, 0)]...)
	if n < len(locs) {
		r.truncated = true
	}
}

// tagKind returns the kind of the first tag in s ("" when there is none).
func tagKind(s string) string {
	t := firstTag(s)
	if t == "" {
		return ""
	}
	t = t[len("[REDACTED:"):]
	if i := strings.IndexByte(t, ':'); i >= 0 {
		return t[:i]
	}
	return ""
}

// tagEnd returns the index after a well-formed tag at the start of s,
// "[REDACTED:<kind>:<8 hex>]", or -1.
func tagEnd(s string) int {
	i := len("[REDACTED:")
	k := i
	for k < len(s) && (class[s[k]]&cWord != 0 || s[k] == '.') {
		k++
	}
	if k == i || k+10 > len(s) || s[k] != ':' || s[k+9] != ']' {
		return -1
	}
	for _, c := range []byte(s[k+1 : k+9]) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return -1
		}
	}
	return k + 10
}

// firstTag returns the first "[REDACTED:kind:h8]" in s.
func firstTag(s string) string {
	i := strings.Index(s, "[REDACTED:")
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], ']')
	if j < 0 {
		return ""
	}
	return s[i : i+j+1]
}

// isTag reports whether s is already sanitized: it starts with a tag (an
// email keeps its domain after the tag, a file tag carries a size), or it
// is a sanitized JWT ("<header>.<payload>.[REDACTED:jwt:<h8>]").
// Only these whole shapes count: a string that merely starts with a tag
// ("[REDACTED:x:1] sk-…") is sanitized like any other.
func isTag(s string) bool {
	if strings.HasPrefix(s, "[REDACTED:") {
		end := tagEnd(s)
		if end < 0 {
			return false
		}
		rest := s[end:]
		switch {
		case rest == "":
			return true
		case rest[0] == '@': // an email keeps its domain
			d := rest[1:]
			return len(d) <= 255 && strings.IndexByte(d, '.') > 0 && strings.IndexFunc(d, func(c rune) bool { return c >= 0x80 || class[c]&cHost == 0 }) < 0
		case strings.HasPrefix(rest, " ") && strings.HasSuffix(rest, " bytes"): // a file or binary frame keeps its size
			n := rest[1 : len(rest)-len(" bytes")]
			return n != "" && strings.Trim(n, "0123456789") == ""
		}
		return false
	}
	if strings.HasPrefix(s, "eyJ") && strings.HasSuffix(s, "]") {
		i := strings.Index(s, ".[REDACTED:jwt:")
		return i > 0 && strings.Count(s[:i], ".") == 1 && strings.IndexByte(s[i+15:], ']') == len(s)-i-16
	}
	return false
}

// Location is where one redaction or finding happened: the file, a JSON
// pointer (JSON files) or line:column (text), the rule that fired and the
// kind and tag of the replacement. It never holds the value.
type Location struct {
	File     string `json:"file,omitempty"`
	Location string `json:"location"`
	Rule     string `json:"rule"`
	Kind     string `json:"kind"`
	Tag      string `json:"tag"`
}

// Count is the number of redactions by one rule with one kind of tag.
type Count struct {
	Rule  string `json:"rule"`
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

// Report summarizes what a Redactor redacted: counts per rule and kind and
// the locations (the first 10000; Truncated says there were more). It holds
// no values and is safe to put in bundle.json.
type Report struct {
	Total     int        `json:"total"`
	Counts    []Count    `json:"counts"`
	Locations []Location `json:"locations"`
	Truncated bool       `json:"truncated,omitempty"`
}

// Report returns what the Redactor redacted so far.
func (r *Redactor) Report() Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := Report{Total: r.total, Truncated: r.truncated, Locations: append([]Location{}, r.locs...), Counts: []Count{}}
	for k, n := range r.counts {
		rep.Counts = append(rep.Counts, Count{Rule: k[0], Kind: k[1], Count: n})
	}
	sort.Slice(rep.Counts, func(i, j int) bool {
		a, b := rep.Counts[i], rep.Counts[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Kind < b.Kind
	})
	return rep
}

// Text sanitizes one free-text string (a console message, a step's
// selector, a page title) with every detector, and returns it.
func (r *Redactor) Text(s string) string {
	return r.text(&locator{file: "text"}, s, textCtx{})
}

// ReporterField sanitizes a field the reporter typed on purpose (account
// email, workspace ID, description). It is exempt from the personal-data
// rules (email, card, IP) but not from the secret detectors; the values it
// keeps are not reported by [Redactor.Verify] either.
func (r *Redactor) ReporterField(name, s string) string {
	loc := &locator{file: "reporter", path: []string{name}}
	if rule := r.pol.match(InKey, name); rule != nil && rule.Mode == ModeValue {
		return r.secret(loc, rule.Name, s)
	}
	out := r.text(loc, s, textCtx{noPersonal: true})
	r.mu.Lock()
	if rule := r.pol.match(InKey, name); rule != nil && rule.Mode == ModePhone && phoneShaped(out) {
		r.kept[out] = true // a phone number typed on purpose
	}
	for _, v := range personalValues(out) {
		r.kept[v] = true
		r.keptHash[uint32(maphash.String(r.seed, v))] = true
	}
	r.mu.Unlock()
	return out
}

// locator is the place of the value being sanitized: a file and a JSON
// pointer path, or a line and column in a text file.
type locator struct {
	file      string
	path      []string
	line, col int
}

func (l *locator) String() string {
	if l.line > 0 {
		return itoa(l.line) + ":" + itoa(l.col)
	}
	var b strings.Builder
	for _, p := range l.path {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// at returns the locator of a match at offset off of the current string:
// the same for JSON (the pointer names the whole string), a moved column in
// text files.
func (l *locator) at(off int) *locator {
	if l == nil || l.line == 0 {
		return l
	}
	c := *l
	c.col = l.col + off
	return &c
}

func (l *locator) push(p string) { l.path = append(l.path, p) }
func (l *locator) pop()          { l.path = l.path[:len(l.path)-1] }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
