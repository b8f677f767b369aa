//go:build windows

package spool

import (
	"errors"
	"fmt"
	"syscall"
)

// lockFile opens path with no sharing: a second open fails with a sharing
// violation until the handle is closed, which Windows does when the
// process exits.
func lockFile(path string) (func(), error) {
	p, err := syscall.UTF16PtrFromString(path)
	if err != nil {
		return nil, fmt.Errorf("claim the recording: %w", err)
	}
	h, err := syscall.CreateFile(p, syscall.GENERIC_READ|syscall.GENERIC_WRITE, 0, nil, syscall.OPEN_ALWAYS, syscall.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		const errorSharingViolation syscall.Errno = 32
		if errors.Is(err, errorSharingViolation) {
			return nil, ErrBeingFinished
		}
		return nil, fmt.Errorf("claim the recording %s: %w", path, err)
	}
	return func() { syscall.CloseHandle(h) }, nil
}
