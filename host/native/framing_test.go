package native

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
)

func frame(body string) []byte {
	b := make([]byte, 4+len(body))
	binary.NativeEndian.PutUint32(b, uint32(len(body)))
	copy(b[4:], body)
	return b
}

func TestReadFrameReadsFramesUntilACleanEnd(t *testing.T) {
	r := bytes.NewReader(append(frame(`{"type":"ping"}`), frame(`{}`)...))
	for _, want := range []string{`{"type":"ping"}`, `{}`} {
		got, err := ReadFrame(r, DefaultMaxIncoming)
		if err != nil || string(got) != want {
			t.Fatalf("ReadFrame = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := ReadFrame(r, DefaultMaxIncoming); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}
}

func TestReadFrameReportsATruncatedHeaderOrBody(t *testing.T) {
	for name, in := range map[string][]byte{
		"header": {1, 0},
		"body":   frame(`{"type":"ping"}`)[:8],
	} {
		if _, err := ReadFrame(bytes.NewReader(in), DefaultMaxIncoming); !errors.Is(err, ErrTruncated) {
			t.Errorf("truncated %s: %v, want ErrTruncated", name, err)
		}
	}
}

func TestReadFrameSkipsAnOversizedFrameAndStaysInSync(t *testing.T) {
	big := frame(strings.Repeat("x", 100))
	r := bytes.NewReader(append(big, frame(`{"type":"ping"}`)...))
	_, err := ReadFrame(r, 64)
	var tl *FrameTooLargeError
	if !errors.As(err, &tl) || tl.Length != 100 {
		t.Fatalf("oversized frame: %v, want FrameTooLargeError of 100", err)
	}
	got, err := ReadFrame(r, 64)
	if err != nil || string(got) != `{"type":"ping"}` {
		t.Fatalf("the frame after it: %q, %v", got, err)
	}
}

func TestReadFrameWithAHugeLengthEndsWithoutAllocatingIt(t *testing.T) {
	in := []byte{0xff, 0xff, 0xff, 0xff, '{', '}'}
	if _, err := ReadFrame(bytes.NewReader(in), DefaultMaxIncoming); !errors.Is(err, ErrTruncated) {
		t.Fatalf("4 GB length with 2 bytes behind it: %v, want ErrTruncated", err)
	}
}

func TestWriteFrameRefusesWhatChromeWouldDrop(t *testing.T) {
	if err := WriteFrame(io.Discard, make([]byte, MaxOutgoing+1)); err == nil {
		t.Fatal("WriteFrame accepted a message over 1 MiB")
	}
	var buf bytes.Buffer
	if err := WriteFrame(&buf, []byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), frame(`{"a":1}`)) {
		t.Fatalf("frame bytes %v", buf.Bytes())
	}
}

// FuzzReadFrame: any byte stream gives frames, a clean end, or an error;
// never a panic, a frame over the cap, or a read past a skipped frame.
func FuzzReadFrame(f *testing.F) {
	f.Add(frame(`{"type":"ping"}`))
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f})
	f.Add(append(frame(strings.Repeat("y", 40)), frame("{}")...))
	f.Add([]byte{3, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		for i := 0; i < len(in)+1; i++ {
			b, err := ReadFrame(r, 32)
			var tl *FrameTooLargeError
			switch {
			case err == nil:
				if len(b) > 32 {
					t.Fatalf("frame of %d bytes over the cap", len(b))
				}
			case errors.As(err, &tl):
			default:
				return
			}
		}
		t.Fatal("ReadFrame never ended")
	})
}
