package native

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// EnvReportsDir names the variable that moves the folder of reports
// extracted for "Open report" (tests; default: ReportsDir).
const EnvReportsDir = "REPROKIT_REPORTS_DIR"

// ReportsDir is the user's private folder (0700) of the report.html files
// that "Open report" extracts from bundles: <user cache dir>/reprokit/reports.
// Each report has a folder of its own, named by a hash of its bundle's
// path, holding the report (0600) and the bundle's path ("bundle"), so
// that a report goes when its bundle goes.
func ReportsDir() (string, error) {
	if d := os.Getenv(EnvReportsDir); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the user's cache folder for the report: %w", err)
	}
	return filepath.Join(base, "reprokit", "reports"), nil
}

// reportDirOf is the folder of the report of a bundle.
func reportDirOf(reports, bundlePath string) string {
	abs, err := filepath.Abs(bundlePath)
	if err != nil {
		abs = bundlePath
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(reports, hex.EncodeToString(sum[:8]))
}

// extractReport copies report.html out of the bundle (it is sanitized and
// self-contained) into the user's private reports folder, so a browser can
// open it as a file; the folder is 0700 and the file 0600, as the bundle.
func extractReport(bundlePath string) (string, error) {
	reports, err := ReportsDir()
	if err != nil {
		return "", err
	}
	zr, err := zip.OpenReader(bundlePath)
	if err != nil {
		return "", fmt.Errorf("open the bundle %s: %w", bundlePath, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != "report.html" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return "", err
		}
		defer rc.Close()
		dir := reportDirOf(reports, bundlePath)
		for _, d := range []string{filepath.Dir(reports), reports, dir} {
			if err := os.MkdirAll(d, 0o700); err != nil {
				return "", fmt.Errorf("make the private reports folder: %w", err)
			}
		}
		for _, d := range []string{reports, dir} {
			os.Chmod(d, 0o700) // made earlier with another mode, or by umask
		}
		abs, _ := filepath.Abs(bundlePath)
		if err := os.WriteFile(filepath.Join(dir, "bundle"), []byte(abs), 0o600); err != nil {
			return "", err
		}
		name := strings.TrimSuffix(filepath.Base(bundlePath), filepath.Ext(bundlePath)) + ".report.html"
		out := filepath.Join(dir, name)
		w, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return "", err
		}
		if _, err := io.Copy(w, io.LimitReader(rc, 256<<20)); err != nil {
			w.Close()
			return "", err
		}
		if err := w.Close(); err != nil {
			return "", err
		}
		return out, os.Chmod(out, 0o600)
	}
	return "", fmt.Errorf("the bundle %s has no report.html", bundlePath)
}

// removeReportOf deletes the report extracted from a bundle, if any.
func removeReportOf(bundlePath string) error {
	reports, err := ReportsDir()
	if err != nil {
		return err
	}
	return os.RemoveAll(reportDirOf(reports, bundlePath))
}

// sweepReports deletes the reports whose bundle is gone (retention removed
// it, or the user deleted it), and returns them.
func sweepReports() ([]string, error) {
	reports, err := ReportsDir()
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(reports)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(reports, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, "bundle"))
		if err == nil {
			if _, err := os.Stat(string(b)); err == nil {
				continue
			}
		}
		if err := os.RemoveAll(dir); err == nil {
			removed = append(removed, dir)
		}
	}
	return removed, nil
}
