//go:build unix

package spool

import (
	"errors"
	"os"
	"syscall"
)

// processAlive reports whether a process with the pid exists. Signal 0 checks
// without sending anything; EPERM means it exists under another user.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
