package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/reprokit/reprokit/host/seal"
)

// sealFlags are --seal-to and --seal-to-file, shared by every command
// that writes a bundle (record, demo, recover) and by sanitize.
type sealFlags struct {
	to, files ruleList
}

func addSealFlags(fs *flag.FlagSet) *sealFlags {
	s := &sealFlags{}
	fs.Var(&s.to, "seal-to", "seal the output to the public key `RECIPIENT` (age1…, ssh-ed25519 …, ssh-rsa …; repeatable): only its identity opens it")
	fs.Var(&s.files, "seal-to-file", "seal the output to every public key in `FILE` (one a line, # comments, as age -R; repeatable)")
	return s
}

// recipients parses the flags; a bad key is a usage error.
func (s *sealFlags) recipients() ([]seal.Recipient, error) {
	rs, err := seal.Recipients(s.to, s.files)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return rs, nil
}

// identityFlags is --identity, shared by every command that reads a
// bundle (inspect, report, view, replay, scan, unseal).
type identityFlags struct {
	files ruleList
}

func addIdentityFlag(fs *flag.FlagSet) *identityFlags {
	f := &identityFlags{}
	fs.Var(&f.files, "identity", "open sealed bundles with the identity `FILE` (age or SSH private key; repeatable; default $REPROKIT_IDENTITY, then ~/.config/reprokit/identity.txt)")
	return f
}

// open returns a path to read for the file at path: the file itself, or,
// when it is sealed, its plaintext decrypted into a private temporary
// directory that cleanup removes. A wrong key or a damaged file is a
// usage error (exit 2) that names the cause.
func (f *identityFlags) open(path string) (plain string, cleanup func(), err error) {
	if f == nil || !seal.IsSealed(path) {
		return path, func() {}, nil
	}
	ids, err := seal.LoadIdentities(seal.IdentityPaths(f.files))
	if err != nil {
		return "", nil, usageErr("%s is sealed: %v", path, err)
	}
	plain, cleanup, err = seal.OpenPrivate(path, ids)
	if err != nil {
		return "", nil, usageErr("%s: %v", path, err)
	}
	return plain, cleanup, nil
}

// sealInto encrypts the file plain for rs into out: streamed into a
// temporary name in out's folder (which may be on another filesystem than
// plain's), then renamed, so that out is whole or absent.
func sealInto(plain, out string, rs []seal.Recipient) error {
	src, err := os.Open(plain)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot create the output next to %s: %w", out, err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w, err := seal.Encrypt(tmp, rs)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, src); err != nil {
		return fmt.Errorf("seal %s: %w (is the disk full?)", out, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("seal %s: %w", out, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("cannot move the output into place: %w", err)
	}
	ok = true
	return nil
}

// sealedName adds ".age" to a name that lacks it.
func sealedName(p string) string {
	if strings.HasSuffix(p, seal.Ext) {
		return p
	}
	return p + seal.Ext
}

// checkSealedOut refuses an output named ….age that would not be sealed.
func checkSealedOut(out string, rs []seal.Recipient) error {
	if strings.HasSuffix(out, seal.Ext) && len(rs) == 0 {
		return usageErr("--out %s ends in %s but nothing seals it: add --seal-to RECIPIENT or drop %s", out, seal.Ext, seal.Ext)
	}
	return nil
}
