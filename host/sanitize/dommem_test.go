package sanitize_test

import (
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/sanitize"
)

// domEvents writes a dom.json of n mutation events to w.
func domEvents(w *io.PipeWriter, n int) {
	io.WriteString(w, `{"format":"rrweb","version":"2.1.6","tabs":[{"target":"T","events":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			io.WriteString(w, ",")
		}
		fmt.Fprintf(w, `{"type":3,"data":{"source":0,"texts":[{"id":%d,"value":"Order %d for ada.lovelace@example.org"}],"attributes":[{"id":%d,"attributes":{"href":"https://app.example.com/o/%d?token=Zq8pL2vX9mK4nR7tWc3bY6hJ","style":"color: red; background: url(/i.png?v=%d)"}}],"removes":[],"adds":[{"parentId":5,"nextId":null,"node":{"type":2,"tagName":"li","attributes":{"class":"row","data-id":"%d"},"childNodes":[{"type":3,"textContent":"Row %d, shipped to a customer in Lyon","id":%d}],"id":%d}}]},"timestamp":%d}`,
			i+100, i, i+101, i, i, i, i, 2*i+1000000, 2*i+1000001, 1765085023000+int64(i))
	}
	io.WriteString(w, `]}]}`)
	w.Close()
}

// TestDOMStreamsInBoundedMemory sanitizes a large dom.json as it is
// generated and checks that the heap stays far below its size. The
// events repeat their secrets (the user's email on every page): what the
// Redactor remembers of each distinct redacted value is bounded by its
// own limits (maxMemoEntries, maxSearchEntries), as for a HAR.
func TestDOMStreamsInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("sanitizes a large document")
	}
	const events = 120000 // about 60 MB
	pr, pw := io.Pipe()
	go domEvents(pw, events)
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}()
	cw := &countWriter{}
	start := time.Now()
	err := sanitize.New(nil).DOM(cw, pr)
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d MB out in %v, peak heap %d MB", cw.n>>20, time.Since(start).Round(time.Millisecond), peak.Load()>>20)
	if cw.n < 40<<20 {
		t.Fatalf("only %d bytes out", cw.n)
	}
	if peak.Load() > 40<<20 {
		t.Errorf("peak heap %d MB for a %d MB document: not streaming", peak.Load()>>20, cw.n>>20)
	}
}

type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }
