package recording

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/reprokit/reprokit/host/audit"
	"github.com/reprokit/reprokit/host/spool"
)

// Leftover is a recording that a killed process, or a bundle that failed
// closed, left in the spool base: nothing recorded is thrown away until the
// user bundles or discards it.
type Leftover struct {
	Dir *spool.Dir
	// Meta is the spool's recording.json; nil when it cannot be read (Err).
	Meta *spool.Meta
	Err  error
}

// ID is the recording's id (the spool's directory name when recording.json
// cannot be read).
func (l *Leftover) ID() string {
	if l.Meta != nil && l.Meta.ID != "" {
		return l.Meta.ID
	}
	return strings.TrimPrefix(filepath.Base(l.Dir.Path()), "rec-")
}

// Leftovers lists the interrupted or unbundled recordings under base (empty:
// the default spool base), oldest first.
func Leftovers(base string) ([]*Leftover, error) {
	dirs, err := spool.Leftovers(base)
	if err != nil {
		return nil, fmt.Errorf("looking for interrupted recordings: %w", err)
	}
	out := make([]*Leftover, 0, len(dirs))
	for _, d := range dirs {
		l := &Leftover{Dir: d}
		l.Meta, l.Err = d.Meta()
		out = append(out, l)
	}
	return out, nil
}

// Size is what the spool occupies on disk. It walks the spool, so only
// `reprokit recover --list` asks for it, not the recovery at every start.
func (l *Leftover) Size() int64 {
	var n int64
	filepath.WalkDir(l.Dir.Path(), func(_ string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if info, err := e.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// FindLeftover returns the leftover whose id is id or starts with it (at
// least 4 characters), or an error naming `reprokit recover --list`.
func FindLeftover(base, id string) (*Leftover, error) {
	ls, err := Leftovers(base)
	if err != nil {
		return nil, err
	}
	var found []*Leftover
	for _, l := range ls {
		if l.ID() == id || (len(id) >= 4 && strings.HasPrefix(l.ID(), id)) {
			found = append(found, l)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no interrupted recording %q: `reprokit recover --list` shows them", id)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("%q names %d recordings: give more of the id (`reprokit recover --list`)", id, len(found))
}

// RecoverOptions are the user's choices for [Recover].
type RecoverOptions struct {
	// Allow lists finding kinds or rules allowed in the bundle, on top of
	// what the recording itself was given.
	Allow []string
	// Stderr receives progress; nil means os.Stderr.
	Stderr io.Writer
	// SealTo seals the bundle to these public keys when the recording
	// did not name its own (a recording's recipients are kept).
	SealTo []string
}

// Recover turns one leftover into a bundle, written where the recording
// was meant to go (its --out when that directory still exists, else
// $REPROKIT_OUT_DIR or the current directory), removes the spool and
// returns the bundle's absolute path. When the bundle fails closed, the
// spool is kept and marked so that automatic recovery does not retry it.
func Recover(ctx context.Context, l *Leftover, opts RecoverOptions) (string, error) {
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if l.Meta == nil {
		return "", fmt.Errorf("the recording in %s cannot be read (%v): remove it with `reprokit recover --discard %s`", l.Dir.Path(), l.Err, l.ID())
	}
	m := l.Meta
	if len(opts.SealTo) > 0 && len(m.Options.SealTo) == 0 {
		if err := l.Dir.Update(func(m *spool.Meta) error { m.Options.SealTo = opts.SealTo; return nil }); err != nil {
			return "", err
		}
	}
	out, err := recoveredOutPath(m)
	if err != nil {
		return "", err
	}
	path, err := finishSpool(ctx, l.Dir, out, true, opts.Allow, opts.Stderr)
	if errors.Is(err, spool.ErrBeingFinished) {
		// Not this process's failure: the other one writes the bundle.
		return "", fmt.Errorf("%s: %w; its bundle appears when that process is done", l.Dir.Path(), err)
	}
	if err != nil {
		// Marked so that automatic recovery leaves it to `reprokit
		// recover` (the rule the native host shares).
		l.Dir.MarkBundleError(err)
		return "", err
	}
	return path, nil
}

// recoveredOutPath is where a recovered bundle goes: the recording's own
// --out when its directory exists and the name is free, else a
// reprokit-recovered-… name in $REPROKIT_OUT_DIR or the current directory.
func recoveredOutPath(m *spool.Meta) (string, error) {
	started, _ := time.Parse(time.RFC3339Nano, m.Started)
	if started.IsZero() {
		started = time.Now()
	}
	short := m.ID
	if len(short) > 8 {
		short = short[:8]
	}
	if o := m.Options.Out; o != "" && strings.HasSuffix(strings.ToLower(o), ".zip") {
		if info, err := os.Stat(filepath.Dir(o)); err == nil && info.IsDir() {
			if _, err := os.Stat(o); errors.Is(err, os.ErrNotExist) {
				return filepath.Abs(o)
			}
			return filepath.Abs(strings.TrimSuffix(o, filepath.Ext(o)) + "-recovered-" + short + ".zip")
		}
	}
	outDir := os.Getenv(EnvOutDir)
	if outDir == "" {
		outDir = "."
	}
	out, err := filepath.Abs(filepath.Join(outDir, "reprokit-recovered-"+started.Format("20060102-150405")+".zip"))
	if err != nil {
		return "", fmt.Errorf("recovered bundle path: %w", err)
	}
	if _, err := os.Stat(out); err == nil {
		out = strings.TrimSuffix(out, ".zip") + "-" + short + ".zip"
	}
	return out, nil
}

// Discard removes a leftover recording for good, at the user's explicit
// request, and notes it in the audit log.
func Discard(l *Leftover) error {
	if err := l.Dir.Remove(); err != nil {
		return err
	}
	rec := audit.Record{Event: "discarded", BundleID: l.ID()}
	if l.Meta != nil {
		rec.Mode = string(l.Meta.Mode)
	}
	audit.Append(rec) // an audit failure never blocks the user
	return nil
}

// recoverLeftovers bundles, at the start of a run, each recording a killed
// process left, once; a recording whose bundle failed before (fail closed)
// is not retried, only named with how to resolve it. allow is the run's
// --allow.
func recoverLeftovers(ctx context.Context, base string, allow []string, stderr io.Writer) []string {
	ls, err := Leftovers(base)
	if err != nil {
		fmt.Fprintf(stderr, "warning: %v\n", err)
		return nil
	}
	var paths []string
	var waiting []string
	for _, l := range ls {
		if l.Meta == nil {
			waiting = append(waiting, l.ID())
			continue
		}
		if l.Meta.AwaitsUser() {
			waiting = append(waiting, l.ID())
			continue
		}
		fmt.Fprintf(stderr, "recovering an interrupted recording from %s (%s)…\n", l.Meta.Started, l.Dir.Path())
		path, err := Recover(ctx, l, RecoverOptions{Allow: allow, Stderr: stderr})
		if errors.Is(err, spool.ErrBeingFinished) {
			fmt.Fprintf(stderr, "note: %v\n", err)
			continue
		}
		if err != nil {
			fmt.Fprintf(stderr, "warning: could not recover %s: %v\n%s\n", l.Dir.Path(), err, spool.ResolveHint(l.Dir))
			continue
		}
		fmt.Fprintf(stderr, "recovered an interrupted recording into %s\n", path)
		paths = append(paths, path)
	}
	if len(waiting) > 0 {
		fmt.Fprintf(stderr, "note: %d earlier recording(s) could not be bundled and wait for you: `reprokit recover --list` shows them, `reprokit recover --allow KIND ID` or `--discard ID` finishes them\n", len(waiting))
	}
	return paths
}
