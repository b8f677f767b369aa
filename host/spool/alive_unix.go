//go:build unix

package spool

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"syscall"
)

// processAlive reports whether a process with the pid exists. Signal 0 checks
// without sending anything; EPERM means it exists under another user. A
// zombie (exited, not yet reaped by its parent, as a killed host is until
// Chrome waits for it) also answers signal 0, so on systems with /proc its
// state is read and a zombie counts as dead.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	return !procExited(pid)
}

// procExited reports whether /proc/<pid>/stat shows the process as a zombie
// (Z) or dead (X). Without /proc (macOS, BSD) it says false: the signal-0
// answer stands.
func procExited(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	return statExited(b)
}

// statExited parses the state field of a /proc/<pid>/stat line: it follows
// the command name in parentheses, which may itself hold spaces and
// parentheses, so the last ')' ends it.
func statExited(stat []byte) bool {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	switch stat[i+2] {
	case 'Z', 'X', 'x':
		return true
	}
	return false
}
