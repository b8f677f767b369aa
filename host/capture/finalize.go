package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/reprokit/reprokit/host/spool"
)

// FinalizeOptions configures [FinalizeWith].
type FinalizeOptions struct {
	// Warn receives problems that do not stop finalizing (a cut-off last
	// line, a missing body file). Nil discards them.
	Warn func(msg string)
	// Progress is called with the number of log messages read so far.
	Progress func(messages int)
}

// Finalize turns the protocol log of a spool into session.har,
// console.json, steps.json and environment.json, next to it. It reads the
// log once. It works on the spool of a killed recorder too: a cut-off last
// line is dropped and requests still in flight are marked `_incomplete`.
// Each file is written under a temporary name and renamed, so a failure
// never leaves half a file; the log itself is never changed.
func Finalize(dir *spool.Dir) error {
	return FinalizeWith(dir, FinalizeOptions{})
}

// FinalizeWith is [Finalize] with warnings and progress reported.
func FinalizeWith(dir *spool.Dir, opts FinalizeOptions) error {
	return finalizeDir(dir.Path(), opts)
}

// finalizeDir does the work of Finalize on a spool path.
func finalizeDir(dir string, opts FinalizeOptions) error {
	logPath := filepath.Join(dir, EventsFile)
	f, err := os.Open(logPath)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("finalize %s: no protocol log (%s) in the spool: the recording never started; nothing to convert", dir, EventsFile)
	}
	if err != nil {
		return fmt.Errorf("finalize %s: %w", dir, err)
	}
	defer f.Close()

	b := newHARBuilder(BuildOptions{Dir: dir, TempDir: dir, AllowTruncated: true, Warn: opts.Warn, Progress: opts.Progress})
	defer b.close()
	b.blobs.src = f
	var console consoleBuilder
	var steps stepsBuilder
	var env environmentBuilder
	var off int64 // where the current read started
	truncated := func(e *LogSyntaxError) {
		b.warn("%s ends with a cut-off message at line %d (the recorder stopped mid-write); kept everything before it", EventsFile, countNewlines(f, 0, off+e.Offset)+1)
	}
	count := 0
	handle := func(m *logMessage) error {
		count++
		if opts.Progress != nil && count%5000 == 0 {
			opts.Progress(count)
		}
		// One bad message must not cost the whole recording: report it
		// and go on.
		for _, h := range []func(*logMessage) error{b.handle, console.handle, steps.handle, env.handle} {
			if err := h(m); err != nil {
				b.warn("%s: skipped a malformed message: %v", EventsFile, err)
				return nil
			}
		}
		return nil
	}
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("finalize %s: %w", dir, err)
	}
	// A damaged line in the middle is skipped: reading resumes at the next
	// line, so nothing after it is lost.
	for off < st.Size() {
		err := readLog(io.NewSectionReader(f, off, st.Size()-off), off, truncated, handle)
		var se *LogSyntaxError
		if err == nil {
			break
		}
		if !errors.As(err, &se) {
			return fmt.Errorf("finalize %s: %w", dir, err)
		}
		start, next, ok := nextLineStart(f, off+se.resume, st.Size())
		b.warn("%s: line %d is damaged (%v); skipped it", EventsFile, countNewlines(f, 0, start)+1, se.Err)
		if !ok {
			break
		}
		off = next
	}
	if opts.Progress != nil {
		opts.Progress(count)
	}

	if err := writeFileAtomic(dir, "session.har", b.write); err != nil {
		return err
	}
	environment := env.result()
	cl := console.result(b.targetLabel)
	flow := steps.flow(&environment, b)
	for _, out := range []struct {
		name string
		v    any
	}{{"console.json", cl}, {"steps.json", flow}, {"environment.json", environment}} {
		data, err := marshalNoEscape(out.v, "")
		if err != nil {
			return fmt.Errorf("finalize %s: encode %s: %w", dir, out.name, err)
		}
		data = append(data, '\n')
		if err := writeFileAtomic(dir, out.name, func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// writeFileAtomic writes name in dir (mode 0600) through a temporary file
// and a rename.
func writeFileAtomic(dir, name string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return fmt.Errorf("finalize: write %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	werr := write(tmp)
	if err := tmp.Close(); werr == nil {
		werr = err
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), filepath.Join(dir, name))
	}
	if werr != nil {
		return fmt.Errorf("finalize: write %s in %s: %w (is the disk full?)", name, dir, werr)
	}
	return nil
}

// nextLineStart finds the message at off (after any white space) and
// returns where it starts and where the line after it starts.
func nextLineStart(f io.ReaderAt, off, size int64) (start, next int64, ok bool) {
	buf := make([]byte, 32<<10)
	start = -1
	for off < size {
		n, err := f.ReadAt(buf, off)
		for i, c := range buf[:n] {
			switch {
			case start < 0 && (c == ' ' || c == '\t' || c == '\r' || c == '\n'):
			case c == '\n':
				return start, off + int64(i) + 1, true
			case start < 0:
				start = off + int64(i)
			}
		}
		off += int64(n)
		if err != nil {
			break
		}
	}
	if start < 0 {
		start = off
	}
	return start, 0, false
}

// countNewlines counts the lines in [from, to).
func countNewlines(f io.ReaderAt, from, to int64) int {
	n := 0
	buf := make([]byte, 32<<10)
	for from < to {
		want := min(int64(len(buf)), to-from)
		c, err := f.ReadAt(buf[:want], from)
		n += bytes.Count(buf[:c], []byte{'\n'})
		from += int64(c)
		if err != nil || c == 0 {
			break
		}
	}
	return n
}
