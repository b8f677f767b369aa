package sanitize

import (
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// With two cores or more, a document is read ahead: one goroutine decodes
// it (the skeleton tokens and each whole tree, such as a HAR entry) while
// the calling goroutine sanitizes and writes what was read before. The
// calls on the Redactor and the writer are those of the one-goroutine
// walk, in the same order, so the output and the report are the same
// bytes; decoding is about a third of the work of a HAR. Memory stays
// bounded: at most readAhead batches are in flight, each of at most
// batchEvents events, batchNodes nodes or batchBytes of input (or one
// larger tree): two entries where the walk on one goroutine holds one.

// pipelineStreams turns the read-ahead on (tests compare both ways).
var pipelineStreams = true

const (
	readAhead   = 2
	batchEvents = 64
	batchNodes  = 4096
	batchBytes  = 1 << 20 // of input
)

// event is one step of a document: an object or array opens ('{', '[')
// or closes ('}', ']'), a key ('k'), or a value read whole ('v').
type event struct {
	kind byte
	key  string
	tree *node
}

// batch is a run of events and the arena of their trees.
type batch struct {
	events  []event
	arena   arena
	bytes   int64        // of input read into the batch's trees
	pending atomic.Int32 // consumeDry: walks of its trees not yet done, plus one
	err     error        // reading stopped here with this error (after the events)
	last    bool         // the last batch of the document
}

var errStopped = errors.New("sanitize: read-ahead stopped")

// pipelined says whether run reads ahead.
func pipelined() bool { return pipelineStreams && runtime.GOMAXPROCS(0) > 1 }

// runPipelined is run with the decoding on another goroutine.
func (s *streamer) runPipelined() error {
	free := make(chan *batch, readAhead)
	for i := 0; i < readAhead; i++ {
		free <- &batch{}
	}
	full := make(chan *batch, readAhead)
	stop := make(chan struct{})
	go s.readAhead(free, full, stop)
	var err error
	if s.dry != nil && s.visitWith != nil {
		err = s.consumeDry(free, full)
	} else {
		err = s.consume(free, full)
	}
	close(stop)
	for range full { // wait for the reader: nothing reads the source after run returns
	}
	if err != nil {
		return err
	}
	s.out.byte('\n') // as jsontext ends a top-level value
	return s.out.flush()
}

// frame is an open object or array of the consumer.
type frame struct {
	kind  byte
	count int
}

// consume sanitizes and writes the events, as value does.
func (s *streamer) consume(free chan<- *batch, full <-chan *batch) error {
	var stack []frame
	// begin is the start of a value: in an array, its comma and index
	begin := func() {
		if len(stack) == 0 {
			return
		}
		f := &stack[len(stack)-1]
		if f.kind == '[' {
			if f.count > 0 {
				s.out.byte(',')
			}
			s.loc.push(itoa(f.count))
			f.count++
		}
	}
	// end is the end of a value: its key or index leaves the path
	end := func() {
		if len(stack) > 0 {
			s.loc.pop()
		}
	}
	for b := range full {
		for _, e := range b.events {
			switch e.kind {
			case 'v':
				begin()
				s.visit(s.loc, e.tree)
				if s.items != nil {
					s.items()
				}
				s.out.node(e.tree)
				if s.out.err != nil {
					return s.out.err
				}
				end()
			case '{', '[':
				begin()
				s.out.byte(e.kind)
				if e.kind == '[' && s.atEntries != nil && len(s.loc.path) == 2 && s.loc.path[0] == "log" && s.loc.path[1] == "entries" {
					s.atEntries()
				}
				stack = append(stack, frame{kind: e.kind})
			case 'k':
				key := e.key
				if s.key != nil {
					key = s.key(s.loc, key)
				}
				f := &stack[len(stack)-1]
				if f.count > 0 {
					s.out.byte(',')
				}
				f.count++
				s.out.str(key)
				s.out.byte(':')
				s.loc.push(key)
			case '}', ']':
				s.out.byte(e.kind)
				stack = stack[:len(stack)-1]
				end()
			}
		}
		if b.last {
			return b.err
		}
		b.events, b.bytes = b.events[:0], 0
		b.arena.reset()
		free <- b
	}
	return errStopped // not reached: the reader always sends a last batch unless stopped
}

// readAhead decodes the document into batches of events, calling dec and
// whole exactly as value does.
func (s *streamer) readAhead(free <-chan *batch, full chan<- *batch, stop <-chan struct{}) {
	defer close(full)
	var b *batch
	get := func() bool {
		select {
		case b = <-free:
			return true
		case <-stop:
			return false
		}
	}
	send := func() bool {
		select {
		case full <- b:
			return true
		case <-stop:
			return false
		}
	}
	if !get() {
		return
	}
	emit := func(e event) error {
		b.events = append(b.events, e)
		if len(b.events) >= batchEvents || b.arena.n >= batchNodes || b.bytes >= batchBytes {
			if !send() || !get() {
				return errStopped
			}
		}
		return nil
	}
	var path []string
	var value func(depth int) error
	value = func(depth int) error {
		kind := s.dec.PeekKind()
		if kind == 0 {
			_, err := s.dec.ReadToken()
			return err
		}
		if (kind != '{' && kind != '[') || s.whole(path) {
			start := s.dec.InputOffset()
			n, err := readNode(s.dec, depth, &b.arena)
			if err != nil {
				return err
			}
			b.bytes += s.dec.InputOffset() - start
			return emit(event{kind: 'v', tree: n})
		}
		if _, err := s.dec.ReadToken(); err != nil {
			return err
		}
		if err := emit(event{kind: byte(kind)}); err != nil {
			return err
		}
		if kind == '{' {
			for s.dec.PeekKind() != '}' {
				kt, err := s.dec.ReadToken()
				if err != nil {
					return err
				}
				key := kt.String()
				if err := emit(event{kind: 'k', key: key}); err != nil {
					return err
				}
				// the raw key: whole only asks for "log", "entries" and
				// "pages", which sanitizing never makes or changes
				path = append(path, key)
				if err := value(depth + 1); err != nil {
					return err
				}
				path = path[:len(path)-1]
			}
		} else {
			for i := 0; s.dec.PeekKind() != ']'; i++ {
				path = append(path, itoa(i))
				if err := value(depth + 1); err != nil {
					return err
				}
				path = path[:len(path)-1]
			}
		}
		tok, err := s.dec.ReadToken()
		if err != nil {
			return err
		}
		return emit(event{kind: byte(tok.Kind())})
	}
	err := value(0)
	if err == errStopped {
		return
	}
	if err == nil {
		if _, e := s.dec.ReadToken(); e != io.EOF {
			if e == nil {
				e = &InputError{Offset: s.dec.InputOffset(), Err: errors.New("data after the end of the JSON document")}
			}
			err = e
		}
	}
	b.err, b.last = err, true
	send()
}

// consumeDry is consume for a dry run (Verify, Scan), which writes nothing
// and only records findings: the trees are walked in parallel, each by a
// worker's own dry Redactor, and the findings of the walks, and of the
// keys the consumer sanitizes itself, are put back in document order, so
// that they are those of a walk on one goroutine.
func (s *streamer) consumeDry(free chan<- *batch, full <-chan *batch) error {
	r := s.dry
	var results []*[]Location // in document order
	// keys: what the consumer found so far becomes the next result
	cut := func() {
		r.mu.Lock()
		if len(r.locs) > 0 {
			locs := r.locs
			results = append(results, &locs)
			r.locs = nil
		}
		r.mu.Unlock()
	}
	release := func(b *batch) {
		if b.pending.Add(-1) == 0 {
			b.events, b.bytes = b.events[:0], 0
			b.arena.reset()
			free <- b
		}
	}
	type task struct {
		b    *batch
		loc  locator
		tree *node
		out  *[]Location
	}
	tasks := make(chan task, batchEvents)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			child := r.dryChild()
			for t := range tasks {
				s.visitWith(child, &t.loc, t.tree)
				child.mu.Lock()
				*t.out = child.locs
				child.locs = nil
				child.mu.Unlock()
				release(t.b)
			}
		}()
	}
	finish := func(err error) error {
		close(tasks)
		wg.Wait()
		cut()
		r.mu.Lock()
		for _, l := range results { // cut left r.locs empty
			r.keepLocsLocked(*l)
		}
		r.mu.Unlock()
		return err
	}
	var stack []frame
	for b := range full {
		b.pending.Store(1)
		for _, e := range b.events {
			switch e.kind {
			case 'v':
				if len(stack) > 0 && stack[len(stack)-1].kind == '[' {
					f := &stack[len(stack)-1]
					s.loc.push(itoa(f.count))
					f.count++
				}
				cut()
				out := new([]Location)
				results = append(results, out)
				b.pending.Add(1)
				tasks <- task{b: b, loc: locator{file: s.loc.file, path: append([]string(nil), s.loc.path...)}, tree: e.tree, out: out}
				if len(stack) > 0 {
					s.loc.pop()
				}
			case '{', '[':
				if len(stack) > 0 && stack[len(stack)-1].kind == '[' {
					f := &stack[len(stack)-1]
					s.loc.push(itoa(f.count))
					f.count++
				}
				stack = append(stack, frame{kind: e.kind})
			case 'k':
				key := e.key
				if s.key != nil {
					key = s.key(s.loc, key)
				}
				stack[len(stack)-1].count++
				s.loc.push(key)
			case '}', ']':
				stack = stack[:len(stack)-1]
				if len(stack) > 0 {
					s.loc.pop()
				}
			}
		}
		if b.last {
			return finish(b.err)
		}
		release(b)
	}
	return finish(errStopped)
}
