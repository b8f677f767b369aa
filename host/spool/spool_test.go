package spool

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCreateIsPrivateAndOwnedByThisProcess(t *testing.T) {
	base := filepath.Join(t.TempDir(), "base")
	d, err := Create(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{base, d.Path()} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o700 {
			t.Errorf("%s has mode %v, want 0700", p, info.Mode().Perm())
		}
	}
	info, err := os.Stat(d.Join(MetaFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("recording.json has mode %v, want 0600", info.Mode().Perm())
	}
	f, err := d.Create("bodies/1")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if info, _ := os.Stat(d.Join("bodies")); info.Mode().Perm() != 0o700 {
		t.Errorf("bodies/ has mode %v, want 0700", info.Mode().Perm())
	}
	m, err := d.Meta()
	if err != nil {
		t.Fatal(err)
	}
	if m.PID != os.Getpid() || m.Status != StatusRecording || m.ID == "" || m.Started == "" {
		t.Errorf("meta = %+v", m)
	}
}

func TestStatusOnlyMovesForward(t *testing.T) {
	d, err := Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetStatus(StatusStopped, "duration"); err != nil {
		t.Fatal(err)
	}
	if err := d.SetStatus(StatusRecording, ""); err == nil {
		t.Fatal("status went back from stopped to recording")
	}
	if err := d.SetStatus(StatusFinalized, ""); err != nil {
		t.Fatal(err)
	}
	m, _ := d.Meta()
	if m.StopReason != "duration" || m.Ended == "" || m.Status != StatusFinalized {
		t.Errorf("meta = %+v", m)
	}
}

func TestLeftoversFindsOnlySpoolsOfDeadProcesses(t *testing.T) {
	base := t.TempDir()
	mine, _ := Create(base)
	dead, _ := Create(base)
	bundled, _ := Create(base)
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no `true` command:", err)
	}
	deadPID := cmd.Process.Pid
	for _, d := range []*Dir{dead, bundled} {
		if err := d.Update(func(m *Meta) error { m.PID = deadPID; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	bundled.SetStatus(StatusBundled, "")
	got, err := Leftovers(base)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Path() != dead.Path() {
		t.Fatalf("leftovers = %v, want only %s (mine %s, pid %s)", got, dead.Path(), mine.Path(), strconv.Itoa(deadPID))
	}
	if err := got[0].Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead.Path()); !os.IsNotExist(err) {
		t.Fatal("spool still there after Remove")
	}
}

func TestLeftoversTreatsAZombieAsDead(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc: zombies cannot be told apart here")
	}
	// A child that is killed and not waited for stays a zombie, like a host
	// killed by the user while Chrome has not reaped it yet.
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skip("no `sleep` command:", err)
	}
	pid := cmd.Process.Pid
	defer cmd.Wait()
	if !processAlive(pid) {
		t.Fatal("a running child is not alive")
	}
	base := t.TempDir()
	d, _ := Create(base)
	if err := d.Update(func(m *Meta) error { m.PID = pid; return nil }); err != nil {
		t.Fatal(err)
	}
	if got, _ := Leftovers(base); len(got) != 0 {
		t.Fatalf("the spool of a running process is a leftover: %v", got)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !procExited(pid) {
		if time.Now().After(deadline) {
			t.Fatal("killed child never became a zombie")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if processAlive(pid) {
		t.Fatal("a zombie counts as alive")
	}
	got, err := Leftovers(base)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Path() != d.Path() {
		t.Fatalf("leftovers = %v, want the zombie's spool %s", got, d.Path())
	}
}

func TestStatExitedParsesOddCommandNames(t *testing.T) {
	for stat, want := range map[string]bool{
		"42 (reprokit) Z 1 42": true,
		"42 (a) b) S 1 42":     false,
		"42 (we ird) (Z) R 1":  false,
		"42 (we ird) (x) Z 1":  true,
		"42 (chrome) X 1":      true,
		"garbage":              false,
		"42 (cut)":             false,
	} {
		if got := statExited([]byte(stat)); got != want {
			t.Errorf("statExited(%q) = %v, want %v", stat, got, want)
		}
	}
}

// The rule both leftover recoveries (reprokit record's and the native
// host's) follow: a spool whose bundle was refused is marked, still listed
// as a leftover for `reprokit recover`, and awaits the user.
func TestABundleErrorLeavesTheSpoolToTheUser(t *testing.T) {
	base := t.TempDir()
	d, _ := Create(base)
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no `true` command:", err)
	}
	d.Update(func(m *Meta) error { m.PID = cmd.Process.Pid; return nil })
	if m, _ := d.Meta(); m.AwaitsUser() {
		t.Fatal("a fresh spool awaits the user")
	}
	if err := d.MarkBundleError(errors.New("refused: 1 secret found (kind jwt)\nsecond line")); err != nil {
		t.Fatal(err)
	}
	m, err := d.Meta()
	if err != nil {
		t.Fatal(err)
	}
	if !m.AwaitsUser() || !strings.HasPrefix(m.BundleError, "refused: 1 secret") {
		t.Fatalf("after MarkBundleError: awaits %v, bundleError %q", m.AwaitsUser(), m.BundleError)
	}
	raw, _ := os.ReadFile(filepath.Join(d.Path(), "recording.json"))
	if !strings.Contains(string(raw), `"bundleError"`) {
		t.Errorf("recording.json has no bundleError: %s", raw)
	}
	ls, _ := Leftovers(base)
	if len(ls) != 1 {
		t.Fatalf("a refused spool must stay listed for `reprokit recover`, got %v", ls)
	}
	hint := ResolveHint(d)
	for _, want := range []string{d.Path(), "reprokit recover --allow KIND " + m.ID, "reprokit recover --discard " + m.ID} {
		if !strings.Contains(hint, want) {
			t.Errorf("hint lacks %q:\n%s", want, hint)
		}
	}
	var nilMeta *Meta
	if nilMeta.AwaitsUser() {
		t.Error("an unreadable spool (nil meta) awaits the user")
	}
}
