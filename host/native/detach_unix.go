//go:build !windows

package native

import "syscall"

// detachedAttr puts the child in a new session: no controlling terminal and
// out of the browser's process group, so the kill of the host spares it.
func detachedAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
