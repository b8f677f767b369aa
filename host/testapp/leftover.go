package testapp

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/reprokit/reprokit/host/spool"
)

// PlantLeftover makes under base the spool that a killed recorder leaves
// behind: the protocol log of capture's recorded test session
// (host/capture/testdata/spool), the pid of a process that has exited, the
// given mode, and what set changes in its recording.json (its --out, say).
// The recovery tests of the native host, `reprokit record` and the
// extension start from it.
func PlantLeftover(base string, mode spool.Mode, set func(*spool.Meta)) (*spool.Dir, error) {
	if err := os.MkdirAll(base, 0o700); err != nil {
		return nil, err
	}
	d, err := spool.Create(base)
	if err != nil {
		return nil, err
	}
	_, file, _, _ := runtime.Caller(0)
	log, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "capture", "testdata", "spool", "events.jsonl"))
	if err != nil {
		return nil, err
	}
	if err := d.WriteFile("events.jsonl", log); err != nil {
		return nil, err
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		return nil, fmt.Errorf("start a process that exits at once: %w", err)
	}
	err = d.Update(func(m *spool.Meta) error {
		m.PID = dead.ProcessState.Pid()
		m.Mode = mode
		if set != nil {
			set(m)
		}
		return nil
	})
	return d, err
}

// envHoldClaim names the spool that [HoldClaimIfAsked] claims.
const envHoldClaim = "REPROKIT_TEST_HOLD_CLAIM"

// HoldClaimIfAsked makes the test binary the process that holds a spool's
// claim, as a native host's detached finisher does while it bundles: when
// [StartClaimHolder] started it, it claims the spool, says so and waits to
// be killed (it never returns). Otherwise it returns at once. A package
// that uses StartClaimHolder calls it from a test named
// TestHelperHoldsAClaim.
func HoldClaimIfAsked() {
	path := os.Getenv(envHoldClaim)
	if path == "" {
		return
	}
	d, err := spool.Open(path)
	if err == nil {
		_, err = d.Claim()
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("held")
	select {}
}

// StartClaimHolder runs the test binary again as a process that holds the
// claim on the spool dir (through the package's TestHelperHoldsAClaim,
// which calls [HoldClaimIfAsked]) and returns once it holds it. kill ends
// that process, and with it the claim.
func StartClaimHolder(dir string) (kill func(), err error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldsAClaim$")
	cmd.Env = append(os.Environ(), envHoldClaim+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	kill = func() {
		cmd.Process.Kill()
		cmd.Wait()
	}
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "held\n" {
		kill()
		return nil, errors.New("the claim holder said " + fmt.Sprintf("%q", line))
	}
	return kill, nil
}
