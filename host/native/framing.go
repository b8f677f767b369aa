package native

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MaxOutgoing is the largest message Chrome accepts from a native host
// (1 MiB). [Writer] splits bigger messages into chunks (see docs/PROTOCOL.md).
const MaxOutgoing = 1 << 20

// DefaultMaxIncoming caps one message from the extension. Chrome allows up to
// 4 GB; nothing the extension sends legitimately comes near 64 MiB, and a
// bigger length is far more likely a corrupted stream than a real message.
const DefaultMaxIncoming = 64 << 20

// FrameTooLargeError reports an incoming frame over the cap. ReadFrame has
// already skipped its body, so the stream stays in sync and the caller can
// answer with an error and go on reading.
type FrameTooLargeError struct {
	Length uint32 // the length the header announced
	Max    int    // the cap
}

// Error says how big the frame was and that it was skipped.
func (e *FrameTooLargeError) Error() string {
	return fmt.Sprintf("native message of %d bytes is over the %d-byte limit; it was skipped (split the data or send it in smaller pieces)", e.Length, e.Max)
}

// ErrTruncated reports a stream that ended in the middle of a frame: the
// browser closed the port while writing, or the input is not native messaging.
var ErrTruncated = errors.New("native message truncated: the stream ended inside a frame")

// ReadFrame reads one native-messaging frame: a 32-bit length in native byte
// order, then that many bytes of UTF-8 JSON. It returns io.EOF at a clean end
// of stream (between frames), ErrTruncated inside a frame, and a
// *FrameTooLargeError (after skipping the body) when the length is over max.
// ReadFrame does not check that the body is JSON.
func ReadFrame(r io.Reader, max int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, ErrTruncated
		}
		return nil, err
	}
	n := binary.NativeEndian.Uint32(hdr[:])
	if int64(n) > int64(max) {
		skipped, err := io.CopyN(io.Discard, r, int64(n))
		if err != nil || skipped < int64(n) {
			if err == nil || errors.Is(err, io.EOF) {
				err = ErrTruncated
			}
			return nil, err
		}
		return nil, &FrameTooLargeError{Length: n, Max: max}
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, ErrTruncated
		}
		return nil, err
	}
	return buf, nil
}

// WriteFrame writes msg as one native-messaging frame. It refuses a message
// over MaxOutgoing, which Chrome would drop together with the port; use a
// [Writer] to split bigger messages.
func WriteFrame(w io.Writer, msg []byte) error {
	if len(msg) > MaxOutgoing {
		return fmt.Errorf("native message of %d bytes is over Chrome's %d-byte limit for host messages", len(msg), MaxOutgoing)
	}
	buf := make([]byte, 4+len(msg))
	binary.NativeEndian.PutUint32(buf, uint32(len(msg)))
	copy(buf[4:], msg)
	_, err := w.Write(buf)
	return err
}
