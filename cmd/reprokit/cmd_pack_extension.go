package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/reprokit/reprokit/host/install"
)

func init() {
	register(&command{"pack-extension", "write the store-ready zip of the extension", runPackExtension})
}

func runPackExtension(args []string) error {
	fs := newFlags("pack-extension", "[-o reprokit-extension.zip] [--dir extension]", `
Zips the extension folder for the Chrome Web Store or Edge Add-ons:
manifest.json at the root without its "key" field (the stores reject a
manifest with a key and assign the ID themselves; the key only pins the ID of
unpacked and policy-installed copies), and every other file except
dotfiles, tests, *.md notes and *.pem private keys. The same tree gives the
same zip. Prints the zip's absolute path.`)
	out := fs.String("o", "reprokit-extension.zip", "output zip")
	dir := fs.String("dir", "", "extension folder (default: ./extension, or the one next to the binary)")
	asJSON := fs.Bool("json", false, "print the file list and size as JSON on stdout instead of the path")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	d := *dir
	if d == "" {
		var err error
		if d, err = install.FindExtensionDir(); err != nil {
			return usageErr("%v", err)
		}
	}
	res, err := install.PackExtension(d, *out)
	if err != nil {
		return usageErr("%v", err)
	}
	if res.KeyFound {
		fmt.Fprintln(os.Stderr, `removed "key" from manifest.json: the store rejects it and assigns the ID itself; if the published ID differs from the pinned one, deploy with --extension-id PUBLISHED_ID`)
	}
	fmt.Fprintf(os.Stderr, "packed %d files, %d bytes, version %s\n", len(res.Files), res.Bytes, res.Version)
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printPath(res.Path)
	return nil
}
