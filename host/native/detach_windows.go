//go:build windows

package native

import "syscall"

// detachedAttr starts the child without a console in a new process group,
// outside the job Chrome may kill with the host.
func detachedAttr() *syscall.SysProcAttr {
	const detachedProcess, newProcessGroup, breakawayFromJob = 0x00000008, 0x00000200, 0x01000000
	return &syscall.SysProcAttr{CreationFlags: detachedProcess | newProcessGroup | breakawayFromJob}
}
