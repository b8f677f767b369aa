package browser

import (
	"os/exec"
	"syscall"
)

// browserProcAttr starts the browser in a new process group, so that a
// Ctrl-C in the console reaches only reprokit, which stops the recording
// cleanly and closes the browser itself.
func browserProcAttr(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = new(syscall.SysProcAttr)
	}
	const createNewProcessGroup = 0x00000200
	cmd.SysProcAttr.CreationFlags |= createNewProcessGroup
}
