package sanitize

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// Finding is one secret or personal value found in a file by
// [Redactor.Verify] or [Scan]: the file (or the member of a zip), the
// location (a JSON pointer in a JSON file, line:column in a text file, or
// "byte N"), the kind (the rule or detector that found it) and the tag the
// value would get. It never holds the value.
type Finding struct {
	File     string `json:"file"`
	Location string `json:"location"`
	Kind     string `json:"kind"`
	Tag      string `json:"tag"`
	// Rule is the rule that fired when it is not Kind (a GitHub token
	// found as the value of a "token" parameter has kind github-token and
	// rule secret-param); --allow accepts either.
	Rule string `json:"rule,omitempty"`
}

// LeakError is the fail-closed error of [Redactor.Verify]: secrets that
// survived sanitizing and that no allow rule accepts.
type LeakError struct {
	Findings []Finding
}

// Error names each finding's kind, file and location (at most five), never
// a value, and says how to accept a finding on purpose.
func (e *LeakError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d value(s) that must not be shared survive sanitizing:", len(e.Findings))
	for i, f := range e.Findings {
		if i == 5 {
			fmt.Fprintf(&b, " and %d more", len(e.Findings)-5)
			break
		}
		rule := f.Kind
		if f.Rule != "" && f.Rule != f.Kind {
			rule += " (rule " + f.Rule + ")"
		}
		fmt.Fprintf(&b, " %s in %s at %s;", rule, f.File, f.Location)
	}
	b.WriteString(" nothing was written. Accept a finding on purpose with --allow RULE (or \"allow\" in the policy file).")
	return b.String()
}

// Verify is the fail-closed rescan of one output file (name is used in the
// findings): it runs every rule and detector over it again (a sanitized
// file gives nothing new), and searches it for every value this Redactor
// redacted that has 8 characters or more, in raw, URL-encoded,
// JSON-escaped, JavaScript-escaped (\xNN, \uNNNN), HTML-escaped and base64
// form. Values made only of letters, or of fewer than 13 digits, are not
// searched for: they are too common, and the structural rules cover them;
// nor are values that do not look like values (code, words: see
// needleShaped). Findings whose rule or kind the policy allows are dropped; the
// rest are returned, and the caller must refuse the output when there are
// any (wrap them in a [*LeakError] to say so). The error is only for a file
// that cannot be read. A file named "dom.json" (also "bundle.zip!dom.json")
// is rescanned with the walk of [Redactor.DOM], a HAR with that of
// [Redactor.HAR], any other JSON with that of [Redactor.JSON].
func (r *Redactor) Verify(name string, data io.Reader) ([]Finding, error) {
	r.verifyMu.Lock()
	defer r.verifyMu.Unlock()
	child := r.dryChild()
	var start int64
	seeker, canSeek := data.(io.ReadSeeker)
	if canSeek {
		start, _ = seeker.Seek(0, io.SeekCurrent)
	}
	sr := r.searchReaderOf(data)
	findings, err := child.scanStream(name, sr)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", name, err)
	}
	sr.finish()
	var again io.Reader
	if canSeek {
		if _, err := seeker.Seek(start, io.SeekStart); err == nil {
			again = seeker
		}
	}
	return r.verdict(name, findings, sr, again), nil
}

// verdict adds the redacted values the search found to the findings of
// the rescan and drops what the policy allows. again reads the file from
// its start a second time, to name the JSON pointers of the values found
// (nil: they are named by line and column).
func (r *Redactor) verdict(name string, findings []Finding, sr *searchReader, again io.Reader) []Finding {
	if len(sr.hits) > 0 {
		isJSON := sr.first == '{' || sr.first == '['
		var ptrs map[int64]string
		if isJSON && again != nil {
			ptrs = pointersAt(again, sr.hits)
		}
		for _, h := range sr.hits {
			loc := itoa(h.line) + ":" + itoa(h.col)
			if p, ok := ptrs[h.off]; ok {
				loc = p
			}
			findings = append(findings, Finding{File: name, Location: loc, Kind: tagKind(h.tag), Tag: h.tag})
		}
	}
	out := findings[:0]
	for _, f := range findings {
		if r.pol.allow[f.Kind] || r.pol.allow[f.Rule] || r.pol.allow[tagKind(f.Tag)] {
			continue
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// dryChild is a Redactor with the same key, policy and kept values that
// records what it would redact.
func (r *Redactor) dryChild() *Redactor {
	r.mu.Lock()
	defer r.mu.Unlock()
	kept := make(map[string]bool, len(r.kept))
	for k := range r.kept {
		kept[k] = true
	}
	return &Redactor{policy: r.policy, pol: r.pol, key: r.key, mac: hmac.New(sha256.New, r.key), seed: r.seed,
		memo: map[uint64]uint16{}, kindIndex: map[string]uint16{}, kept: kept, keptHash: map[uint32]bool{}, counts: map[[2]string]int{}, dryRun: true}
}

// scanStream runs the rules over a JSON or text stream in dry-run mode and
// returns what they would redact as findings.
func (r *Redactor) scanStream(name string, src io.Reader) ([]Finding, error) {
	seeker, canSeek := src.(io.Seeker)
	var start int64
	if canSeek {
		var err error
		if start, err = seeker.Seek(0, io.SeekCurrent); err != nil {
			canSeek = false
		}
	}
	br := bufio.NewReaderSize(src, 256<<10)
	head, _ := br.Peek(512)
	first := firstByte(head)
	if sr, ok := src.(*searchReader); ok {
		sr.first = first
	}
	if first == '{' || first == '[' {
		var err error
		if domNamed(name, head) {
			// DOM events: rescanned by the walk that sanitized them
			err = r.domStream(io.Discard, br, name)
		} else {
			err = r.stream(io.Discard, br, name, harNamed(name, head), false)
		}
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				return nil, err
			}
			// broken or truncated JSON: the entry being read when it broke
			// was never walked, so scan the whole file again as text
			// (line:column locations); without a way back, say so rather
			// than call it clean
			if !canSeek && !r.userScan {
				// Verify: scan what is left as text; the search for
				// redacted values saw every byte
				return r.findings(name), r.scanText(name, br)
			}
			r.findings(name)
			if !canSeek {
				return nil, fmt.Errorf("%s is not valid JSON (%v) and cannot be re-read as text: extract it and scan the file", name, ie)
			}
			if _, err := seeker.Seek(start, io.SeekStart); err != nil {
				return nil, fmt.Errorf("%s is not valid JSON (%v) and cannot be re-read as text: %w", name, ie, err)
			}
			if err := r.scanText(name, bufio.NewReaderSize(src, 256<<10)); err != nil {
				return nil, err
			}
			return r.findings(name), nil
		}
		return r.findings(name), nil
	}
	if mime := codeMimeByName(name); mime != "" {
		// a page, script or stylesheet: read in its language, as its
		// body was sanitized (up to maxCodeScan; beyond, line by line)
		data, err := io.ReadAll(io.LimitReader(br, maxCodeScan+1))
		if err != nil {
			return nil, err
		}
		if len(data) <= maxCodeScan {
			r.body(&locator{file: name, path: []string{}}, string(data), mime, textCtx{ip: r.scanIPs})
			return r.findings(name), nil
		}
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(data), br), 256<<10)
	}
	if err := r.scanText(name, br); err != nil {
		return nil, err
	}
	return r.findings(name), nil
}

// maxCodeScan is the largest page, script or stylesheet that a scan reads
// in its language (held in memory whole); a larger one is scanned line by
// line as text.
const maxCodeScan = 64 << 20

// codeMimeByName is the media type of a file of code named name (HTML,
// JavaScript, CSS, XML, SVG; "bundle.zip!report.html" too), or "".
func codeMimeByName(name string) string {
	n := strings.ToLower(name)
	if i := strings.LastIndexByte(n, '!'); i >= 0 {
		n = n[i+1:]
	}
	switch path.Ext(n) {
	case ".html", ".htm", ".xhtml":
		return "text/html"
	case ".js", ".mjs", ".cjs":
		return "text/javascript"
	case ".css":
		return "text/css"
	case ".xml", ".svg":
		return "application/xml"
	}
	return ""
}

// scanText runs the text rules line by line.
func (r *Redactor) scanText(name string, br *bufio.Reader) error {
	loc := &locator{file: name}
	for line := 1; ; line++ {
		var s string
		var err error
		if r.userScan {
			s, err = readTextLine(br, line)
		} else {
			s, err = br.ReadString('\n')
		}
		if len(s) > 0 {
			loc.line, loc.col = line, 1
			// Verify rescans text as Text sanitized it (IPs are personal
			// data in bodies, not in a report); Scan looks for them too.
			r.text(loc, s, textCtx{ip: r.scanIPs})
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// maxTextLine caps one line of a file that a user scans as text: a line
// is held whole while it is scanned.
var maxTextLine = 16 << 20

// readTextLine reads line n of a file a user scans as text, refusing a
// line longer than maxTextLine and binary data (a NUL byte) before
// holding more than that: 1 GiB of zeros is not text, and is not clean.
func readTextLine(br *bufio.Reader, n int) (string, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if bytes.IndexByte(chunk, 0) >= 0 {
			return "", fmt.Errorf("binary data (a NUL byte) on line %d: not text, not scanned", n)
		}
		if len(line)+len(chunk) > maxTextLine {
			return "", fmt.Errorf("line %d is longer than %d MB: more than a scan reads as one line of text, not scanned", n, maxTextLine>>20)
		}
		line = append(line, chunk...)
		if err != bufio.ErrBufferFull {
			return string(line), err
		}
	}
}

func (r *Redactor) findings(name string) []Finding {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Finding, 0, len(r.locs))
	for _, l := range r.locs {
		f := Finding{File: name, Location: l.Location, Kind: l.Kind, Tag: l.Tag}
		if l.Rule != l.Kind {
			f.Rule = l.Rule
		}
		out = append(out, f)
	}
	r.locs = r.locs[:0]
	return out
}

// Scan looks for secrets and personal data in one file without changing
// it: a HAR or other JSON document (structural walk), or text (line by
// line). name is the file name used in the findings. To scan a bundle .zip
// use [ScanFile].
func Scan(name string, rd io.Reader, p *Policy) ([]Finding, error) {
	return scan(name, rd, p, true)
}

// scan is Scan; ips says whether IP addresses in text count (not in the
// text files of a bundle, which Verify checked the same way).
func scan(name string, rd io.Reader, p *Policy, ips bool) ([]Finding, error) {
	r := New(p)
	r.dryRun = true
	r.scanIPs = ips
	r.userScan = true
	return r.scanStream(name, rd)
}

// Limits of ScanFile on zip archives (zip-bomb safe). Variables so that
// tests can lower them.
var (
	maxZipMembers           = 10000
	maxZipMemberBytes int64 = 1 << 30
	maxZipTotalBytes  int64 = 4 << 30
)

// ScanFile scans a file: a bundle .zip (each member by its own type; images
// are skipped, nested archives are not opened) or any file [Scan] accepts.
// Findings in a zip name the member as "bundle.zip!session.har".
func ScanFile(path string, p *Policy) ([]Finding, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if n == 4 && string(magic[:]) == "PK\x03\x04" {
		return scanZip(path, f, p)
	}
	return Scan(path, f, p)
}

func scanZip(path string, f *os.File, p *Policy) ([]Finding, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s is not a readable zip: %w", path, err)
	}
	if len(zr.File) > maxZipMembers {
		return nil, fmt.Errorf("%s has %d members, more than %d: not scanned", path, len(zr.File), maxZipMembers)
	}
	var all []Finding
	var total int64
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() || skipMember(zf.Name) {
			continue
		}
		if zf.UncompressedSize64 > uint64(maxZipMemberBytes) {
			return nil, fmt.Errorf("%s: member %s declares %d bytes, more than the %d-byte cap: not scanned", path, zf.Name, zf.UncompressedSize64, maxZipMemberBytes)
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: member %s: %w", path, zf.Name, err)
		}
		lr := &capReader{r: rc, left: maxZipMemberBytes + 1}
		fs, err := scan(filepath.Base(path)+"!"+zf.Name, lr, p, false)
		rc.Close()
		total += maxZipMemberBytes + 1 - lr.left
		if lr.left <= 0 {
			return nil, fmt.Errorf("%s: member %s expands beyond %d bytes (zip bomb?): not scanned", path, zf.Name, maxZipMemberBytes)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: member %s: %w", path, zf.Name, err)
		}
		if total > maxZipTotalBytes {
			return nil, fmt.Errorf("%s expands beyond %d bytes in total (zip bomb?): scan stopped", path, maxZipTotalBytes)
		}
		all = append(all, fs...)
	}
	return all, nil
}

func skipMember(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg", ".webp", ".gif", ".zip", ".woff", ".woff2", ".mp4", ".webm":
		return true
	}
	return false
}

type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errors.New("member too large")
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// --- the search for redacted values

// searcher finds the forms of the redacted values in a stream: a bit
// filter on the first 8 bytes, then a binary search of the entries with
// those bytes, then the hash of the whole form. It holds no value.
type searcher struct {
	bits    []uint64 // filter of the heads (first 8 bytes) of the forms
	shift   uint
	grams   []uint64 // filter of the grams of the forms (see gramStride)
	gshift  uint
	entries []searchEntry // sorted by head
	kinds   []string
	kept    map[uint32]bool
	seed    maphash.Seed
	maxLen  int
	// partial: the escape forms of some values are left out (searcher
	// was asked for none, and escapeLater holds values).
	partial bool
}

// searchReaderOf reads rd through a search for the values redacted so
// far. The escape forms join it at rd's first escape, when they are
// needed (searchReader.more): no escape form can start before it.
func (r *Redactor) searchReaderOf(rd io.Reader) *searchReader {
	sr := &searchReader{r: rd, s: r.searcher(false)}
	if sr.s.partial {
		sr.more = func() *searcher { return r.searcher(true) }
	}
	return sr
}

// The stream search looks only at every gramStride-th byte: a form of 8
// bytes or more that starts at p holds the gramLen bytes at the one
// multiple of gramStride in p…p+3 (gramLen+gramStride-1 <= minVerifyValue),
// so the grams of each form at offsets 0…gramStride-1 go into a filter,
// and a filter hit is checked at the gramStride starts it can belong to.
// That is a quarter of the filter lookups (random memory reads) of a
// per-byte search, with the same hits.
const (
	gramStride = 4
	gramLen    = 5
	gramMask   = 1<<(8*gramLen) - 1
)

// searcher snapshots the search entries, sorted. Verify calls are
// serialized by verifyMu; replace only appends past the snapshot.
//
// escapes says whether the text to search may hold an escape (\x, \u,
// &#): only then are the escape forms of the values searched for.
func (r *Redactor) searcher(escapes bool) *searcher {
	r.mu.Lock()
	defer r.mu.Unlock()
	if escapes && len(r.escLater) > 0 {
		r.escapeForms()
	}
	partial := len(r.escLater) > 0
	if !r.sorted {
		sort.Slice(r.search, func(i, j int) bool {
			a, b := &r.search[i], &r.search[j]
			if a.head != b.head {
				return a.head < b.head
			}
			if a.n != b.n {
				return a.n < b.n
			}
			return a.hash < b.hash
		})
		r.sorted = true
	}
	s := &searcher{entries: r.search[:len(r.search):len(r.search)], kinds: append([]string{}, r.kinds...), seed: r.seed, kept: map[uint32]bool{}, partial: partial}
	for h := range r.keptHash {
		s.kept[h] = true
	}
	s.bits, s.shift = newFilter(len(s.entries))
	for _, e := range s.entries {
		h := filterHash(e.head, s.shift)
		s.bits[h>>6] |= 1 << (h & 63)
		s.maxLen = max(s.maxLen, int(e.n))
	}
	s.grams, s.gshift = newFilter(gramStride * len(s.entries))
	for _, e := range s.entries {
		// the grams of a form at offsets 0…3 are its first 8 bytes
		// shifted: the head holds them all
		for o := 0; o < gramStride; o++ {
			h := filterHash(e.head>>(8*o)&gramMask, s.gshift)
			s.grams[h>>6] |= 1 << (h & 63)
		}
	}
	return s
}

// newFilter makes a bit filter for n keys: about 64 bits per key, between
// 2^16 and 2^27 bits (16 MB).
func newFilter(n int) ([]uint64, uint) {
	bits := uint(16)
	for 1<<bits < 64*n && bits < 27 {
		bits++
	}
	return make([]uint64, (1<<bits)/64), 64 - bits
}

func filterHash(w uint64, shift uint) uint64 { return (w * 0x9E3779B97F4A7C15) >> shift }

// find returns the tag of a form that starts at b[0], or "".
func (s *searcher) find(b []byte) string {
	tag, _ := s.match(b, false)
	return tag
}

// findLongest returns the tag and length of the longest form that starts
// at b[0] ("", 0 when none does).
func (s *searcher) findLongest(b []byte) (string, int) {
	return s.match(b, true)
}

// match looks up the entries whose head is the first 8 bytes of b. They
// are sorted by length and hash, so b is hashed once per distinct length
// (many values can share a head: every JWT of one issuer starts alike).
func (s *searcher) match(b []byte, longest bool) (string, int) {
	if len(b) < 8 {
		return "", 0
	}
	w := binary.LittleEndian.Uint64(b)
	h := filterHash(w, s.shift)
	if s.bits[h>>6]&(1<<(h&63)) == 0 {
		return "", 0
	}
	es := s.entries
	lo := sort.Search(len(es), func(i int) bool { return es[i].head >= w })
	hi := lo + sort.Search(len(es)-lo, func(i int) bool { return es[lo+i].head > w })
	best := -1
	for i := lo; i < hi; {
		n := es[i].n
		if int(n) > len(b) {
			break
		}
		j := i + sort.Search(hi-i, func(k int) bool { return es[i+k].n > n })
		hb := uint32(maphash.Bytes(s.seed, b[:n]))
		for k := i + sort.Search(j-i, func(k int) bool { return es[i+k].hash >= hb }); k < j && es[k].hash == hb; k++ {
			if !s.kept[es[k].value] {
				best = k
				break
			}
		}
		if best >= 0 && !longest {
			break
		}
		i = j
	}
	if best < 0 {
		return "", 0
	}
	e := es[best]
	var h8 [4]byte
	binary.BigEndian.PutUint32(h8[:], e.h8)
	return "[REDACTED:" + s.kinds[e.kind] + ":" + hex.EncodeToString(h8[:]) + "]", int(e.n)
}

// tooCommon: only letters, or fewer than 13 digits: such values are
// everywhere (words, timestamps) and the structural rules cover them. A
// URL (a cookie holding a return address) is sanitized wherever it
// appears, so it is not searched for either.
func tooCommon(v string) bool {
	if strings.Contains(v, "://") || strings.Contains(v, "%3A%2F%2F") {
		return true
	}
	letters, digits := true, true
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			letters = false
		}
		if !(c >= '0' && c <= '9') {
			digits = false
		}
	}
	return letters || digits && len(v) < 13
}

// forms are the ways a value can appear in a file: raw, URL-encoded,
// JSON-escaped (also twice, inside JSON strings), JavaScript- and
// HTML-escaped (escapedForms), base64 in each alphabet and alignment.
func forms(v string) []string {
	out := make([]string, 1, 10)
	out[0] = v
	add := func(f string) {
		for _, o := range out {
			if o == f {
				return
			}
		}
		out = append(out, f)
	}
	plainURL, plainJSON := true, true
	for i := 0; i < len(v); i++ {
		c := v[i]
		if class[c]&cAlnum == 0 && c != '-' && c != '_' && c != '.' && c != '~' {
			plainURL = false
		}
		if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x80 {
			plainJSON = false
		}
	}
	if !plainURL {
		add(url.QueryEscape(v))
		add(url.PathEscape(v))
	}
	if !plainJSON {
		if q, err := jsontext.AppendQuote(nil, v); err == nil {
			j := string(q[1 : len(q)-1])
			add(j)
			if q2, err := jsontext.AppendQuote(nil, j); err == nil {
				add(string(q2[1 : len(q2)-1]))
			}
		}
		if q, err := json.Marshal(v); err == nil { // encoding/json also escapes <, >, &
			add(string(q[1 : len(q)-1]))
		}
	}
	escapedForms(v, add)
	buf := make([]byte, 2+len(v))
	copy(buf[2:], v)
	for k := 0; k < 3; k++ {
		e := base64.RawStdEncoding.EncodeToString(buf[2-k:])
		lo := (k*8 + 5) / 6
		hi := (k + len(v)) * 8 / 6
		if hi-lo < minVerifyValue {
			continue
		}
		core := e[lo:hi]
		add(core)
		if strings.ContainsAny(core, "+/") {
			add(strings.NewReplacer("+", "-", "/", "_").Replace(core))
		}
	}
	return out
}

type hit struct {
	off       int64
	line, col int
	tag       string
}

// searchReader searches what passes through it for the searcher's
// patterns, counting lines for the locations.
type searchReader struct {
	r     io.Reader
	s     *searcher
	first byte
	// more, if set, gives the searcher with the escape forms, which
	// replaces s at the first escape read (hasEscape): no escape form
	// can start before it.
	more func() *searcher
	last byte // the last byte read, for an escape split by Read

	buf     []byte // carried tail + new data
	base    int64  // offset of buf[0]
	line    int    // line number at buf[0] (0-based count of newlines before)
	lineOff int64  // offset of the start of the current line at buf[0]
	hits    []hit
}

func (sr *searchReader) Read(p []byte) (int, error) {
	n, err := sr.r.Read(p)
	if n > 0 && sr.more != nil {
		if hasEscape(sr.last, p[:n]) {
			sr.s, sr.more = sr.more(), nil
		}
		sr.last = p[n-1]
	}
	if n > 0 && len(sr.s.entries) > 0 {
		sr.buf = append(sr.buf, p[:n]...)
		sr.scan(false)
	}
	return n, err
}

// drain searches everything left in the reader, in large reads
// (io.Copy to io.Discard reads 8 KB at a time, and each read moves the
// tail that a form may still span).
func (sr *searchReader) drain() error {
	buf := make([]byte, 256<<10)
	for {
		_, err := sr.Read(buf)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (sr *searchReader) finish() {
	if len(sr.s.entries) > 0 {
		sr.scan(true)
	}
}

// scan looks at every start position whose longest pattern fits in buf
// (all of them at the end) and keeps the rest for the next read.
func (sr *searchReader) scan(final bool) {
	b := sr.buf
	limit := len(b) - sr.s.maxLen + 1
	if final {
		limit = len(b)
	}
	if limit < 0 {
		limit = 0
	}
	// start positions 0…end-1 are looked at; each has its gram at the
	// multiple of gramStride (in stream offsets) in p…p+3
	end := min(limit, len(b)-7)
	grams, gshift := sr.s.grams, sr.s.gshift
	i := int((gramStride - sr.base%gramStride) % gramStride)
	for ; i < end+gramStride-1; i += gramStride {
		var w uint64
		if i+8 <= len(b) {
			w = binary.LittleEndian.Uint64(b[i:]) & gramMask
		} else { // the last grams of the stream: i+gramLen <= len(b)
			for k := gramLen - 1; k >= 0; k-- {
				w = w<<8 | uint64(b[i+k])
			}
		}
		h := filterHash(w, gshift)
		if grams[h>>6]&(1<<(h&63)) == 0 {
			continue
		}
		for p := max(i-gramStride+1, 0); p <= i && p < end; p++ {
			if tag := sr.s.find(b[p:]); tag != "" {
				line, col := sr.position(p)
				if len(sr.hits) < maxLocations {
					sr.hits = append(sr.hits, hit{off: sr.base + int64(p), line: line, col: col, tag: tag})
				}
			}
		}
	}
	// advance line counting over the consumed part and drop it
	if n := bytes.Count(b[:limit], []byte{'\n'}); n > 0 { // LastIndexByte is a byte loop: only when there is one
		sr.line += n
		sr.lineOff = sr.base + int64(bytes.LastIndexByte(b[:limit], '\n')) + 1
	}
	sr.base += int64(limit)
	sr.buf = append(sr.buf[:0], b[limit:]...)
}

func (sr *searchReader) position(i int) (line, col int) {
	b := sr.buf[:i]
	line = sr.line + 1 + bytes.Count(b, []byte{'\n'})
	start := sr.lineOff
	if k := bytes.LastIndexByte(b, '\n'); k >= 0 {
		start = sr.base + int64(k) + 1
	}
	return line, int(sr.base+int64(i)-start) + 1
}

// pointersAt maps byte offsets of a JSON document to the JSON pointers of
// the values that contain them.
func pointersAt(r io.Reader, hits []hit) map[int64]string {
	offs := make([]int64, len(hits))
	for i, h := range hits {
		offs[i] = h.off
	}
	sort.Slice(offs, func(i, j int) bool { return offs[i] < offs[j] })
	out := map[int64]string{}
	dec := jsontext.NewDecoder(bufio.NewReader(r), decodeOptions...)
	k := 0
	for k < len(offs) {
		_, err := dec.ReadToken()
		if err != nil {
			break
		}
		end := dec.InputOffset()
		for k < len(offs) && offs[k] < end {
			out[offs[k]] = string(dec.StackPointer())
			k++
		}
	}
	return out
}

// base64Body sanitizes a base64 body: text is decoded, sanitized and
// encoded again; binary is searched for secret shapes, which are replaced
// in place (the body is then no longer the original file, on purpose).
func (r *Redactor) base64Body(loc *locator, s, mime string) string {
	data, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err != nil {
			return r.text(loc, s, textCtx{})
		}
	}
	ds := string(data)
	var ns string
	if textual(data) {
		ns = r.body(loc, ds, mime, textCtx{ip: true})
	} else {
		ns = ds
		if bytes.Contains(data, []byte("-----BEGIN")) {
			ns = r.pemPass(loc, ns)
		}
		ns = r.wordPass(loc, ns, textCtx{noEntropy: true})
	}
	if ns == ds {
		return s
	}
	return base64.StdEncoding.EncodeToString([]byte(ns))
}

// textual: valid UTF-8 without NUL bytes in the first 8 KB.
func textual(b []byte) bool {
	head := b
	if len(head) > 8192 {
		head = head[:8192]
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	for len(head) > 0 {
		r, size := utf8.DecodeRune(head)
		if r == utf8.RuneError && size == 1 {
			return len(head) < 4 // a rune cut at the 8 KB boundary
		}
		head = head[size:]
	}
	return true
}

// base64Len is the decoded length of a base64 string.
func base64Len(s string) int {
	s = strings.TrimRight(s, "=")
	return len(s) * 6 / 8
}
