//go:build !unix

package testapp

import "os/exec"

// OwnProcessGroup does nothing where there are no Unix process groups.
func OwnProcessGroup(*exec.Cmd) {}

// KillProcessGroup kills cmd's process.
func KillProcessGroup(cmd *exec.Cmd) { cmd.Process.Kill() }
