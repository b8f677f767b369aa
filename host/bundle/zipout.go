package bundle

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sync"
	"time"
)

// zipMember is one file of the bundle, compressed before it is written: its
// size in the zip is then known before the zip is (so that
// SUPPORT_REQUEST.md and bundle.json can state the size of the finished
// file), and an unchanged file is not compressed or hashed again when the
// budget makes the bundle be written again. A small member is held in
// memory; session.har is compressed into a file of the pack's private
// directory (see [memberCache.fileMember]) and copied into the zip as it is.
type zipMember struct {
	name   string
	method uint16
	data   []byte // as stored in the zip: deflated, or the content itself
	path   string // or: the stored bytes are this file
	csize  int64  // length of the stored bytes
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
	m.csize = int64(len(m.data))
	c.put(m)
	return m
}

// put caches m under its name; a file of the member it replaces is removed.
func (c *memberCache) put(m *zipMember) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*zipMember{}
	}
	if old := c.m[m.name]; old != nil && old.path != "" && old.path != m.path {
		os.Remove(old.path)
	}
	c.m[m.name] = m
}

// fileMember makes the deflated zip member of a large file, src, of size
// bytes with the given SHA-256 and CRC-32, into a new file in the directory
// work; or returns the cached member when the content is the same.
func (c *memberCache) fileMember(name string, src io.ReaderAt, size int64, sum [32]byte, crc uint32, work string) (*zipMember, error) {
	c.mu.Lock()
	if old := c.m[name]; old != nil && old.sha == sum && old.method == zip.Deflate {
		c.mu.Unlock()
		return old, nil
	}
	c.mu.Unlock()
	f, err := os.CreateTemp(work, "member-*.deflate")
	if err != nil {
		return nil, fmt.Errorf("compress %s: create a temporary file in %s: %w (is the disk full?)", name, work, err)
	}
	ok := false
	defer func() {
		f.Close()
		if !ok {
			os.Remove(f.Name())
		}
	}()
	cw := &countingFile{w: f}
	bw := bufio.NewWriterSize(cw, 256<<10)
	fw, _ := flatePool.Get().(*flate.Writer)
	if fw == nil {
		fw, _ = flate.NewWriter(bw, flate.BestSpeed)
	} else {
		fw.Reset(bw)
	}
	buf := make([]byte, 1<<20)
	_, err = io.CopyBuffer(onlyWriter{fw}, io.NewSectionReader(src, 0, size), buf)
	if err == nil {
		err = fw.Close()
	}
	flatePool.Put(fw)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return nil, fmt.Errorf("compress %s into %s: %w (is the disk full?)", name, work, err)
	}
	ok = true
	m := &zipMember{name: name, method: zip.Deflate, path: f.Name(), csize: cw.n, crc: crc, size: size, sha: sum}
	c.put(m)
	return m, nil
}

// onlyWriter hides a writer's ReadFrom, so that io.CopyBuffer uses its
// buffer.
type onlyWriter struct{ io.Writer }

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
		n += local + central + 2*int64(len(m.name)+extra) + m.csize
	}
	return n
}

// writeMembers writes the members as a zip to w.
func writeMembers(w io.Writer, ms []*zipMember, modified time.Time) error {
	zw := zip.NewWriter(w)
	date, clock := msDosTime(modified)
	for _, m := range ms {
		h := &zip.FileHeader{Name: m.name, Method: m.method, CRC32: m.crc, CompressedSize64: uint64(m.csize),
			UncompressedSize64: uint64(m.size), ModifiedDate: date, ModifiedTime: clock, Extra: extTime(modified),
			CreatorVersion: 20 | 3<<8, ExternalAttrs: 0o644 << 16}
		fw, err := zw.CreateRaw(h)
		if err != nil {
			return fmt.Errorf("write %s into the bundle: %w", m.name, err)
		}
		if err := m.copyTo(fw); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("finish the bundle: %w (is the disk full?)", err)
	}
	return nil
}

// copyTo writes the member's stored bytes to w.
func (m *zipMember) copyTo(w io.Writer) error {
	if m.path == "" {
		if _, err := w.Write(m.data); err != nil {
			return fmt.Errorf("write %s into the bundle: %w (is the disk full?)", m.name, err)
		}
		return nil
	}
	f, err := os.Open(m.path)
	if err != nil {
		return fmt.Errorf("write %s into the bundle: read its compressed copy: %w", m.name, err)
	}
	defer f.Close()
	n, err := io.CopyBuffer(onlyWriter{w}, f, make([]byte, 1<<20))
	if err == nil && n != m.csize {
		err = fmt.Errorf("its compressed copy %s changed size (%d bytes, not %d)", m.path, n, m.csize)
	}
	if err != nil {
		return fmt.Errorf("write %s into the bundle: %w (is the disk full?)", m.name, err)
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
