package main

import (
	"flag"
	"path/filepath"
	"strings"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/seal"
)

// openBundleArg opens the one bundle or HAR that inspect, report and view
// take as their positional argument: a wrong count is a usage error, and so
// is a file that cannot be read as a bundle or HAR (exit 2). A sealed
// bundle is opened with the identities of ids into a private temporary
// directory that cleanup removes (call it when done with the bundle).
func openBundleArg(fs *flag.FlagSet, pos []string, ids *identityFlags) (*bundle.Bundle, func(), error) {
	if len(pos) != 1 {
		fs.Usage()
		return nil, nil, usageErr("give one bundle or HAR file")
	}
	plain, cleanup, err := ids.open(pos[0])
	if err != nil {
		return nil, nil, err
	}
	b, err := bundle.Open(plain)
	if err != nil {
		cleanup()
		return nil, nil, usageErr("%v", err)
	}
	return b, func() { b.Close(); cleanup() }, nil
}

// inputBase is the name of an input without its extensions (".zip",
// ".har", and ".age" of a sealed one), for default output names.
func inputBase(p string) string {
	base := strings.TrimSuffix(filepath.Base(p), seal.Ext)
	return strings.TrimSuffix(base, filepath.Ext(base))
}
