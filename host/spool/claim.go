package spool

import (
	"errors"
	"sync"
)

// claimFile is the file in a spool that [Dir.Claim] holds a lock on.
const claimFile = "finish.lock"

// ErrBeingFinished says that another process holds the spool's claim: the
// detached finisher of a native host whose port closed, a host recovering
// the same leftover at its hello, or `reprokit record`/`recover` recovering
// it. That process writes the bundle; leave the spool to it.
var ErrBeingFinished = errors.New("another Reprokit process is finishing this recording")

// Claim takes the exclusive claim that lets one process at a time finish
// (finalize and bundle) the spool, or returns [ErrBeingFinished]. The
// operating system drops the claim when the process dies, so a killed
// finisher never blocks the next recovery. release gives it back (calling
// it again does nothing, so a deferred release may follow an early one);
// call it before [Dir.Remove] (Windows cannot remove a folder with an open
// file).
func (d *Dir) Claim() (release func(), err error) {
	release, err = lockFile(d.Join(claimFile))
	if err != nil {
		return nil, err
	}
	return sync.OnceFunc(release), nil
}
