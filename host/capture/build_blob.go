package capture

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// Bodies are never held in memory all at once. The builder remembers where
// each large string lies (in the source log, in a spill file, or in a
// bodies/<n> file of the spool) and copies it into the HAR when it writes
// the entry that holds it.

// blobKind says how a blob's bytes become a JSON string in the output.
type blobKind uint8

const (
	blobLiteral blobKind = iota // the bytes are a JSON string literal, quotes included: copied as they are
	blobText                    // the bytes are raw text: quoted (invalid UTF-8 makes it base64, see blobStore.textOK)
	blobBase64                  // the bytes are raw binary: base64-encoded
)

type blobWhere uint8

const (
	inMemory blobWhere = iota
	inSource
	inSpill
	inFile
)

// blob is the location of one large string.
type blob struct {
	where  blobWhere
	kind   blobKind
	off, n int64
	mem    []byte
	path   string // inFile
}

// blobStore keeps blobs and the spill file for those that cannot be read
// back from the source.
type blobStore struct {
	src      io.ReaderAt // the log itself, when it can be read back
	spillDir string
	spill    *os.File
	spillW   *bufio.Writer
	spillN   int64
	blobs    []blob
	nonce    string
}

// inlineLimit is the size under which strings stay in memory.
const inlineLimit = 32 << 10

func (s *blobStore) add(b blob) int {
	s.blobs = append(s.blobs, b)
	return len(s.blobs) - 1
}

// fromSource records bytes [off, off+n) of the source; when the source cannot
// be read back, it copies data (those same bytes) to the spill file.
func (s *blobStore) fromSource(off int64, data []byte, kind blobKind) (int, error) {
	if len(data) < inlineLimit {
		return s.add(blob{where: inMemory, kind: kind, mem: bytes.Clone(data)}), nil
	}
	if s.src != nil && off >= 0 {
		return s.add(blob{where: inSource, kind: kind, off: off, n: int64(len(data))}), nil
	}
	return s.spillBytes(data, kind)
}

// fromBytes stores data (raw text or binary, or a literal).
func (s *blobStore) fromBytes(data []byte, kind blobKind) (int, error) {
	if len(data) < inlineLimit {
		return s.add(blob{where: inMemory, kind: kind, mem: bytes.Clone(data)}), nil
	}
	return s.spillBytes(data, kind)
}

func (s *blobStore) spillBytes(data []byte, kind blobKind) (int, error) {
	if s.spill == nil {
		f, err := os.CreateTemp(s.spillDir, ".reprokit-build-*")
		if err != nil {
			return 0, fmt.Errorf("create a spill file for large bodies in %s: %w (set BuildOptions.TempDir to a writable directory)", s.spillDir, err)
		}
		s.spill = f
		s.spillW = bufio.NewWriterSize(f, 256<<10)
	}
	off := s.spillN
	n, err := s.spillW.Write(data)
	s.spillN += int64(n)
	if err != nil {
		return 0, fmt.Errorf("write the spill file %s: %w", s.spill.Name(), err)
	}
	return s.add(blob{where: inSpill, kind: kind, off: off, n: int64(len(data))}), nil
}

// fromFile records a body stored in a file of the spool.
func (s *blobStore) fromFile(path string, kind blobKind) int {
	return s.add(blob{where: inFile, kind: kind, path: path})
}

func (s *blobStore) close() {
	if s.spill != nil {
		name := s.spill.Name()
		s.spill.Close()
		os.Remove(name)
		s.spill = nil
	}
}

// open returns a reader over the blob's bytes.
func (s *blobStore) open(id int) (io.Reader, func(), error) {
	b := &s.blobs[id]
	switch b.where {
	case inMemory:
		return bytes.NewReader(b.mem), func() {}, nil
	case inSource:
		return io.NewSectionReader(s.src, b.off, b.n), func() {}, nil
	case inSpill:
		if err := s.spillW.Flush(); err != nil {
			return nil, nil, fmt.Errorf("flush the spill file: %w", err)
		}
		return io.NewSectionReader(s.spill, b.off, b.n), func() {}, nil
	default:
		f, err := os.Open(b.path)
		if err != nil {
			return nil, nil, fmt.Errorf("open response body file: %w", err)
		}
		return f, func() { f.Close() }, nil
	}
}

// textOK reports whether a blobText blob is valid UTF-8 (else it is written
// as base64). Only file blobs need the check; other text blobs come from
// JSON strings and are valid by construction.
func (s *blobStore) textOK(id int) (bool, error) {
	b := &s.blobs[id]
	if b.kind != blobText {
		return true, nil
	}
	if b.where == inMemory {
		return utf8.Valid(b.mem), nil
	}
	r, done, err := s.open(id)
	if err != nil {
		return false, err
	}
	defer done()
	return validUTF8Reader(r)
}

func validUTF8Reader(r io.Reader) (bool, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		c, size, err := br.ReadRune()
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		if c == utf8.RuneError && size == 1 {
			return false, nil
		}
	}
}

// writeJSON writes the blob as a JSON string literal. asBase64 forces base64
// for a text blob that is not valid UTF-8.
func (s *blobStore) writeJSON(w io.Writer, id int, asBase64 bool) error {
	r, done, err := s.open(id)
	if err != nil {
		return err
	}
	defer done()
	b := &s.blobs[id]
	switch {
	case b.kind == blobLiteral:
		_, err = io.Copy(w, r)
		return err
	case b.kind == blobBase64 || asBase64:
		if _, err := io.WriteString(w, `"`); err != nil {
			return err
		}
		enc := base64.NewEncoder(base64.StdEncoding, w)
		if _, err := io.Copy(enc, r); err != nil {
			return err
		}
		if err := enc.Close(); err != nil {
			return err
		}
		_, err = io.WriteString(w, `"`)
		return err
	default:
		return writeQuotedStream(w, r)
	}
}

// writeQuotedStream writes r's UTF-8 text as one JSON string literal without
// holding it in memory.
func writeQuotedStream(w io.Writer, r io.Reader) error {
	if _, err := io.WriteString(w, `"`); err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	var carry []byte
	var out []byte
	for {
		n, rerr := r.Read(buf[len(carry):])
		copy(buf, carry)
		chunk := buf[:len(carry)+n]
		// Keep an incomplete rune at the end for the next round.
		cut := len(chunk)
		for i := 1; i <= 3 && i <= len(chunk); i++ {
			c := chunk[len(chunk)-i]
			if c < 0x80 {
				break
			}
			if utf8.RuneStart(c) {
				if !utf8.FullRune(chunk[len(chunk)-i:]) && rerr == nil {
					cut = len(chunk) - i
				}
				break
			}
		}
		var err error
		out, err = jsontext.AppendQuote(out[:0], chunk[:cut])
		if err != nil {
			// Invalid UTF-8 is replaced, never fatal: the body stays readable.
			out, _ = jsontext.AppendQuote(out[:0], bytes.ToValidUTF8(chunk[:cut], []byte("\uFFFD")))
		}
		if _, err := w.Write(out[1 : len(out)-1]); err != nil {
			return err
		}
		carry = append(carry[:0], chunk[cut:]...)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	_, err := io.WriteString(w, `"`)
	return err
}

// marker returns the placeholder string for blob id: the entry is marshaled
// with it and [blobStore.writeWithBlobs] swaps it for the blob's content.
func (s *blobStore) marker(id int) string {
	return "\x00rk" + s.nonce + ":" + strconv.Itoa(id) + "\x00"
}

// writeWithBlobs writes the marshaled JSON b to w, replacing each quoted
// marker by its blob. b64 lists text blobs to write as base64.
func (s *blobStore) writeWithBlobs(w io.Writer, b []byte, b64 map[int]bool) error {
	prefix := []byte(`"\u0000rk` + s.nonce + `:`)
	for {
		i := bytes.Index(b, prefix)
		if i < 0 {
			_, err := w.Write(b)
			return err
		}
		if _, err := w.Write(b[:i]); err != nil {
			return err
		}
		rest := b[i+len(prefix):]
		j := bytes.Index(rest, []byte(`\u0000"`))
		if j < 0 {
			return fmt.Errorf("internal error: unterminated body marker")
		}
		id, err := strconv.Atoi(string(rest[:j]))
		if err != nil || id < 0 || id >= len(s.blobs) {
			return fmt.Errorf("internal error: bad body marker %q", rest[:j])
		}
		if err := s.writeJSON(w, id, b64[id]); err != nil {
			return err
		}
		b = rest[j+len(`\u0000"`):]
	}
}

// localBodyPath resolves a bodyFile reference against the log's directory
// and refuses paths that leave it.
func localBodyPath(dir, ref string) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("body file %q referenced, but the log's directory is unknown (set BuildOptions.Dir)", ref)
	}
	if !filepath.IsLocal(filepath.FromSlash(ref)) {
		return "", fmt.Errorf("body file %q is outside the log's directory", ref)
	}
	return filepath.Join(dir, filepath.FromSlash(ref)), nil
}
