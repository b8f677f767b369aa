package sanitize

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-json-experiment/json/jsontext"
)

// VerifyBytes is [Redactor.Verify] of a file held in memory, with the same
// findings in the same order, and faster: it uses every core
// (GOMAXPROCS). The search for redacted values runs beside the rescan,
// and the entries of a HAR are rescanned in parallel chunks, each with its
// own dry-run walk, their findings put back in document order. A file
// that is not a well-formed HAR is rescanned in one piece, as Verify
// does.
func (r *Redactor) VerifyBytes(name string, data []byte) ([]Finding, error) {
	r.verifyMu.Lock()
	defer r.verifyMu.Unlock()
	search := r.searcher(hasEscape(0, data))
	sr := &searchReader{r: bytes.NewReader(data), s: search}
	head := data[:min(len(data), 512)]
	sr.first = firstByte(head)
	searched := make(chan error, 1)
	go func() {
		err := sr.drain()
		sr.finish()
		searched <- err
	}()
	findings, err := r.rescanBytes(name, data, head, sr.first)
	if serr := <-searched; err == nil && serr != nil {
		err = serr
	}
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", name, err)
	}
	return r.verdict(name, findings, sr, bytes.NewReader(data)), nil
}

// verifyWorkers is how many chunks of a HAR VerifyBytes rescans at once
// (0: GOMAXPROCS); tests set it.
var verifyWorkers = 0

// verifyChunk is the size of the groups of entries handed to a worker; a
// HAR under two chunks is rescanned in one piece. A variable for tests.
var verifyChunk = 1 << 20

// rescanBytes is the rescan of Verify (the rules in a dry run) over data.
func (r *Redactor) rescanBytes(name string, data, head []byte, first byte) ([]Finding, error) {
	workers := verifyWorkers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	isHAR := first == '{' && harNamed(name, head)
	if isHAR && workers > 1 && len(data) >= 2*verifyChunk {
		if sp := splitHAR(data); sp != nil {
			if fs, ok := r.rescanHARParallel(name, data, sp, workers); ok {
				return fs, nil
			}
		}
	}
	// one piece, as Verify reads it (a reader that cannot seek)
	return r.dryChild().scanStream(name, struct{ io.Reader }{bytes.NewReader(data)})
}

// firstByte is the first byte of a document that is not white space or a
// byte order mark.
func firstByte(head []byte) byte {
	for _, c := range head {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != 0xEF && c != 0xBB && c != 0xBF {
			return c
		}
	}
	return 0
}

// harNamed says whether a JSON document is read as a HAR: by its name,
// or by a "log" in its first bytes (head).
func harNamed(name string, head []byte) bool {
	return strings.HasSuffix(strings.ToLower(name), ".har") || bytes.Contains(head, []byte(`"log"`))
}

// harSplit is where the entries of a HAR are: the offsets of the '[' and
// ']' of log.entries and the start and end of each entry.
type harSplit struct {
	open, close int
	entries     [][2]int
}

// splitHAR finds the entries of a HAR shaped {"log":{…,"entries":[…],…}}
// with one "log" and one "entries", written without escapes in those two
// names, or returns nil. It only delimits values (a skip over strings and
// brackets); each entry is then decoded on its own and the rest as a
// document with no entries, so that a file that is not valid JSON fails
// one of those and is rescanned in one piece.
func splitHAR(data []byte) *harSplit {
	sp := &harSplit{open: -1}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil
	}
	sawLog := false
	i, ok := members(data, i, func(key []byte, v int) (int, bool) {
		if string(key) != "log" {
			return skipJSON(data, v)
		}
		if sawLog || data[v] != '{' {
			return 0, false
		}
		sawLog = true
		return members(data, v, func(key []byte, v int) (int, bool) {
			if string(key) != "entries" {
				return skipJSON(data, v)
			}
			if sp.open >= 0 || data[v] != '[' {
				return 0, false
			}
			sp.open = v
			j := skipSpace(data, v+1)
			if j < len(data) && data[j] == ']' {
				sp.close = j
				return j + 1, true
			}
			for j < len(data) {
				end, ok := skipJSON(data, j)
				if !ok {
					return 0, false
				}
				sp.entries = append(sp.entries, [2]int{j, end})
				j = skipSpace(data, end)
				if j >= len(data) {
					return 0, false
				}
				if data[j] == ']' {
					sp.close = j
					return j + 1, true
				}
				if data[j] != ',' {
					return 0, false
				}
				j = skipSpace(data, j+1)
			}
			return 0, false
		})
	})
	if !ok || sp.open < 0 || skipSpace(data, i) != len(data) {
		return nil
	}
	return sp
}

// members walks the members of the object at data[i] == '{', calling
// member with each key (raw, between its quotes) and the offset of its
// value; member returns the offset after the value. It returns the offset
// after the '}'.
func members(data []byte, i int, member func(key []byte, v int) (int, bool)) (int, bool) {
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, true
	}
	for i < len(data) {
		if data[i] != '"' {
			return 0, false
		}
		end, ok := skipString(data, i)
		if !ok {
			return 0, false
		}
		key := data[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			return 0, false // an escaped name might be "log" or "entries"
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return 0, false
		}
		v := skipSpace(data, i+1)
		if v >= len(data) {
			return 0, false
		}
		if i, ok = member(key, v); !ok {
			return 0, false
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return 0, false
		}
		if data[i] == '}' {
			return i + 1, true
		}
		if data[i] != ',' {
			return 0, false
		}
		i = skipSpace(data, i+1)
	}
	return 0, false
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the offset after the string at data[i] == '"'.
func skipString(data []byte, i int) (int, bool) {
	j := i + 1
	for {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			return 0, false
		}
		j += k
		// escaped when an odd number of backslashes comes before it
		n := 0
		for j-1-n > i && data[j-1-n] == '\\' {
			n++
		}
		if n%2 == 0 {
			return j + 1, true
		}
		j++
	}
}

// skipJSON returns the offset after the value at data[i] (delimiting
// only: strings and brackets).
func skipJSON(data []byte, i int) (int, bool) {
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end, ok := skipString(data, j)
				if !ok {
					return 0, false
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	}
	j := i
	for j < len(data) && data[j] != ',' && data[j] != '}' && data[j] != ']' && data[j] != ' ' && data[j] != '\t' && data[j] != '\n' && data[j] != '\r' {
		j++
	}
	return j, j > i
}

// rescanHARParallel rescans the entries of sp in chunks on workers
// goroutines, then the rest of the document with the entries' findings
// put where the entries are. ok is false when a part is not valid JSON
// (the caller rescans the file in one piece).
func (r *Redactor) rescanHARParallel(name string, data []byte, sp *harSplit, workers int) ([]Finding, bool) {
	// chunks of about verifyChunk bytes of whole entries
	var chunks [][2]int // entry index ranges
	for k := 0; k < len(sp.entries); {
		start, size := k, 0
		for k < len(sp.entries) && (k == start || size < verifyChunk) {
			size += sp.entries[k][1] - sp.entries[k][0]
			k++
		}
		chunks = append(chunks, [2]int{start, k})
	}
	results := make([][]Location, len(chunks))
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < min(workers, len(chunks)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			child := r.dryChild()
			var a arena
			for !failed.Load() {
				c := int(next.Add(1) - 1)
				if c >= len(chunks) {
					return
				}
				for k := chunks[c][0]; k < chunks[c][1]; k++ {
					e := sp.entries[k]
					if !child.rescanEntry(name, data[e[0]:e[1]], k, &a) {
						failed.Store(true)
						return
					}
				}
				child.mu.Lock()
				results[c] = child.locs
				child.locs = nil
				child.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failed.Load() {
		return nil, false
	}
	// the document without its entries; the entries' findings go in at
	// the '[' of log.entries, where a walk of the whole file finds them
	child := r.dryChild()
	child.atEntries = func() {
		child.mu.Lock()
		defer child.mu.Unlock()
		for _, locs := range results {
			child.keepLocsLocked(locs)
		}
	}
	rest := make([]byte, 0, sp.open+1+len(data)-sp.close)
	rest = append(append(rest, data[:sp.open+1]...), data[sp.close:]...)
	if err := child.stream(io.Discard, bytes.NewReader(rest), name, true, false); err != nil {
		return nil, false
	}
	return child.findings(name), true
}

// rescanEntry walks entry k of a HAR (one JSON value) in a dry run, as
// the walk of the whole file does. It reports false when the bytes are
// not one valid JSON value.
func (r *Redactor) rescanEntry(name string, entry []byte, k int, a *arena) bool {
	dec := jsontext.NewDecoder(bytes.NewReader(entry), decodeOptions...)
	a.reset()
	n, err := readNode(dec, 3, a)
	if err != nil {
		return false
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return false
	}
	loc := &locator{file: name, path: []string{"log", "entries", itoa(k)}}
	r.visitHAR(loc, n)
	return true
}
