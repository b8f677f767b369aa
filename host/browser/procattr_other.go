//go:build !linux && !darwin && !freebsd && !netbsd && !openbsd && !windows

package browser

import "os/exec"

func browserProcAttr(cmd *exec.Cmd) {}
