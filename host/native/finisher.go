package native

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/reprokit/reprokit/host/spool"
)

// FinishCommand is the hidden subcommand of the reprokit binary that runs
// [Finish] in a detached child: `reprokit native-finish --out DIR SPOOL`.
const FinishCommand = "native-finish"

// SpawnFinisher returns an [Options.Finisher] that starts exe (the reprokit
// binary) as a detached child in its own session, so that it survives
// Chrome killing the host, and returns at once. The child logs to
// finish.log in the spool base (its stdin and stdout are closed).
func SpawnFinisher(exe, spoolBase string) func(spoolPath, outDir string) error {
	return func(spoolPath, outDir string) error {
		base := spoolBase
		if base == "" {
			base = spool.DefaultBase()
		}
		logf, err := os.OpenFile(filepath.Join(base, "finish.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("open the finisher log: %w", err)
		}
		defer logf.Close()
		cmd := exec.Command(exe, FinishCommand, "--out", outDir, spoolPath)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, logf
		cmd.SysProcAttr = detachedAttr()
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start the finisher %s: %w", exe, err)
		}
		return cmd.Process.Release()
	}
}
