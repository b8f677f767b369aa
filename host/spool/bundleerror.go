package spool

import (
	"fmt"
	"path/filepath"
	"strings"
)

// MarkBundleError records in recording.json why the spool's bundle could
// not be written (usually fail closed: a detected secret), so that automatic
// leftover recovery — `reprokit record`'s and the native host's — leaves it
// to `reprokit recover` instead of retrying it on every start.
func (d *Dir) MarkBundleError(err error) error {
	if err == nil {
		return nil
	}
	return d.Update(func(m *Meta) error {
		m.BundleError = err.Error()
		return nil
	})
}

// AwaitsUser reports whether automatic recovery must skip the spool: an
// earlier bundle of it failed (BundleError is set) and only the user can
// finish it, with `reprokit recover --allow KIND ID` or `--discard ID`.
func (m *Meta) AwaitsUser() bool {
	return m != nil && m.BundleError != ""
}

// ResolveHint tells the user where a recording whose bundle failed is kept
// and the commands that finish it.
func ResolveHint(d *Dir) string {
	id := strings.TrimPrefix(filepath.Base(d.Path()), "rec-")
	if m, err := d.Meta(); err == nil && m.ID != "" {
		id = m.ID
	}
	return fmt.Sprintf("the recording is kept in %s; to finish it run\n"+
		"  reprokit recover --allow KIND %s     (keep the finding named above and write the bundle)\n"+
		"  reprokit recover --discard %s        (delete the recording)", d.Path(), id, id)
}
