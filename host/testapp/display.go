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

// Env is the environment of a process that opens its windows on d: the
// current one without DISPLAY and WAYLAND_DISPLAY, then DISPLAY=d.Name,
// then extra.
func (d *Display) Env(extra ...string) []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "DISPLAY=") && !strings.HasPrefix(e, "WAYLAND_DISPLAY=") {
			env = append(env, e)
		}
	}
	return append(append(env, "DISPLAY="+d.Name), extra...)
}

// ErrNoXdotool is returned by [Display.CloseWindow] when xdotool is not
// installed (Debian's package xdotool; scripts/test.sh installs it).
var ErrNoXdotool = errors.New("xdotool is not installed (apt-get install xdotool; scripts/test.sh installs it)")

// CloseWindow closes the browser window on d as a user does: it waits up
// to timeout for a visible Chromium window, focuses it and presses
// Ctrl+Shift+W (close the window) with xdotool.
func (d *Display) CloseWindow(timeout time.Duration) error {
	xdotool, err := exec.LookPath("xdotool")
	if err != nil {
		return ErrNoXdotool
	}
	var window string
	for deadline := time.Now().Add(timeout); window == "" && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		cmd := exec.Command(xdotool, "search", "--onlyvisible", "--class", "chrom")
		cmd.Env = d.Env()
		out, _ := cmd.Output()
		if ids := strings.Fields(string(out)); len(ids) > 0 {
			window = ids[len(ids)-1]
		}
	}
	if window == "" {
		return fmt.Errorf("no browser window appeared on display %s within %s", d.Name, timeout)
	}
	cmd := exec.Command(xdotool, "windowfocus", "--sync", window, "key", "--clearmodifiers", "ctrl+shift+w")
	cmd.Env = d.Env()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("xdotool: %w: %s", err, out)
	}
	return nil
}

// TB is the part of testing.TB that [NeedDisplay] uses.
type TB interface {
	Helper()
	Skip(args ...any)
	Fatal(args ...any)
	Cleanup(func())
}

// NeedDisplay starts a virtual display for a test and stops it when the
// test ends. When Xvfb or xdotool is missing it skips the test, or fails
// it when the environment variable CI is set (scripts/test.sh installs
// both).
func NeedDisplay(t TB) *Display {
	t.Helper()
	_, noXdotool := exec.LookPath("xdotool")
	d, err := StartDisplay()
	if err == nil && noXdotool != nil {
		d.Close()
		err = ErrNoXdotool
	}
	if err != nil {
		if os.Getenv("CI") == "" && (errors.Is(err, ErrNoXvfb) || errors.Is(err, ErrNoXdotool)) {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}
