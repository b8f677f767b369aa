package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/reprokit/reprokit/host/seal"
)

func init() {
	register(&command{name: "keygen", summary: "make a support team's key for sealed bundles (age), or print its public key", run: runKeygen})
}

func runKeygen(args []string) error {
	fs := newFlags("keygen", "-o FILE | -y FILE", `
Makes an age identity (a private key, 0600) for a support team, which opens
the bundles that reporters seal to the team's public key. Prints the
identity's path on stdout and "public key: age1…" on stderr, as age-keygen
does: publish that public key (reprokit policy --seal-to, or --seal-to on
the reporter's command line) and keep the file secret.
-y FILE prints the public key of an existing identity on stdout.
Any age identity works too (age-keygen), and SSH keys (ssh-ed25519,
ssh-rsa) can be used as recipients and identities.`)
	out := fs.String("o", "", "write the new identity to `FILE` (must not exist)")
	pub := fs.String("y", "", "print the public key of the identity `FILE`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || (*out == "") == (*pub == "") {
		fs.Usage()
		return usageErr("give -o FILE to make an identity, or -y FILE to print one's public key")
	}
	if *pub != "" {
		rs, err := seal.RecipientOf(*pub)
		if err != nil {
			return usageErr("%v", err)
		}
		for _, r := range rs {
			fmt.Println(r)
		}
		return nil
	}
	text, recipient, err := seal.GenerateIdentity()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return usageErr("%s already exists: keygen never overwrites a key; choose another -o", *out)
		}
		return usageErr("cannot create %s: %v", *out, err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		os.Remove(*out)
		return fmt.Errorf("write %s: %w", *out, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(*out)
		return fmt.Errorf("write %s: %w", *out, err)
	}
	fmt.Fprintln(os.Stderr, "public key:", recipient)
	printPath(*out)
	return nil
}
