package main

import (
	"context"
	"fmt"
	"os"

	"github.com/reprokit/reprokit/host/native"
)

// native-finish is started by the native host, detached, when the
// extension's port closes before a recording was saved: it finalizes the
// spool, writes the sanitized bundle and removes the spool. Users do not
// run it; its summary says so.
func init() {
	register(&command{name: native.FinishCommand, summary: "(internal) finish an extension recording whose browser went away", run: runNativeFinish})
}

func runNativeFinish(args []string) error {
	fs := newFlags(native.FinishCommand, "[--out DIR] SPOOL", `
Finish the recording in the private working directory SPOOL: finalize it,
write the sanitized bundle into DIR (default: $REPROKIT_OUT_DIR, or
~/Downloads/Reprokit) and remove SPOOL. The native host starts this in a
detached process when the browser closes its port before Save.`)
	out := fs.String("out", "", "folder for the bundle")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("give one spool directory")
	}
	fmt.Fprintf(os.Stderr, "reprokit: finishing %s\n", pos[0])
	path, err := native.Finish(context.Background(), pos[0], *out)
	if err != nil {
		return negative("%v (the spool is kept; the next start of the extension retries it)", err)
	}
	printPath(path)
	return nil
}
