package native

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"
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
			e := Errorf(CodeOpenFailed, "Open the file yourself: "+target, "%v", err)
			e.Params["path"] = target
			return nil, e
		}
		return map[string]string{"path": target}, nil
	}})
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
	// An opener that fails says so at once (xdg-open exits 3 or 4 when no
	// application takes the file); one still running after a while has
	// handed the file on.
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s could not open %s: %w", filepath.Base(cmd.Path), path, err)
		}
	case <-time.After(openerWait):
	}
	return nil
}

// openerWait is how long "open" waits for the opener to fail.
const openerWait = 3 * time.Second
