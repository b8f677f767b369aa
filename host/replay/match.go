package replay

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Request is what the matcher knows of one browser request.
type Request struct {
	Method string
	URL    string
	// Header holds the request headers with lower-case names.
	Header map[string]string
	// Body is the request body; BodyUnknown is true when the browser said
	// there was one but did not pass it on (large uploads).
	Body        []byte
	BodyUnknown bool
}

// Kind says how a request was matched.
type Kind uint8

// The kinds of match, from the strictest.
const (
	// Unmatched: no recorded entry fits; the request fails as blocked.
	Unmatched Kind = iota
	// Exact: same method and URL (fragment dropped, query order ignored,
	// redacted values matching anything) and the same body (bytes,
	// canonical JSON, form fields or multipart parts).
	Exact
	// Fuzzy: same method, origin and path; volatile parameters ignored or a
	// query or body that scores at least the threshold.
	Fuzzy
)

// String returns "exact", "fuzzy" or "unmatched".
func (k Kind) String() string {
	switch k {
	case Exact:
		return "exact"
	case Fuzzy:
		return "fuzzy"
	}
	return "unmatched"
}

// Match is the matcher's decision for one request, with its explanation.
type Match struct {
	Kind Kind
	// Entry is the chosen recorded entry; nil when unmatched.
	Entry *Recorded
	// Score is the chosen candidate's score from 0 to 1 (query and body
	// fit, plus a small header tie-break).
	Score float64
	// Candidates is how many recorded entries shared method, origin and path.
	Candidates int
	// Reason explains the decision in one line, for the per-request log.
	Reason string
}

// MatchOptions tune a [Matcher].
type MatchOptions struct {
	// Volatile are query parameters and JSON fields whose values are
	// ignored; nil means [DefaultVolatileParams].
	Volatile []string
	// Threshold is the lowest score a fuzzy match may have (0..1);
	// 0 means 0.5.
	Threshold float64
}

// Matcher chooses the recorded entry that answers a browser request: exact
// method and URL first; then the same path with volatile parameters ignored;
// then the best scored query and body at or above the threshold; a few
// headers break ties; among equal candidates the next one not yet served in
// recorded order wins, and once all are served the last is reused, so a
// request polled twice gets its two recorded answers.
//
// Matcher is safe for concurrent use; calls are served one at a time in the
// order they arrive, which is what makes the sequence order hold.
type Matcher struct {
	mu        sync.Mutex
	a         *Archive
	volatile  map[string]bool
	threshold float64

	exact, loose sigIndex
	scoreOnly    map[string]bool // URL keys with redacted entries
	looseByKey   map[string][]*sigGroup
}

// NewMatcher returns a matcher over a.
func NewMatcher(a *Archive, opts MatchOptions) *Matcher {
	m := &Matcher{a: a, volatile: map[string]bool{}, threshold: opts.Threshold}
	if m.threshold <= 0 {
		m.threshold = 0.5
	}
	names := opts.Volatile
	if names == nil {
		names = DefaultVolatileParams
	}
	for _, n := range names {
		m.volatile[n] = true
	}
	m.exact, m.loose, m.scoreOnly = sigIndex{}, sigIndex{}, map[string]bool{}
	for _, r := range a.Entries {
		if r.key == "" {
			continue
		}
		if hasRedaction(r) {
			m.scoreOnly[r.key] = true
			continue
		}
		m.exact.add(sigParts{}.signature(r.Socket, r.key, r.query, r.body), r)
		lp := sigParts{global: m.volatile, key: a.volatileBy[r.key]}
		m.loose.add(lp.signature(r.Socket, r.key, r.query, r.body), r)
	}
	m.looseByKey = map[string][]*sigGroup{}
	for _, groups := range m.loose {
		for _, g := range groups {
			k := a.Entries[g.idx[0]].key
			m.looseByKey[k] = append(m.looseByKey[k], g)
		}
	}
	for _, gs := range m.looseByKey {
		sort.Slice(gs, func(i, j int) bool { return gs[i].idx[0] < gs[j].idx[0] })
	}
	return m
}

// Archive returns the archive the matcher serves from.
func (m *Matcher) Archive() *Archive { return m.a }

// candidate is one scored recorded entry.
type candidate struct {
	r      *Recorded
	fit    float64 // query and body fit, 0..1: what the threshold applies to
	score  float64 // fit plus the header tie-break
	exact  bool
	qres   queryResult
	bres   bodyResult
	header float64
}

// queryResult is the comparison of a recorded query with a request's.
type queryResult struct {
	c leafCount
}

// Match chooses the entry for req and marks it served. It never returns an
// error: a request that fits nothing is Unmatched with the reason.
func (m *Matcher) Match(req Request) Match {
	method := strings.ToUpper(req.Method)
	if method == "" {
		method = "GET"
	}
	u, err := url.Parse(req.URL)
	if err != nil || u.Host == "" {
		return Match{Reason: "unparsable URL"}
	}
	origin, path := originPath(u)
	if method == "HEAD" && len(m.a.byKey["HEAD "+origin+path]) == 0 && len(m.a.byKey["GET "+origin+path]) > 0 {
		// A HEAD the recording does not hold is answered from the GET
		// (the browser drops the body).
		req.Method = "GET"
		res := m.Match(req)
		if res.Entry != nil {
			res.Kind = Fuzzy
			res.Reason = "HEAD answered from the recorded GET: " + res.Reason
		}
		return res
	}
	query := parseQuery(u.RawQuery)
	got := parseBody(req.Body, req.Header["content-type"])

	m.mu.Lock()
	defer m.mu.Unlock()
	key := method + " " + origin + path
	idx := m.a.byKey[key]
	var redacted []int
	for _, i := range m.a.redacted[method+" "+origin] {
		if redactedEqual(m.a.Entries[i].path, path) {
			redacted = append(redacted, i)
		}
	}
	if len(idx) == 0 && len(redacted) == 0 {
		if u.Scheme == "ws" || u.Scheme == "wss" {
			return Match{Reason: "no recorded websocket " + u.Scheme + "://" + u.Host + path}
		}
		return Match{Reason: m.missReason(method, origin, path)}
	}
	keyVolatile := m.a.volatileBy[key]
	wsReq := u.Scheme == "ws" || u.Scheme == "wss"
	if !m.scoreOnly[key] && len(redacted) == 0 && !req.BodyUnknown {
		if groups := m.exact[sigParts{}.signature(wsReq, key, query, got)]; len(groups) > 0 {
			return m.fast(Exact, groups, m.exact, req, query, got, keyVolatile, len(idx))
		}
		lp := sigParts{global: m.volatile, key: keyVolatile}
		if groups := m.loose[lp.signature(wsReq, key, query, got)]; len(groups) > 0 {
			return m.fast(Fuzzy, groups, m.loose, req, query, got, keyVolatile, len(idx))
		}
	}

	if !m.scoreOnly[key] && len(redacted) == 0 {
		return m.scanGroups(key, wsReq, req, query, got, keyVolatile, len(idx), method, origin, path)
	}
	vol := m.volatileFor(keyVolatile)
	var best []candidate
	bestScore := -1.0
	consider := func(i int) {
		r := m.a.Entries[i]
		// An HTTP request never takes a websocket entry, and the
		// websocket player asks with ws URLs only.
		if r.Socket != wsReq {
			return
		}
		c := m.score(r, req, query, got, vol, true)
		if c.fit < m.threshold {
			return
		}
		switch {
		case c.score > bestScore+1e-9:
			bestScore = c.score
			best = append(best[:0], c)
		case c.score > bestScore-1e-9:
			best = append(best, c)
		}
	}
	for _, i := range idx {
		consider(i)
	}
	for _, i := range redacted {
		consider(i)
	}
	n := len(idx) + len(redacted)
	if len(best) == 0 {
		return Match{Candidates: n, Reason: fmt.Sprintf("%d recorded %s %s%s but none scores %.2f or more", n, method, origin, path, m.threshold)}
	}
	// Sequence: candidates are in recorded order within each list; take
	// the first not yet served, else reuse the last.
	pick := best[len(best)-1]
	reuse := true
	for _, c := range best {
		if c.r.served.Load() == 0 {
			pick, reuse = c, false
			break
		}
	}
	pick.r.served.Add(1)
	pick = m.score(pick.r, req, query, got, vol, false)
	kind := Fuzzy
	if pick.exact {
		kind = Exact
	}
	return Match{
		Kind: kind, Entry: pick.r, Score: min(pick.score, 1), Candidates: n,
		Reason: explain(kind, pick, len(best), reuse),
	}
}

// scanGroups scores one entry of each group of equal loose signature for
// the URL, keeps the best scoring groups at or above the threshold, and
// picks in them by sequence.
func (m *Matcher) scanGroups(key string, wsReq bool, req Request, query []param, got body, keyVolatile map[string]bool, n int, method, origin, path string) Match {
	vol := m.volatileFor(keyVolatile)
	var tier []*sigGroup
	best := -1.0
	for _, g := range m.looseByKey[key] {
		r := m.a.Entries[g.idx[0]]
		if r.Socket != wsReq {
			continue
		}
		c := m.score(r, req, query, got, vol, true)
		if c.fit < m.threshold {
			continue
		}
		switch {
		case c.score > best+1e-9:
			best, tier = c.score, append(tier[:0], g)
		case c.score > best-1e-9:
			tier = append(tier, g)
		}
	}
	if len(tier) == 0 {
		return Match{Candidates: n, Reason: fmt.Sprintf("%d recorded %s %s%s but none scores %.2f or more", n, method, origin, path, m.threshold)}
	}
	r, ties, reuse := m.loose.pick(m.a, tier, req.Header)
	c := m.score(r, req, query, got, vol, false)
	r.served.Add(1)
	kind := Fuzzy
	if c.exact {
		kind = Exact
	}
	return Match{Kind: kind, Entry: r, Score: min(c.score, 1), Candidates: n, Reason: explain(kind, c, ties, reuse)}
}

// fast serves a request from a signature index hit: the chosen entry is
// scored once, for the explanation.
func (m *Matcher) fast(kind Kind, groups []*sigGroup, x sigIndex, req Request, query []param, got body, keyVolatile map[string]bool, n int) Match {
	r, ties, reuse := x.pick(m.a, groups, req.Header)
	c := m.score(r, req, query, got, m.volatileFor(keyVolatile), false)
	r.served.Add(1)
	return Match{Kind: kind, Entry: r, Score: min(c.score, 1), Candidates: n, Reason: explain(kind, c, ties, reuse)}
}

// score compares one recorded entry with a request.
//
// Scoring many candidates skips the notes (silent); the chosen one is
// scored again with them for the explanation.
func (m *Matcher) score(r *Recorded, req Request, query []param, got body, vol map[string]bool, silent bool) candidate {
	c := candidate{r: r}
	c.qres.c.silent = silent
	compareParams(r.query, query, vol, &c.qres.c)
	qr := c.qres.c.result("query")
	c.bres = compareBody(r.body, got, req.BodyUnknown, m.volatile, silent)
	c.header = headerScore(r.tieHdrs, req.Header)
	c.fit = min(qr.score, c.bres.score)
	c.score = c.fit + 0.01*c.header
	c.exact = qr.exact && c.bres.exact
	return c
}

func (m *Matcher) volatileFor(key map[string]bool) map[string]bool {
	if len(key) == 0 {
		return m.volatile
	}
	merged := make(map[string]bool, len(m.volatile)+len(key))
	for k := range m.volatile {
		merged[k] = true
	}
	for k := range key {
		merged[k] = true
	}
	return merged
}

func (m *Matcher) missReason(method, origin, path string) string {
	if m.a.paths[origin+path] {
		return fmt.Sprintf("no recorded %s %s%s (recorded with another method)", method, origin, path)
	}
	return fmt.Sprintf("no recorded %s %s%s", method, origin, path)
}

func explain(kind Kind, c candidate, ties int, reuse bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %.2f entry #%d", kind, min(c.score, 1), c.r.Index)
	q := c.qres.c
	if q.volatile > 0 {
		fmt.Fprintf(&b, "; %d volatile query value(s) ignored", q.volatile)
	}
	if q.differ > 0 {
		fmt.Fprintf(&b, "; query %d/%d", q.equal, q.equal+q.differ)
	}
	for _, n := range q.notes {
		b.WriteString("; " + n)
	}
	if c.bres.how != "no body" {
		fmt.Fprintf(&b, "; body %s %.2f", c.bres.how, c.bres.score)
		if c.bres.volatile > 0 {
			fmt.Fprintf(&b, " (%d volatile value(s) ignored)", c.bres.volatile)
		}
		for _, n := range c.bres.notes {
			b.WriteString("; " + n)
		}
	}
	if c.r.hasRedac {
		b.WriteString("; redacted path")
	}
	if ties > 1 {
		if reuse {
			fmt.Fprintf(&b, "; %d equal candidates all served, reused the last", ties)
		} else {
			fmt.Fprintf(&b, "; next unserved of %d equal candidates", ties)
		}
	}
	return b.String()
}

// compareParams compares two name-sorted parameter lists into c: values
// equal or redacted count as equal, values of volatile names or generated
// on both sides are ignored, anything else differs.
func compareParams(rec, got []param, volatile map[string]bool, c *leafCount) {
	i, j := 0, 0
	for i < len(rec) || j < len(got) {
		var name string
		switch {
		case j >= len(got) || (i < len(rec) && rec[i].name < got[j].name):
			name = rec[i].name
		default:
			name = got[j].name
		}
		i0, j0 := i, j
		for i < len(rec) && rec[i].name == name {
			i++
		}
		for j < len(got) && got[j].name == name {
			j++
		}
		rv, gv := rec[i0:i], got[j0:j]
		if volatile[name] {
			if equalParams(rv, gv) {
				c.equal++
			} else {
				c.volatile++
			}
			continue
		}
		if len(rv) != len(gv) && len(rv) > 0 && len(gv) > 0 && allRedacted(rv) {
			// The sanitizer may redact repeated values as one tag (or
			// keep one tag per value): redacted, they match any values.
			c.equal++
			continue
		}
		if len(rv) != len(gv) {
			c.differ++
			if len(rv) == 0 {
				c.note("query %s not recorded", name)
			} else if len(gv) == 0 {
				c.note("query %s missing", name)
			} else {
				c.note("query %s repeated differently", name)
			}
			continue
		}
		for k := range rv {
			r, g := rv[k].value, gv[k].value
			switch {
			case r == g:
				c.equal++
			case strings.Contains(r, redactionMark) && redactedEqual(r, g):
				c.equal++
			case looksGenerated(r) && looksGenerated(g):
				c.volatile++
			default:
				c.differ++
				c.note("query %s differs", name)
			}
		}
	}
}

// allRedacted reports whether every value is a whole redaction tag.
func allRedacted(ps []param) bool {
	for _, p := range ps {
		if !wholeTag(p.value, false) {
			return false
		}
	}
	return true
}

// wholeTag reports whether s is one whole redaction tag; sized admits a
// file's sized tag ("[REDACTED:file…] N bytes") too.
func wholeTag(s string, sized bool) bool {
	return strings.HasPrefix(s, redactionMark) && strings.Count(s, redactionMark) == 1 &&
		(strings.HasSuffix(s, "]") || sized && strings.HasSuffix(s, " bytes"))
}

func equalParams(a, b []param) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// headerScore is the share of tie-break headers that agree, 0..1.
func headerScore(rec, got map[string]string) float64 {
	if len(rec) == 0 {
		return 1
	}
	same := 0
	for n, v := range rec {
		if g, ok := got[n]; ok && (g == v || redactedEqual(v, g)) {
			same++
		}
	}
	return float64(same) / float64(len(rec))
}

// lastFull returns the latest recorded 200 of the same request before r
// (or after it when none came before), for a 304 that must be answered in full.
func (m *Matcher) lastFull(r *Recorded) *Recorded {
	m.mu.Lock()
	defer m.mu.Unlock()
	var before, after *Recorded
	for _, i := range m.a.byKey[r.key] {
		e := m.a.Entries[i]
		if e.Entry.Response.Status != 200 {
			continue
		}
		if i < r.Index {
			before = e
		} else if after == nil {
			after = e
		}
	}
	if before != nil {
		return before
	}
	return after
}
