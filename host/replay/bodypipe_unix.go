//go:build !windows

package replay

import (
	"os"
	"os/exec"
	"sync"
	"syscall"

	"github.com/chromedp/chromedp"
)

// bodyFilterOption returns the allocator option that puts f on the pipe
// Chrome writes its messages to, and a func to call once the browser
// started (or failed to): it closes the parent's copy of the new pipe's
// write end, so that the filter sees the browser exit.
//
// chromedp sets up the pipes before ModifyCmdFunc runs and gives Chrome
// the write end of its message pipe as ExtraFiles[1] (file descriptor 4).
// The option gives Chrome a pipe of its own instead and forwards what
// comes out of it, rewritten, into chromedp's. Without the layout it
// knows, it changes nothing.
func bodyFilterOption(f *bodyFilter, logf func(string, ...any)) (chromedp.ExecAllocatorOption, func()) {
	var mu sync.Mutex
	var parentW *os.File
	started := func() {
		mu.Lock()
		defer mu.Unlock()
		if parentW != nil {
			parentW.Close()
			parentW = nil
		}
	}
	opt := chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
		if len(cmd.ExtraFiles) != 2 || cmd.ExtraFiles[1] == nil {
			return
		}
		fd, err := syscall.Dup(int(cmd.ExtraFiles[1].Fd()))
		if err != nil {
			logf("replay: large request bodies go through chromedp (dup: %v)", err)
			return
		}
		syscall.CloseOnExec(fd)
		toChromedp := os.NewFile(uintptr(fd), "reprokit-cdp-out")
		fromChrome, chromeW, err := os.Pipe()
		if err != nil {
			toChromedp.Close()
			logf("replay: large request bodies go through chromedp (pipe: %v)", err)
			return
		}
		cmd.ExtraFiles[1] = chromeW
		mu.Lock()
		parentW = chromeW
		mu.Unlock()
		go f.pump(fromChrome, toChromedp, logf)
	})
	return opt, started
}
