package native

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/reprokit/reprokit/host/seal"
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
//
// A sealed bundle (….zip.age) opens only with the support team's key: its
// report was kept at save time (keepSealedReport), and is returned.
func extractReport(bundlePath string) (string, error) {
	reports, err := ReportsDir()
	if err != nil {
		return "", err
	}
	if seal.IsSealed(bundlePath) {
		out := filepath.Join(reportDirOf(reports, bundlePath), reportName(bundlePath))
		if _, err := os.Stat(out); err != nil {
			return "", fmt.Errorf("the bundle %s is sealed for the support team and its report was not kept when it was saved", bundlePath)
		}
		return out, nil
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
		return writeReportFor(reports, bundlePath, rc)
	}
	return "", fmt.Errorf("the bundle %s has no report.html", bundlePath)
}

// keepSealedReport writes a sealed bundle's report (bundle.Result.Report)
// into the private reports folder at save time: the reporter sees what
// they sent, though the bundle opens only with the support team's key.
func keepSealedReport(bundlePath string, report []byte) (string, error) {
	reports, err := ReportsDir()
	if err != nil {
		return "", err
	}
	return writeReportFor(reports, bundlePath, bytes.NewReader(report))
}

// reportName is the file name of a bundle's extracted report.
func reportName(bundlePath string) string {
	base := strings.TrimSuffix(filepath.Base(bundlePath), seal.Ext)
	return strings.TrimSuffix(base, filepath.Ext(base)) + ".report.html"
}

// writeReportFor writes the report of the bundle at bundlePath, read from
// rc, into its private folder (0700, file 0600).
func writeReportFor(reports, bundlePath string, rc io.Reader) (string, error) {
	{
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
		out := filepath.Join(dir, reportName(bundlePath))
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
