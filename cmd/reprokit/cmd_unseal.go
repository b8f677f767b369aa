package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/reprokit/reprokit/host/seal"
)

func init() {
	register(&command{name: "unseal", summary: "decrypt a sealed bundle (….zip.age) into the plain zip", run: runUnseal})
}

func runUnseal(args []string) error {
	fs := newFlags("unseal", "IN.zip.age -o OUT.zip [--identity FILE]…", `
Decrypts a bundle (or HAR) sealed with --seal-to into the plain file, with
the support team's identity: --identity FILE (repeatable), else
$REPROKIT_IDENTITY, else ~/.config/reprokit/identity.txt. Every 64 KiB of
the sealed file is authenticated: a wrong key, a truncated or an altered
file stops with an error naming the cause (exit 2) and writes nothing.
inspect, report, view, replay and scan open sealed files themselves; use
unseal when you want the zip.`)
	out := fs.String("o", "", "write the plain file to `FILE` (default: IN without .age)")
	ids := addIdentityFlag(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usageErr("give one sealed file")
	}
	in := pos[0]
	if !seal.IsSealed(in) {
		if _, err := os.Stat(in); err != nil {
			return usageErr("cannot read %s: %v", in, err)
		}
		return usageErr("%s is not sealed (no age header): it needs no unsealing", in)
	}
	if *out == "" {
		// beside the input, without .age ("case.zip.age" -> "case.zip")
		base, sealed := strings.CutSuffix(in, seal.Ext)
		if !sealed {
			base = in + ".zip"
		}
		*out = base
	}
	if _, err := os.Stat(*out); err == nil {
		return usageErr("%s already exists: choose another -o", *out)
	}
	idents, err := seal.LoadIdentities(seal.IdentityPaths(ids.files))
	if err != nil {
		return usageErr("%v", err)
	}
	if err := seal.Unseal(in, *out, idents); err != nil {
		return usageErr("%s: %v", in, err)
	}
	fmt.Fprintln(os.Stderr, "reprokit unseal: opened", in)
	printPath(*out)
	return nil
}
