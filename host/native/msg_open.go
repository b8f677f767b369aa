package native

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// open shows the saved bundle to the user: "report" opens its report.html
// in the default browser, "folder" opens the folder that holds the file.
// With a path it shows a recovered bundle instead (a "recovered" message).
func init() {
	register("open", handler{run: func(h *Host, req Request) (any, error) {
		var d struct {
			What string `json:"what"`
			// Path names a recovered bundle (a "recovered" message);
			// empty means the port's saved recording.
			Path string `json:"path"`
		}
		if err := decode(req, &d); err != nil {
			return nil, err
		}
		var bundlePath string
		if d.Path != "" {
			p, err := h.recoveredBundle(d.Path)
			if err != nil {
				return nil, err
			}
			bundlePath = p
		} else {
			st := h.current()
			if st.Result == nil {
				return nil, Errorf(CodeNothingToReview, "Save a recording first.", "no bundle has been saved yet")
			}
			bundlePath = st.Result.Path
		}
		var target string
		switch d.What {
		case "folder":
			target = filepath.Dir(bundlePath)
		case "report":
			p, err := extractReport(bundlePath)
			if err != nil {
				return nil, Errorf(CodeOpenFailed, "Open the bundle with `reprokit view FILE`.", "%v", err)
			}
			target = p
		default:
			return nil, Errorf(CodeBadData, "", `open needs what: "report" or "folder"`)
		}
		open := h.opts.Open
		if open == nil {
			open = openWithSystem
		}
		if err := open(target); err != nil {
			return nil, Errorf(CodeOpenFailed, "Open the file yourself: "+target, "%v", err)
		}
		return map[string]string{"path": target}, nil
	}})
}

// extractReport copies report.html out of the bundle (it is sanitized and
// self-contained) next to it, so a browser can open it as a file.
func extractReport(bundlePath string) (string, error) {
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
		out := strings.TrimSuffix(bundlePath, filepath.Ext(bundlePath)) + ".report.html"
		w, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return "", err
		}
		if _, err := io.Copy(w, io.LimitReader(rc, 256<<20)); err != nil {
			w.Close()
			return "", err
		}
		return out, w.Close()
	}
	return "", fmt.Errorf("the bundle %s has no report.html", bundlePath)
}

// openWithSystem opens path with the desktop's default application, without
// waiting for it (its output never reaches stdout, which is the port).
func openWithSystem(path string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", path)
	case "windows":
		cmd = exec.Command("explorer", path)
	default:
		cmd = exec.Command("xdg-open", path)
	}
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	go cmd.Wait()
	return nil
}
