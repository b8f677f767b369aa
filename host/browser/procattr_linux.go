package browser

import (
	"os/exec"
	"syscall"
)

// browserProcAttr starts the browser in its own process group, so that a
// Ctrl-C in the terminal reaches only reprokit (which then stops the
// recording cleanly and closes the browser itself), and kills the browser
// when reprokit dies, as chromedp does by default.
func browserProcAttr(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = new(syscall.SysProcAttr)
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
