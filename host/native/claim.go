package native

import (
	"errors"

	"github.com/reprokit/reprokit/host/spool"
)

// claimFile is the file in a spool that [Finish] holds a lock on while it
// finishes the spool.
const claimFile = "finish.lock"

// errBeingFinished says that another process holds the spool's claim: the
// detached finisher of a host whose port closed, or another host that
// recovers the same leftover at its hello. That process writes the bundle.
var errBeingFinished = errors.New("another Reprokit process is finishing this recording")

// claimSpool takes the exclusive claim on dir that lets one process at a
// time finish it, or returns errBeingFinished. The operating system drops
// the claim when the process dies, so a killed finisher never blocks the
// next recovery. release gives it back; call it before removing the spool.
func claimSpool(dir *spool.Dir) (release func(), err error) {
	return lockFile(dir.Join(claimFile))
}
