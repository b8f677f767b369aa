package main

import (
	"encoding/json"
	"fmt"
	iofs "io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/reprokit/reprokit/extension"
	"github.com/reprokit/reprokit/host/install"
)

func init() {
	register(&command{"pack-extension", "write the store-ready zip of the extension", runPackExtension})
}

func runPackExtension(args []string) error {
	fs := newFlags("pack-extension", "[-o reprokit-extension.zip] [--dir extension]", `
Zips the extension for the Chrome Web Store or Edge Add-ons: by default the
copy embedded in this binary (the same version as its native host), or the
folder --dir names. manifest.json goes at the root without its "key" field
(the stores reject a manifest with a key and assign the ID themselves; the
key only pins the ID of unpacked and policy-installed copies), and every
other file except Go sources, dotfiles, tests, *.md notes and *.pem private
keys. The same tree gives the same zip. Prints the zip's absolute path.`)
	out := fs.String("o", "reprokit-extension.zip", "output zip")
	dir := fs.String("dir", "", "extension folder (default: the extension embedded in this binary)")
	asJSON := fs.Bool("json", false, "print the file list and size as JSON on stdout instead of the path")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	from := "the extension embedded in this binary"
	var srcFS iofs.FS = extension.Files
	if *dir != "" {
		if st, err := os.Stat(*dir); err != nil || !st.IsDir() {
			return usageErr("--dir %s is not a folder: pass the extension folder (the one with manifest.json)", *dir)
		}
		srcFS = os.DirFS(*dir)
		from = *dir
	}
	stage, err := os.MkdirTemp("", "reprokit-pack-")
	if err != nil {
		return fmt.Errorf("create a temporary folder to pack the extension in: %w (set TMPDIR to a writable folder)", err)
	}
	defer os.RemoveAll(stage)
	if err := stageExtension(srcFS, stage); err != nil {
		return fmt.Errorf("copy %s: %w", from, err)
	}
	res, err := install.PackExtension(stage, *out)
	if err != nil {
		return usageErr("%s: %v", from, strings.ReplaceAll(err.Error(), stage, from))
	}
	if res.KeyFound {
		fmt.Fprintln(os.Stderr, `removed "key" from manifest.json: the store rejects it and assigns the ID itself; if the published ID differs from the pinned one, deploy with --extension-id PUBLISHED_ID`)
	}
	fmt.Fprintf(os.Stderr, "packed %d files from %s, %d bytes, version %s\n", len(res.Files), from, res.Bytes, res.Version)
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printPath(res.Path)
	return nil
}

// stageExtension copies the extension's files from src into dir, leaving
// out Go sources (the embedding package and the icon generator live in the
// extension folder but are not part of the extension).
func stageExtension(src iofs.FS, dir string) error {
	return iofs.WalkDir(src, ".", func(p string, d iofs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		if d.Type()&iofs.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link: the store zip takes plain files only", p)
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if path.Ext(p) == ".go" {
			return nil
		}
		b, err := iofs.ReadFile(src, p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
}
