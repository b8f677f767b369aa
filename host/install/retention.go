package install

import (
	"archive/zip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/reprokit/reprokit/host/audit"
	"github.com/reprokit/reprokit/host/seal"
)

// BudgetBytes returns the managed size budget in bytes, and whether one is set.
func (c *ManagedConfig) BudgetBytes() (int64, bool) {
	if c == nil || c.SizeBudgetMB == nil {
		return 0, false
	}
	return int64(*c.SizeBudgetMB) << 20, true
}

// ApplyRetention deletes the Reprokit bundles in dir (*.zip files that hold
// a bundle.json, and sealed reprokit-*.zip.age files) last modified more than days days before now, appends an
// audit record for each, and returns their paths. days <= 0 keeps
// everything. Other files, folders and zips are never touched. The native
// host calls it after each save when the managed configuration sets
// retentionDays.
func ApplyRetention(dir string, days int, now time.Time) ([]string, error) {
	if days <= 0 {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("retention: read %s: %w", dir, err)
	}
	cutoff := now.Add(-time.Duration(days) * 24 * time.Hour)
	var removed []string
	var errs []error
	for _, d := range entries {
		sealed := strings.HasSuffix(strings.ToLower(d.Name()), ".zip.age")
		if !d.Type().IsRegular() || !sealed && !strings.EqualFold(filepath.Ext(d.Name()), ".zip") {
			continue
		}
		fi, err := d.Info()
		if err != nil || !fi.ModTime().Before(cutoff) {
			continue
		}
		p := filepath.Join(dir, d.Name())
		if sealed && !isSealedBundle(p) || !sealed && !isBundle(p) {
			continue
		}
		if err := os.Remove(p); err != nil {
			errs = append(errs, fmt.Errorf("retention: remove %s: %w", p, err))
			continue
		}
		removed = append(removed, p)
		if err := audit.Append(audit.Record{Event: "retention", File: d.Name(), Size: fi.Size()}); err != nil {
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}

// isSealedBundle reports whether p is a sealed bundle (reprokit-….zip.age,
// an age file): its content cannot be read without the team's key, so
// the name and the age header must do.
func isSealedBundle(p string) bool {
	return strings.HasPrefix(strings.ToLower(filepath.Base(p)), "reprokit-") && seal.IsSealed(p)
}

// isBundle reports whether the zip at p is a Reprokit bundle.
func isBundle(p string) bool {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return false
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == "bundle.json" {
			return true
		}
	}
	return false
}
