package spool

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
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
