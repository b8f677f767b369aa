//go:build darwin || freebsd || netbsd || openbsd

package browser

import (
	"os/exec"
	"syscall"
)

// browserProcAttr starts the browser in its own process group, so that a
// Ctrl-C in the terminal reaches only reprokit, which stops the recording
// cleanly and closes the browser itself.
func browserProcAttr(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = new(syscall.SysProcAttr)
	}
	cmd.SysProcAttr.Setpgid = true
}
