package bundle

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"sync"
	"time"
)

// zipMember is one file of the bundle, compressed in memory before it is
// written: its size in the zip is then known before the zip is (so that
// SUPPORT_REQUEST.md and bundle.json can state the size of the finished
// file), and an unchanged file is not compressed or hashed again when the
// budget makes the bundle be written again.
type zipMember struct {
	name   string
	method uint16
	data   []byte // as stored in the zip: deflated, or the content itself
	crc    uint32
	size   int64 // uncompressed
	sha    [32]byte
}

func (m *zipMember) file() File {
	return File{Name: m.name, Size: m.size, SHA256: hex.EncodeToString(m.sha[:])}
}

// memberCache keeps the members of the last write by name.
type memberCache struct {
	mu sync.Mutex
	m  map[string]*zipMember
}

// member makes the zip member of one file (deflated when compress is set),
// or returns the cached one when the content is the same.
func (c *memberCache) member(name string, content []byte, compress bool) *zipMember {
	sum := sha256.Sum256(content)
	c.mu.Lock()
	if old := c.m[name]; old != nil && old.sha == sum && (old.method == zip.Deflate) == compress {
		c.mu.Unlock()
		return old
	}
	c.mu.Unlock()
	m := &zipMember{name: name, method: zip.Store, data: content, crc: crc32.ChecksumIEEE(content), size: int64(len(content)), sha: sum}
	if compress {
		var buf bytes.Buffer
		buf.Grow(len(content)/3 + 512)
		fw, _ := flatePool.Get().(*flate.Writer)
		if fw == nil {
			fw, _ = flate.NewWriter(&buf, flate.BestSpeed)
		} else {
			fw.Reset(&buf)
		}
		fw.Write(content) // a bytes.Buffer does not fail
		fw.Close()
		flatePool.Put(fw)
		m.method, m.data = zip.Deflate, buf.Bytes()
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*zipMember{}
	}
	c.m[name] = m
	c.mu.Unlock()
	return m
}

// extTime is the zip "extended timestamp" extra field (modification time).
func extTime(t time.Time) []byte {
	b := make([]byte, 9)
	binary.LittleEndian.PutUint16(b, 0x5455)
	binary.LittleEndian.PutUint16(b[2:], 5)
	b[4] = 1
	binary.LittleEndian.PutUint32(b[5:], uint32(t.Unix()))
	return b
}

// zipSize is the exact size of the zip that writeMembers writes: a local
// header and the data per member, a central directory record per member and
// the end record (no zip64: a bundle is far below 4 GB and 65,535 files).
func zipSize(ms []*zipMember) int64 {
	const local, central, end, extra = 30, 46, 22, 9
	n := int64(end)
	for _, m := range ms {
		n += local + central + 2*int64(len(m.name)+extra) + int64(len(m.data))
	}
	return n
}

// writeMembers writes the members as a zip to w.
func writeMembers(w io.Writer, ms []*zipMember, modified time.Time) error {
	zw := zip.NewWriter(w)
	date, clock := msDosTime(modified)
	for _, m := range ms {
		h := &zip.FileHeader{Name: m.name, Method: m.method, CRC32: m.crc, CompressedSize64: uint64(len(m.data)),
			UncompressedSize64: uint64(m.size), ModifiedDate: date, ModifiedTime: clock, Extra: extTime(modified),
			CreatorVersion: 20 | 3<<8, ExternalAttrs: 0o644 << 16}
		fw, err := zw.CreateRaw(h)
		if err != nil {
			return fmt.Errorf("write %s into the bundle: %w", m.name, err)
		}
		if _, err := fw.Write(m.data); err != nil {
			return fmt.Errorf("write %s into the bundle: %w (is the disk full?)", m.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("finish the bundle: %w (is the disk full?)", err)
	}
	return nil
}

// msDosTime is t in the MS-DOS date and time fields of a zip header.
func msDosTime(t time.Time) (date, clock uint16) {
	if t.Year() < 1980 {
		t = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	date = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
	clock = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	return
}
