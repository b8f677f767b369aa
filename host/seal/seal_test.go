package seal

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// ageKey makes an age identity file and returns its path and public key.
func ageKey(t *testing.T, dir, name string) (string, string) {
	t.Helper()
	text, pub, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p, pub
}

// sshKey makes an unencrypted ssh-ed25519 private key file and returns
// its path and its public key line.
func sshKey(t *testing.T, dir string) (string, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "test")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(p, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	spk, _ := ssh.NewPublicKey(pub)
	return p, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(spk)))
}

func sealBytes(t *testing.T, plain []byte, keys ...string) []byte {
	t.Helper()
	rs, err := Recipients(keys, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := Encrypt(&buf, rs)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func open(t *testing.T, sealed []byte, identity string) ([]byte, error) {
	t.Helper()
	ids, err := LoadIdentities([]string{identity})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Decrypt(bytes.NewReader(sealed), ids)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func TestSealedForX25519AndSSHAndTwoRecipientsEitherOpens(t *testing.T) {
	dir := t.TempDir()
	plain := bytes.Repeat([]byte("https://app.example.com/api/items?id=req_42 page text "), 5000) // several 64 KiB chunks
	a, apub := ageKey(t, dir, "a.key")
	b, bpub := ageKey(t, dir, "b.key")
	s, spub := sshKey(t, dir)
	for _, c := range []struct {
		name string
		keys []string
		ids  []string
	}{
		{"x25519", []string{apub}, []string{a}},
		{"ssh-ed25519", []string{spub}, []string{s}},
		{"two recipients", []string{apub, bpub}, []string{a, b}},
	} {
		sealed := sealBytes(t, plain, c.keys...)
		if bytes.Contains(sealed, []byte("app.example.com")) || bytes.Contains(sealed, []byte("req_42")) {
			t.Errorf("%s: the sealed bytes hold the plaintext's strings", c.name)
		}
		for _, id := range c.ids {
			got, err := open(t, sealed, id)
			if err != nil || !bytes.Equal(got, plain) {
				t.Errorf("%s: %s does not open it: %v", c.name, filepath.Base(id), err)
			}
		}
	}
}

func TestWrongKeyTruncatedAndAlteredFilesFailAndWriteNothing(t *testing.T) {
	dir := t.TempDir()
	a, apub := ageKey(t, dir, "a.key")
	other, _ := ageKey(t, dir, "other.key")
	plain := bytes.Repeat([]byte("x"), 200<<10)
	sealed := sealBytes(t, plain, apub)
	ids, _ := LoadIdentities([]string{a})
	otherIDs, _ := LoadIdentities([]string{other})
	flipped := append([]byte{}, sealed...)
	flipped[len(flipped)/2] ^= 0x40
	cases := []struct {
		name string
		data []byte
		ids  []Identity
		want string
	}{
		{"wrong key", sealed, otherIDs, "wrong key"},
		{"truncated", sealed[:len(sealed)-1000], ids, "truncated or was altered"},
		{"bit flipped", flipped, ids, "truncated or was altered"},
		{"header cut", sealed[:40], ids, "header"},
	}
	for _, c := range cases {
		in := filepath.Join(dir, "in.zip.age")
		out := filepath.Join(dir, "out.zip")
		os.WriteFile(in, c.data, 0o600)
		err := Unseal(in, out, c.ids)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
		if _, serr := os.Stat(out); serr == nil {
			t.Errorf("%s: a partial output was left", c.name)
		}
		left, _ := filepath.Glob(filepath.Join(dir, ".reprokit-unseal-*"))
		if len(left) > 0 {
			t.Errorf("%s: temporary files left: %v", c.name, left)
		}
	}
}

func TestRecipientsFileAndBadKeys(t *testing.T) {
	dir := t.TempDir()
	_, apub := ageKey(t, dir, "a.key")
	_, spub := sshKey(t, dir)
	f := filepath.Join(dir, "recipients.txt")
	os.WriteFile(f, []byte("# Acme Support\n"+apub+"\n\n  "+spub+"  \n"), 0o644)
	rs, err := Recipients(nil, []string{f})
	if err != nil || len(rs) != 2 {
		t.Fatalf("recipients file: %v %d", err, len(rs))
	}
	if fp := rs[0].Fingerprint(); !strings.HasPrefix(fp, "age1") || strings.Contains(fp, apub[10:40]) {
		t.Errorf("fingerprint %q should name the key without holding it", fp)
	}
	if fp := rs[1].Fingerprint(); !strings.HasPrefix(fp, "SHA256:") {
		t.Errorf("ssh fingerprint %q", fp)
	}
	for _, bad := range []string{"age1notakey", "ssh-dss AAAA", "hello", "age1pq1abc"} {
		if _, err := ParseRecipient(bad); err == nil {
			t.Errorf("%q was taken as a recipient", bad)
		}
	}
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("# nothing\n"), 0o644)
	if _, err := Recipients(nil, []string{empty}); err == nil || !strings.Contains(err.Error(), "no recipient") {
		t.Errorf("an empty recipients file: %v", err)
	}
}

// The standard age tool (Debian's package age) opens what we seal, and we
// open what it seals.
func TestInteroperatesWithTheAgeCommand(t *testing.T) {
	ageBin, err := exec.LookPath("age")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the age command is missing (scripts/test.sh installs it)")
		}
		t.Skip("no age command: apt-get install age")
	}
	dir := t.TempDir()
	a, apub := ageKey(t, dir, "a.key")
	plain := []byte("support bundle bytes\n")
	sealed := filepath.Join(dir, "ours.age")
	os.WriteFile(sealed, sealBytes(t, plain, apub), 0o600)
	out, err := exec.Command(ageBin, "-d", "-i", a, sealed).Output()
	if err != nil || !bytes.Equal(out, plain) {
		t.Errorf("age -d of our file: %v %q", err, out)
	}
	theirs := filepath.Join(dir, "theirs.age")
	cmd := exec.Command(ageBin, "-r", apub, "-o", theirs)
	cmd.Stdin = bytes.NewReader(plain)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("age -r: %v %s", err, b)
	}
	data, _ := os.ReadFile(theirs)
	got, err := open(t, data, a)
	if err != nil || !bytes.Equal(got, plain) {
		t.Errorf("our open of age's file: %v %q", err, got)
	}
	if !IsSealed(theirs) || IsSealed(a) {
		t.Error("IsSealed does not tell an age file")
	}
}

// BenchmarkSeal25MB is the whole cost sealing adds to writing a 25 MB
// bundle: the age stream encryption of its bytes (compare with the
// bundle benchmarks' Pack100MBInto25MB, about 3 s).
func BenchmarkSeal25MB(b *testing.B) {
	_, pub, _ := GenerateIdentity()
	rs, _ := Recipients([]string{pub}, nil)
	data := bytes.Repeat([]byte("0123456789abcdef"), 25<<20/16)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		w, err := Encrypt(io.Discard, rs)
		if err != nil {
			b.Fatal(err)
		}
		w.Write(data)
		w.Close()
	}
}
