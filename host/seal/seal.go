// Package seal encrypts support bundles to a support team's public keys
// with age (filippo.io/age), so that only that team can open them wherever
// they are stored, and opens sealed bundles with the team's identity. It
// writes no cryptography of its own.
//
// Recipients are age X25519 public keys ("age1…") and SSH public keys
// ("ssh-ed25519 …", "ssh-rsa …"); identities are age identity files
// ("AGE-SECRET-KEY-1…", one a line) and SSH private keys, which ask for
// their passphrase on a terminal when they have one.
package seal

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"
	"golang.org/x/term"
)

// Ext is the suffix of a sealed file: "reprokit-….zip.age".
const Ext = ".age"

// magic starts every age file.
const magic = "age-encryption.org/v1\n"

// Recipient is one public key a bundle is sealed to.
type Recipient struct {
	// Text is the key as the user gave it ("age1…", "ssh-ed25519 AAAA… c").
	Text string
	r    age.Recipient
}

// Fingerprint names the recipient without its key: "age1…x4k2" for an age
// key (its first and last characters), "SHA256:…" of an SSH key. The
// audit log and the review show it.
func (r Recipient) Fingerprint() string {
	t := strings.TrimSpace(r.Text)
	if strings.HasPrefix(t, "age1") && len(t) > 12 {
		return t[:8] + "…" + t[len(t)-4:]
	}
	if pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(t)); err == nil {
		return ssh.FingerprintSHA256(pk)
	}
	sum := sha256.Sum256([]byte(t))
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// ParseRecipient reads one recipient: an age X25519 key or an SSH public
// key (ssh-ed25519, ssh-rsa).
func ParseRecipient(s string) (Recipient, error) {
	t := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(t, "age1pq") || strings.HasPrefix(t, "age1tag"):
		return Recipient{}, fmt.Errorf("recipient %q: post-quantum and tagged age keys are not supported (the age on Debian cannot read them): use an X25519 key (age-keygen or reprokit keygen)", short(t))
	case strings.HasPrefix(t, "age1"):
		r, err := age.ParseX25519Recipient(t)
		if err != nil {
			return Recipient{}, fmt.Errorf("recipient %q is not a valid age public key: %v", short(t), err)
		}
		return Recipient{Text: t, r: r}, nil
	case strings.HasPrefix(t, "ssh-ed25519 ") || strings.HasPrefix(t, "ssh-rsa "):
		r, err := agessh.ParseRecipient(t)
		if err != nil {
			return Recipient{}, fmt.Errorf("recipient %q is not a valid SSH public key: %v", short(t), err)
		}
		return Recipient{Text: t, r: r}, nil
	}
	return Recipient{}, fmt.Errorf("recipient %q: want an age public key (age1…) or an SSH public key (ssh-ed25519 …, ssh-rsa …)", short(t))
}

// ParseRecipients reads recipients one a line, like `age -R`: empty lines
// and lines starting with '#' are skipped. name names the source in
// errors.
func ParseRecipients(r io.Reader, name string) ([]Recipient, error) {
	var out []Recipient
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rc, err := ParseRecipient(line)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", name, n, err)
		}
		out = append(out, rc)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no recipient (one age1… or ssh-… public key a line)", name)
	}
	return out, nil
}

// Recipients parses keys given on the command line (--seal-to) and the
// files of keys (--seal-to-file), in that order.
func Recipients(keys, files []string) ([]Recipient, error) {
	var out []Recipient
	for _, k := range keys {
		rc, err := ParseRecipient(k)
		if err != nil {
			return nil, err
		}
		out = append(out, rc)
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, fmt.Errorf("read the recipients file: %w", err)
		}
		rs, err := ParseRecipients(fh, f)
		fh.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// Texts returns the recipients as the user gave them (for recording.json).
func Texts(rs []Recipient) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Text
	}
	return out
}

// Encrypt returns a writer that seals what is written to it for rs into
// dst; Close finishes the file (it does not close dst).
func Encrypt(dst io.Writer, rs []Recipient) (io.WriteCloser, error) {
	if len(rs) == 0 {
		return nil, errors.New("seal: no recipient")
	}
	ars := make([]age.Recipient, len(rs))
	for i, r := range rs {
		ars[i] = r.r
	}
	w, err := age.Encrypt(dst, ars...)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return w, nil
}

// Overhead is an upper bound of what sealing adds to n bytes for the
// recipients: the header (a stanza per recipient) and 16 bytes per 64 KiB
// chunk.
func Overhead(n int64, recipients int) int64 {
	return 200 + int64(recipients)*600 + (n/(64<<10)+1)*16
}

// IsSealed says whether the file at path is an age file.
func IsSealed(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(magic))
	n, _ := io.ReadFull(f, head)
	return string(head[:n]) == magic
}

// Identity is a loaded private key with the name of its file.
type Identity struct {
	File string
	id   age.Identity
}

// IdentityPaths returns where to look for identities: the files given
// (--identity), else REPROKIT_IDENTITY, else
// ~/.config/reprokit/identity.txt.
func IdentityPaths(given []string) []string {
	if len(given) > 0 {
		return given
	}
	if p := os.Getenv("REPROKIT_IDENTITY"); p != "" {
		return []string{p}
	}
	if dir, err := os.UserConfigDir(); err == nil {
		return []string{filepath.Join(dir, "reprokit", "identity.txt")}
	}
	return nil
}

// LoadIdentities reads the identity files: age identities (one a line)
// or one SSH private key each. A passphrase-protected SSH key asks for its
// passphrase on the terminal; without one it fails with a clear message.
func LoadIdentities(paths []string) ([]Identity, error) {
	if len(paths) == 0 {
		return nil, errors.New("no identity to open a sealed bundle: give --identity FILE or set REPROKIT_IDENTITY")
	}
	var out []Identity
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("the identity %s does not exist: give the support team's key with --identity FILE or REPROKIT_IDENTITY (make one with `reprokit keygen -o FILE`)", p)
			}
			return nil, fmt.Errorf("read the identity: %w", err)
		}
		ids, err := parseIdentity(p, data)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			out = append(out, Identity{File: p, id: id})
		}
	}
	return out, nil
}

func parseIdentity(path string, data []byte) ([]age.Identity, error) {
	if bytes.Contains(data, []byte("-----BEGIN")) {
		id, err := agessh.ParseIdentity(data)
		if err == nil {
			return []age.Identity{id}, nil
		}
		var missing *ssh.PassphraseMissingError
		if !errors.As(err, &missing) {
			return nil, fmt.Errorf("the identity %s is not an SSH private key age can use: %v", path, err)
		}
		if missing.PublicKey == nil {
			return nil, fmt.Errorf("the identity %s is passphrase-protected and has no public key in its header: decrypt it with ssh-keygen -p first", path)
		}
		eid, err := agessh.NewEncryptedSSHIdentity(missing.PublicKey, data, func() ([]byte, error) { return askPassphrase(path) })
		if err != nil {
			return nil, fmt.Errorf("the identity %s: %v", path, err)
		}
		return []age.Identity{eid}, nil
	}
	ids, err := age.ParseIdentities(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("the identity %s is not an age identity file (AGE-SECRET-KEY-1… a line) or an SSH private key: %v", path, err)
	}
	return ids, nil
}

// askPassphrase reads a passphrase from the terminal without echo.
func askPassphrase(path string) ([]byte, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil || !term.IsTerminal(int(tty.Fd())) {
		if tty != nil {
			tty.Close()
		}
		return nil, fmt.Errorf("the SSH key %s is passphrase-protected and there is no terminal to ask for it: run the command in a terminal, or use an age identity (reprokit keygen)", path)
	}
	defer tty.Close()
	fmt.Fprintf(tty, "Enter passphrase for %s: ", path)
	pw, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return nil, fmt.Errorf("read the passphrase: %w", err)
	}
	return pw, nil
}

// Decrypt returns the plaintext of the sealed src, authenticated chunk by
// chunk as it is read: a read error means the file was truncated or
// altered.
func Decrypt(src io.Reader, ids []Identity) (io.Reader, error) {
	aids := make([]age.Identity, len(ids))
	for i, id := range ids {
		aids[i] = id.id
	}
	r, err := age.Decrypt(src, aids...)
	if err != nil {
		return nil, explain(err)
	}
	return r, nil
}

// explain turns age's errors into what the user can act on.
func explain(err error) error {
	var nomatch *age.NoIdentityMatchError
	switch {
	case errors.As(err, &nomatch):
		return fmt.Errorf("this bundle is not sealed for the identity given (wrong key): ask the reporter which team's key it was sealed to, or use that team's identity with --identity")
	case strings.Contains(err.Error(), "header"):
		return fmt.Errorf("the sealed file's header is damaged or cut short (%v): ask the reporter for the file again", err)
	}
	return fmt.Errorf("open the sealed file: %v", err)
}

// Unseal decrypts the file in to a new file out (created 0600; removed
// again on any error, so that nothing partial is left). A truncated or
// altered file fails: age authenticates every 64 KiB chunk.
func Unseal(in, out string, ids []Identity) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := Decrypt(f, ids)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".reprokit-unseal-*")
	if err != nil {
		return fmt.Errorf("create %s: %w", out, err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := io.Copy(tmp, r); err != nil {
		return fmt.Errorf("the sealed file is truncated or was altered (%v): nothing was written; ask the reporter for the file again", err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return err
	}
	ok = true
	return nil
}

// OpenPrivate decrypts the sealed file at path into a new private (0700)
// temporary directory and returns the plaintext file's path and a
// function that removes the directory. name is the plaintext's file name
// (the sealed name without ".age").
func OpenPrivate(path string, ids []Identity) (string, func(), error) {
	dir, err := os.MkdirTemp("", "reprokit-unsealed-")
	if err != nil {
		return "", nil, fmt.Errorf("make a private directory to open the sealed bundle: %w (set TMPDIR to a writable folder)", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	if err := os.Chmod(dir, 0o700); err != nil {
		cleanup()
		return "", nil, err
	}
	name := strings.TrimSuffix(filepath.Base(path), Ext)
	if name == filepath.Base(path) || name == "" {
		name = "bundle.zip"
	}
	out := filepath.Join(dir, name)
	if err := Unseal(path, out, ids); err != nil {
		cleanup()
		return "", nil, err
	}
	return out, cleanup, nil
}

// GenerateIdentity makes a new age X25519 identity and returns the text
// of its file (with a comment naming its public key) and the public key.
func GenerateIdentity() (file, recipient string, err error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", "", err
	}
	pub := id.Recipient().String()
	return "# created by reprokit keygen\n# public key: " + pub + "\n" + id.String() + "\n", pub, nil
}

// RecipientOf returns the public keys of the identities in the file at
// path (age identities; an SSH key's public half is in its .pub file).
func RecipientOf(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ids, err := age.ParseIdentities(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s is not an age identity file: %v", path, err)
	}
	var out []string
	for _, id := range ids {
		if x, ok := id.(*age.X25519Identity); ok {
			out = append(out, x.Recipient().String())
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no X25519 identity", path)
	}
	return out, nil
}

func short(s string) string {
	if len(s) > 24 {
		return s[:20] + "…"
	}
	return s
}
