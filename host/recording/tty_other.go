//go:build !linux && !darwin && !freebsd && !netbsd && !openbsd && !windows

package recording

func isTTY(fd uintptr) bool { return false }
