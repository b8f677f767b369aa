package testapp

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Display is a virtual X display (Xvfb) on which tests run a browser with
// a window, as a user does: `reprokit record` without --headless, `replay
// --open`. Stop it with [Display.Close].
type Display struct {
	// Name is the value for DISPLAY, such as ":99".
	Name string
	cmd  *exec.Cmd
}

// ErrNoXvfb is returned by [StartDisplay] when Xvfb is not installed
// (Debian's package xvfb; scripts/test.sh installs it).
var ErrNoXvfb = errors.New("Xvfb is not installed (apt-get install xvfb; scripts/test.sh installs it)")

// StartDisplay starts Xvfb on a free display number (Xvfb picks it and
// reports it through -displayfd) with one 1280x800 screen.
func StartDisplay() (*Display, error) {
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		return nil, ErrNoXvfb
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cmd := exec.Command(xvfb, "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("start Xvfb: %w", err)
	}
	w.Close()
	number := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		number <- strings.TrimSpace(line)
	}()
	select {
	case n := <-number:
		if n != "" {
			return &Display{Name: ":" + n, cmd: cmd}, nil
		}
	case <-time.After(20 * time.Second):
	}
	cmd.Process.Kill()
	cmd.Wait()
	return nil, fmt.Errorf("Xvfb reported no display number: %s", strings.TrimSpace(stderr.String()))
}

// Close stops the display.
func (d *Display) Close() {
	d.cmd.Process.Kill()
	d.cmd.Wait()
}
