// Package audit keeps the host's audit log: one JSON line per support bundle
// written (time, user, bundle id, size, redaction counts, SHA-256), never
// any content, so that admins can collect who shared what and how it was
// sanitized.
//
// The log lives at [Path]: $REPROKIT_AUDIT_LOG when set, else the managed
// configuration's auditLog (the host passes it to [SetPath]), else
// $XDG_STATE_HOME/reprokit/audit.jsonl (~/.local/state/reprokit/audit.jsonl)
// on Linux, ~/Library/Logs/Reprokit/audit.jsonl on macOS and
// %LOCALAPPDATA%\Reprokit\audit.jsonl on Windows.
package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// Record is one line of the audit log. It holds metadata only: never a
// URL, header, body, form field or finding value.
type Record struct {
	// Time is when the bundle was written (RFC 3339 with offset).
	Time time.Time `json:"time"`
	// Event is what happened: "bundle" (a bundle was written), "refused"
	// (fail closed: secrets found), "discarded" (the reporter threw the
	// recording away), "retention" (an old bundle was deleted).
	Event string `json:"event"`
	// User is the login name; Append fills it when empty.
	User string `json:"user"`
	// Host is the machine name; Append fills it when empty.
	Host string `json:"host,omitempty"`
	// BundleID is the id of bundle.json.
	BundleID string `json:"bundleId,omitempty"`
	// File is the bundle's file name (no folder).
	File string `json:"file,omitempty"`
	// Size is the bundle's size in bytes.
	Size int64 `json:"size,omitempty"`
	// SHA256 is the hex SHA-256 of the bundle file.
	SHA256 string `json:"sha256,omitempty"`
	// Redactions counts redacted values per sanitizer rule.
	Redactions map[string]int `json:"redactions,omitempty"`
	// KeptFindings names the rules whose findings the reporter kept on
	// purpose (allowed), never the values.
	KeptFindings []string `json:"keptFindings,omitempty"`
	// SealedTo names the public keys a sealed bundle was sealed to, by
	// fingerprint ("age1qyqs…x4k2", "SHA256:…"), never the content.
	SealedTo []string `json:"sealedTo,omitempty"`
	// Mode is how the recording was made: extension, launch or attach.
	Mode string `json:"mode,omitempty"`
	// Version is the tool version.
	Version string `json:"version,omitempty"`
}

var (
	mu       sync.Mutex
	override string
)

// SetPath makes Append write to path (the managed configuration's
// auditLog). $REPROKIT_AUDIT_LOG still wins. An empty path restores the
// default.
func SetPath(path string) {
	mu.Lock()
	override = path
	mu.Unlock()
}

// Path returns the file Append writes to.
func Path() string {
	if p := os.Getenv("REPROKIT_AUDIT_LOG"); p != "" {
		return p
	}
	mu.Lock()
	p := override
	mu.Unlock()
	if p != "" {
		return p
	}
	return DefaultPath()
}

// DefaultPath is the per-user audit log of this OS.
func DefaultPath() string {
	home, _ := os.UserHomeDir()
	switch runtime.GOOS {
	case "windows":
		base := os.Getenv("LOCALAPPDATA")
		if base == "" {
			base = filepath.Join(home, "AppData", "Local")
		}
		return filepath.Join(base, "Reprokit", "audit.jsonl")
	case "darwin":
		return filepath.Join(home, "Library", "Logs", "Reprokit", "audit.jsonl")
	}
	state := os.Getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(state) {
		state = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(state, "reprokit", "audit.jsonl")
}

// Append adds rec as one line to the audit log, creating the file (0600,
// it names the user) and its folder when missing. Each record is written
// with a single append-mode write, so concurrent hosts do not interleave
// lines. An audit failure must not lose a bundle: callers log the error
// and carry on.
func Append(rec Record) error {
	if rec.Event == "" {
		return errors.New("audit record without an event")
	}
	if rec.Time.IsZero() {
		rec.Time = time.Now()
	}
	if rec.User == "" {
		if u, err := user.Current(); err == nil {
			rec.User = u.Username
		}
	}
	if rec.Host == "" {
		rec.Host, _ = os.Hostname()
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode audit record: %w", err)
	}
	line = append(line, '\n')
	p := Path()
	mu.Lock()
	defer mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("create audit log folder: %w", err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open audit log %s: %w", p, err)
	}
	_, err = f.Write(line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write audit log %s: %w", p, err)
	}
	return nil
}

// Read returns the records of an audit log file, for tests and tools that
// collect logs. A damaged line is skipped and counted.
func Read(path string) (recs []Record, damaged int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	start := 0
	for i := 0; i <= len(data); i++ {
		if i < len(data) && data[i] != '\n' {
			continue
		}
		line := data[start:i]
		start = i + 1
		if len(line) == 0 {
			continue
		}
		var r Record
		if json.Unmarshal(line, &r) != nil {
			damaged++
			continue
		}
		recs = append(recs, r)
	}
	return recs, damaged, nil
}
