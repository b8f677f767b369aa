package recording

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/reprokit/reprokit/host/spool"
	"github.com/reprokit/reprokit/host/version"
)

// writeBundle is the step that host/bundle owns (bundle.Write). Until it
// lands, a minimal stand-in keeps `reprokit record` producing a zip; delete
// this file then.
var writeBundle = fallbackBundle

// fallbackBundle zips the finalized files of a spool (never events.jsonl or
// bodies/) with a minimal bundle.json.
func fallbackBundle(ctx context.Context, dir *spool.Dir, out string, _ spool.Options) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".reprokit-*.zip.tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	zw := zip.NewWriter(tmp)
	var files []string
	add := func(name string) error {
		f, err := os.Open(dir.Join(name))
		if err != nil {
			return nil // not there: nothing to add
		}
		defer f.Close()
		w, err := zw.Create(name)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, f); err != nil {
			return err
		}
		files = append(files, name)
		return nil
	}
	for _, n := range []string{"session.har", "console.json", "steps.json", "environment.json", "screenshots.json", "screencast.json"} {
		if err := add(n); err != nil {
			return "", err
		}
	}
	for _, sub := range []string{"screenshots", "screencast"} {
		ents, _ := os.ReadDir(dir.Join(sub))
		for _, e := range ents {
			if err := add(sub + "/" + e.Name()); err != nil {
				return "", err
			}
		}
	}
	m, _ := dir.Meta()
	meta := map[string]any{"format": version.BundleFormat, "tool": version.Version, "created": time.Now().Format(time.RFC3339), "files": files}
	if m != nil {
		meta["id"] = m.ID
		meta["started"] = m.Started
		meta["ended"] = m.Ended
		meta["stopReason"] = m.StopReason
	}
	w, err := zw.Create("bundle.json")
	if err != nil {
		return "", err
	}
	json.NewEncoder(w).Encode(meta)
	if err := zw.Close(); err != nil {
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return "", fmt.Errorf("write %s: %w", out, err)
	}
	return out, nil
}
