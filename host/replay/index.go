package replay

import (
	"encoding/json"
	"sort"
	"strings"
)

// The fast paths of the matcher. Most requests of a replay are either the
// same as a recorded one, or the same once volatile values are set aside
// (cache busters, client clocks, UUIDs). Both cases are answered from a
// signature index in O(1) instead of scoring every entry of the URL; only
// the rest, and URLs whose recording holds redactions, are scored one by one.

// sigGroup is the entries that share a signature and the same tie-break
// headers, in recorded order; next is the first that may be unserved.
type sigGroup struct {
	hdrs map[string]string
	idx  []int
	next int
}

// sigIndex maps a signature to its groups.
type sigIndex map[string][]*sigGroup

func (x sigIndex) add(sig string, r *Recorded) {
	hs := headerSig(r.tieHdrs)
	for _, g := range x[sig] {
		if headerSig(g.hdrs) == hs {
			g.idx = append(g.idx, r.Index)
			return
		}
	}
	x[sig] = append(x[sig], &sigGroup{hdrs: r.tieHdrs, idx: []int{r.Index}})
}

func headerSig(h map[string]string) string {
	if len(h) == 0 {
		return ""
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + ":" + h[k] + "\n")
	}
	return b.String()
}

// pick chooses in groups: the best header tie-break first; among equal
// groups the entry not yet served that comes first in recorded order, or,
// when all are served, the last one. It reports how many entries tied and
// whether an entry was reused.
func (x sigIndex) pick(a *Archive, groups []*sigGroup, reqHdrs map[string]string) (r *Recorded, ties int, reuse bool) {
	best := -1.0
	var tier []*sigGroup
	for _, g := range groups {
		s := headerScore(g.hdrs, reqHdrs)
		switch {
		case s > best+1e-9:
			best, tier = s, append(tier[:0], g)
		case s > best-1e-9:
			tier = append(tier, g)
		}
	}
	first, last := -1, -1
	for _, g := range tier {
		ties += len(g.idx)
		for g.next < len(g.idx) && a.Entries[g.idx[g.next]].served.Load() > 0 {
			g.next++
		}
		if g.next < len(g.idx) && (first < 0 || g.idx[g.next] < first) {
			first = g.idx[g.next]
		}
		if l := g.idx[len(g.idx)-1]; l > last {
			last = l
		}
	}
	if first >= 0 {
		return a.Entries[first], ties, false
	}
	return a.Entries[last], ties, true
}

// sigParts builds a request signature: kind, method, origin, path, query and
// body, canonical (parameters sorted, JSON with sorted keys). With loose set,
// parameters and fields that are volatile by name are left out and values
// that look generated become "*".
type sigParts struct {
	global, key map[string]bool // volatile names; nil when exact
}

func (s sigParts) loose() bool { return s.global != nil }

func (s sigParts) volatile(name string) bool {
	return s.global[name] || s.key[name]
}

func (s sigParts) signature(socket bool, key string, query []param, b body) string {
	var sb strings.Builder
	if socket {
		sb.WriteString("ws ")
	}
	sb.WriteString(key)
	sb.WriteByte('?')
	s.params(&sb, query)
	sb.WriteByte('\x00')
	if !b.present {
		return sb.String()
	}
	switch b.kind {
	case bodyJSON:
		sb.WriteString("json:")
		s.json(&sb, b.json)
	case bodyForm:
		sb.WriteString("form:")
		s.params(&sb, b.form)
	case bodyMultipart:
		sb.WriteString("multipart:")
		for _, p := range b.parts {
			sb.WriteString(p.name + "\x01" + p.fileName + "\x01" + s.value(p.data) + "\x02")
		}
	default:
		sb.WriteString("raw:")
		sb.WriteString(s.value(string(b.raw)))
	}
	return sb.String()
}

func (s sigParts) value(v string) string {
	if s.loose() && looksGenerated(v) {
		return "*"
	}
	return v
}

func (s sigParts) params(sb *strings.Builder, ps []param) {
	for _, p := range ps {
		if s.loose() && s.volatile(p.name) {
			sb.WriteString(p.name + "=*&")
			continue
		}
		sb.WriteString(p.name + "=" + s.value(p.value) + "&")
	}
}

func (s sigParts) json(sb *strings.Builder, v any) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		sb.WriteByte('{')
		for _, k := range keys {
			kb, _ := json.Marshal(k)
			sb.Write(kb)
			sb.WriteByte(':')
			if s.loose() && s.volatile(k) {
				sb.WriteString(`"*",`)
				continue
			}
			s.json(sb, v[k])
			sb.WriteByte(',')
		}
		sb.WriteByte('}')
	case []any:
		sb.WriteByte('[')
		for _, e := range v {
			s.json(sb, e)
			sb.WriteByte(',')
		}
		sb.WriteByte(']')
	case string:
		b, _ := json.Marshal(s.value(v))
		sb.Write(b)
	default:
		sb.WriteString(s.value(jsonScalar(v)))
	}
}

// hasRedaction reports whether any query value or body of r holds a
// redaction placeholder: such entries are matched by scoring only.
func hasRedaction(r *Recorded) bool {
	if r.hasRedac {
		return true
	}
	for _, p := range r.query {
		if strings.Contains(p.value, redactionMark) {
			return true
		}
	}
	return r.body.present && strings.Contains(string(r.body.raw), redactionMark)
}
