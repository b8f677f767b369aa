// Package spool is the private working directory of one recording: the raw
// protocol log, bodies, screenshots and the files Finalize writes, all
// unsanitized and so kept in a 0700 directory with 0600 files until a bundle
// has been made from them.
//
// [Create] makes a new spool, [Open] opens one by path, and [Leftovers] finds
// the spools that a killed process left behind, so that a later run can
// recover them into bundles instead of throwing them away.
package spool

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Status is the stage a recording has reached. It only moves forward:
// recording -> stopped -> finalized -> bundled.
type Status string

// The statuses of a recording, in order.
const (
	StatusRecording Status = "recording"
	StatusStopped   Status = "stopped"
	StatusFinalized Status = "finalized"
	StatusBundled   Status = "bundled"
)

var statusOrder = map[Status]int{StatusRecording: 0, StatusStopped: 1, StatusFinalized: 2, StatusBundled: 3}

// Mode is how the recorder reached the browser.
type Mode string

// The modes of a recording.
const (
	ModeLaunch    Mode = "launch"
	ModeAttach    Mode = "attach"
	ModeExtension Mode = "extension"
)

// MetaFile is the name of the metadata file in a spool.
const MetaFile = "recording.json"

// Meta is the content of recording.json: who owns the spool, how far the
// recording got and what the user asked for. Times are RFC 3339 with offset.
type Meta struct {
	ID          string `json:"id"`
	PID         int    `json:"pid"`
	Status      Status `json:"status"`
	Mode        Mode   `json:"mode"`
	Started     string `json:"started"`
	Ended       string `json:"ended,omitempty"`
	TimeZone    string `json:"timeZone,omitempty"`
	StopReason  string `json:"stopReason,omitempty"`
	ToolVersion string `json:"toolVersion,omitempty"`
	StartURL    string `json:"startUrl,omitempty"`
	// Language is the reporter's UI language (BCP 47), for the words of
	// SUPPORT_REQUEST.md and the report.
	Language string            `json:"language,omitempty"`
	Reporter map[string]string `json:"reporter,omitempty"`
	Notes    []string          `json:"notes,omitempty"`
	Options  Options           `json:"options"`
	// BundleError says why the last attempt to make a bundle of this spool
	// failed (usually fail closed: a detected secret). Automatic recovery
	// does not retry such a spool; `reprokit recover` does, with the
	// --allow the user gives, or discards it.
	BundleError string `json:"bundleError,omitempty"`
}

// Options are the user's choices that a recovered spool needs to become the
// bundle the user asked for.
type Options struct {
	// Budget is the bundle size budget in bytes; nil means the default.
	Budget *int64 `json:"budget,omitempty"`
	// Out is the output path of the bundle the user asked for.
	Out string `json:"out,omitempty"`
	// Policy is the path of a sanitizer policy file.
	Policy string `json:"policy,omitempty"`
	// Allow lists the finding rules the user allowed in the bundle.
	Allow []string `json:"allow,omitempty"`
	// SealTo lists the public keys (age1…, ssh-ed25519 …, ssh-rsa …) the
	// bundle is sealed to, copied here when the recording starts so that
	// every finisher (record, the native host, recover) seals alike.
	SealTo []string `json:"sealTo,omitempty"`
	// SealLabel names who the recipients are ("Acme Support").
	SealLabel string `json:"sealLabel,omitempty"`
	// RequireSeal: no unsealed bundle may be written from this spool.
	RequireSeal bool `json:"requireSeal,omitempty"`
}

// Dir is one spool directory. Its methods are safe for concurrent use.
type Dir struct {
	path string
	mu   sync.Mutex // guards recording.json
}

// DefaultBase returns <os.TempDir()>/reprokit-<uid>, the parent of the
// spools when the caller gives no base.
func DefaultBase() string {
	return filepath.Join(os.TempDir(), "reprokit-"+strconv.Itoa(os.Getuid()))
}

// Create makes a new spool <base>/rec-<uuid> (0700) with a recording.json in
// status "recording" owned by this process. An empty base means
// [DefaultBase], which is created 0700 when missing. The caller records the
// mode and options with [Dir.Update].
func Create(base string) (*Dir, error) {
	if base == "" {
		base = DefaultBase()
	}
	if err := os.MkdirAll(base, 0o700); err != nil {
		return nil, fmt.Errorf("create the spool base %s: %w (set TMPDIR to a writable directory)", base, err)
	}
	// MkdirAll keeps the mode of an existing directory: make sure it is private.
	if err := os.Chmod(base, 0o700); err != nil {
		return nil, fmt.Errorf("make the spool base %s private: %w", base, err)
	}
	id := uuid.NewString()
	path := filepath.Join(base, "rec-"+id)
	if err := os.Mkdir(path, 0o700); err != nil {
		return nil, fmt.Errorf("create the spool %s: %w", path, err)
	}
	d := &Dir{path: path}
	now := time.Now()
	m := &Meta{
		ID:       id,
		PID:      os.Getpid(),
		Status:   StatusRecording,
		Started:  now.Format(time.RFC3339Nano),
		TimeZone: zoneName(now),
	}
	if err := d.writeMeta(m); err != nil {
		os.RemoveAll(path)
		return nil, err
	}
	return d, nil
}

func zoneName(t time.Time) string {
	if tz := os.Getenv("TZ"); tz != "" && !strings.HasPrefix(tz, ":") {
		return tz
	}
	if t.Location() != time.Local || time.Local.String() != "Local" {
		return t.Location().String()
	}
	if p, err := filepath.EvalSymlinks("/etc/localtime"); err == nil {
		if i := strings.Index(p, "zoneinfo/"); i >= 0 {
			return p[i+len("zoneinfo/"):]
		}
	}
	if b, err := os.ReadFile("/etc/timezone"); err == nil {
		return strings.TrimSpace(string(b))
	}
	name, _ := t.Zone()
	return name
}

// Open opens an existing spool directory; it checks that recording.json can
// be read.
func Open(path string) (*Dir, error) {
	d := &Dir{path: path}
	if _, err := d.Meta(); err != nil {
		return nil, err
	}
	return d, nil
}

// Path returns the directory of the spool.
func (d *Dir) Path() string { return d.path }

// Join returns the path of name inside the spool.
func (d *Dir) Join(name ...string) string {
	return filepath.Join(append([]string{d.path}, name...)...)
}

// Create creates (or truncates) the file name inside the spool with mode
// 0600, making its parent directories with mode 0700.
func (d *Dir) Create(name string) (*os.File, error) {
	p := d.Join(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, fmt.Errorf("create %s in the spool: %w", name, err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create %s in the spool: %w", name, err)
	}
	return f, nil
}

// WriteFile writes data to the file name inside the spool (0600), through a
// temporary file and a rename so that a reader never sees half a file.
func (d *Dir) WriteFile(name string, data []byte) error {
	p := d.Join(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("write %s in the spool: %w", name, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s in the spool: %w", name, err)
	}
	_, werr := tmp.Write(data)
	if err := tmp.Close(); werr == nil {
		werr = err
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), p)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s in the spool: %w (is the disk full?)", name, werr)
	}
	return nil
}

// Meta reads recording.json.
func (d *Dir) Meta() (*Meta, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.readMeta()
}

func (d *Dir) readMeta() (*Meta, error) {
	b, err := os.ReadFile(d.Join(MetaFile))
	if err != nil {
		return nil, fmt.Errorf("read the spool metadata: %w", err)
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read the spool metadata %s: %w", d.Join(MetaFile), err)
	}
	return &m, nil
}

func (d *Dir) writeMeta(m *Meta) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return d.WriteFile(MetaFile, append(b, '\n'))
}

// Update reads recording.json, lets fn change it and writes it back. fn must
// not move the status backwards: Update refuses that with an error.
func (d *Dir) Update(fn func(m *Meta) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	m, err := d.readMeta()
	if err != nil {
		return err
	}
	old := m.Status
	if err := fn(m); err != nil {
		return err
	}
	if statusOrder[m.Status] < statusOrder[old] {
		return fmt.Errorf("spool %s: status cannot go back from %s to %s", d.path, old, m.Status)
	}
	if _, ok := statusOrder[m.Status]; !ok {
		return fmt.Errorf("spool %s: unknown status %q", d.path, m.Status)
	}
	return d.writeMeta(m)
}

// SetStatus moves the recording to status s (forward only; setting the
// current status again is allowed). Moving to stopped records the end time
// and reason when they are not set yet.
func (d *Dir) SetStatus(s Status, reason string) error {
	return d.Update(func(m *Meta) error {
		if s == StatusStopped || (m.Status == StatusRecording && statusOrder[s] > statusOrder[StatusStopped]) {
			if m.Ended == "" {
				m.Ended = time.Now().Format(time.RFC3339Nano)
			}
			if m.StopReason == "" {
				m.StopReason = reason
			}
		}
		m.Status = s
		return nil
	})
}

// Remove deletes the spool and everything in it. Call it only once its
// recording is in a bundle.
func (d *Dir) Remove() error {
	if err := os.RemoveAll(d.path); err != nil {
		return fmt.Errorf("remove the spool %s: %w", d.path, err)
	}
	return nil
}

// Leftovers lists the spools under base (empty: [DefaultBase]) whose status
// is not bundled and whose owning process is gone: recordings that a killed
// or crashed process left behind. A directory whose recording.json cannot be
// read is reported too (with an error from its Meta), so that nothing is
// skipped silently; the caller decides.
func Leftovers(base string) ([]*Dir, error) {
	if base == "" {
		base = DefaultBase()
	}
	ents, err := os.ReadDir(base)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list the spools in %s: %w", base, err)
	}
	var out []*Dir
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "rec-") {
			continue
		}
		d := &Dir{path: filepath.Join(base, e.Name())}
		m, err := d.Meta()
		if err != nil {
			// A spool created a moment ago may not have its metadata yet;
			// only report old ones.
			if info, serr := os.Stat(d.path); serr == nil && time.Since(info.ModTime()) > time.Minute {
				out = append(out, d)
			}
			continue
		}
		if m.Status == StatusBundled || processAlive(m.PID) {
			continue
		}
		out = append(out, d)
	}
	return out, nil
}
