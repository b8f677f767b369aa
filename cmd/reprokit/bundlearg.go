package main

import (
	"flag"

	"github.com/reprokit/reprokit/host/bundle"
)

// openBundleArg opens the one bundle or HAR that inspect, report and view
// take as their positional argument: a wrong count is a usage error, and so
// is a file that cannot be read as a bundle or HAR (exit 2).
func openBundleArg(fs *flag.FlagSet, pos []string) (*bundle.Bundle, error) {
	if len(pos) != 1 {
		fs.Usage()
		return nil, usageErr("give one bundle or HAR file")
	}
	b, err := bundle.Open(pos[0])
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return b, nil
}
