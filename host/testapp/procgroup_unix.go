//go:build unix

package testapp

import (
	"os/exec"
	"syscall"
)

// OwnProcessGroup makes cmd (a browser a test starts) the leader of a
// process group of its own, so that [KillProcessGroup] reaches its helper
// processes too: killed alone, the browser leaves renderers writing into
// its profile, and removing the profile then fails.
func OwnProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// KillProcessGroup kills the process group that cmd leads.
func KillProcessGroup(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
