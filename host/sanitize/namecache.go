package sanitize

import (
	"strings"
	"sync"
	"sync/atomic"
)

// nameCache remembers answers about names (header names, parameter names,
// JSON keys), which repeat a lot: the walk asks about every key of every
// body. Reads take no lock: they look in an immutable snapshot map; new
// answers go to a locked map that is folded into a new snapshot once it
// holds half as many names as the snapshot (so copying costs O(n) in
// total). At most max names are kept; names longer than 64 bytes are not.
type nameCache[V any] struct {
	snap  atomic.Pointer[map[string]V]
	mu    sync.Mutex
	dirty map[string]V
	size  int // names in snap and dirty
	max   int
}

// get returns the cached answer for name.
func (c *nameCache[V]) get(name string) (V, bool) {
	if m := c.snap.Load(); m != nil {
		if v, ok := (*m)[name]; ok {
			return v, true
		}
	}
	c.mu.Lock()
	v, ok := c.dirty[name]
	c.mu.Unlock()
	return v, ok
}

// put caches the answer for name.
func (c *nameCache[V]) put(name string, v V) {
	if len(name) > 64 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size >= c.max {
		return
	}
	if _, ok := c.dirty[name]; ok {
		return
	}
	if c.dirty == nil {
		c.dirty = map[string]V{}
	}
	c.dirty[strings.Clone(name)] = v
	c.size++
	old := c.snap.Load()
	n := 0
	if old != nil {
		n = len(*old)
	}
	if len(c.dirty) < 8+n/2 {
		return
	}
	m := make(map[string]V, n+len(c.dirty))
	if old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	for k, v := range c.dirty {
		m[k] = v
	}
	c.snap.Store(&m)
	c.dirty = nil
}
