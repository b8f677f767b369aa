package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/reprokit/reprokit/host/install"
)

func init() {
	register(&command{"install", "register the native host with every detected Chromium-family browser", runInstall})
}

// stringList is a repeatable flag that also splits on commas, shared by
// every command with a list flag
// (--extension-id A --extension-id B, or --extension-id A,B).
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			*s = append(*s, f)
		}
	}
	return nil
}

// installFlags are the flags install and uninstall share.
type installFlags struct {
	scope, browsers, userDataDir, binary string
	ids                                  stringList
	dryRun, json, all                    bool
}

func (f *installFlags) register(fs *flag.FlagSet, forInstall bool) {
	fs.StringVar(&f.scope, "scope", "user", "user (this user, no admin rights) or system (every user; run as root/Administrator)")
	fs.StringVar(&f.browsers, "browsers", "", "comma-separated browsers: chrome,chromium,edge,brave,vivaldi,opera,arc (default: every detected one)")
	fs.StringVar(&f.userDataDir, "user-data-dir", "", "register in this one profile's own NativeMessagingHosts folder (portable profiles, tests)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "show what would change, change nothing")
	fs.BoolVar(&f.json, "json", false, "print the result as JSON on stdout")
	if forInstall {
		fs.Var(&f.ids, "extension-id", "extension ID allowed to start the host (repeatable; default: the published Reprokit extension)")
		fs.StringVar(&f.binary, "binary", "", "host binary the manifests point to (default: this reprokit executable)")
		fs.BoolVar(&f.all, "all", false, "register in every known location of the scope, even for browsers not installed yet")
	}
}

// parse parses args (no positional argument is allowed) and returns the
// options; install and uninstall share it.
func (f *installFlags) parse(fs *flag.FlagSet, args []string) (install.Options, error) {
	if err := parseFlags(fs, args); err != nil {
		return install.Options{}, err
	}
	if fs.NArg() > 0 {
		return install.Options{}, usageErr("unexpected argument %q", fs.Arg(0))
	}
	return f.options()
}

func (f *installFlags) options() (install.Options, error) {
	scope, err := install.ParseScope(f.scope)
	if err != nil {
		return install.Options{}, usageErr("%v", err)
	}
	for _, id := range f.ids {
		if !install.ValidExtensionID(id) {
			return install.Options{}, usageErr("extension ID %q is not valid: an ID is 32 letters a-p, as shown on chrome://extensions", id)
		}
	}
	opts := install.Options{Scope: scope, UserDataDir: f.userDataDir, ExtensionIDs: f.ids, Binary: f.binary, DryRun: f.dryRun, All: f.all}
	if f.browsers != "" {
		if opts.Browsers, err = install.ParseBrowsers(f.browsers); err != nil {
			return opts, usageErr("%v", err)
		}
	}
	return opts, nil
}

func printResult(res *install.Result, asJSON bool, what string) error {
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	res.WriteTable(os.Stderr)
	switch {
	case res.DryRun:
		fmt.Fprintf(os.Stderr, "dry run: nothing changed\n")
	case !res.Changed():
		fmt.Fprintf(os.Stderr, "nothing to change: already %s\n", what)
	case what == "installed":
		fmt.Fprintf(os.Stderr, "installed; receipt: %s; check it with `reprokit doctor`\n", res.Receipt)
	default:
		fmt.Fprintln(os.Stderr, what)
	}
	return nil
}

func runInstall(args []string) error {
	fs := newFlags("install", "[--scope user|system] [--browsers LIST] [--user-data-dir DIR] [--extension-id ID...] [--dry-run] [--json]", `
Writes the native-messaging host manifest io.reprokit.host.json (absolute
path, type stdio, allowed_origins with the trailing slash, mode 0644) into the
folder of every detected Chromium-family browser (Linux, macOS; Flatpak
browsers get a copy of the binary inside their sandbox) or the HKCU/HKLM
registry keys (Windows). What it writes is recorded in a receipt, so
'reprokit uninstall' removes exactly that. Running it twice changes nothing.
Then run 'reprokit doctor' to check the result.`)
	var f installFlags
	f.register(fs, true)
	opts, err := f.parse(fs, args)
	if err != nil {
		return err
	}
	res, err := install.Install(install.DefaultEnv(), opts)
	if err != nil {
		if errors.Is(err, install.ErrNoBrowser) {
			return negative("%v", err)
		}
		if errors.Is(err, os.ErrPermission) && opts.Scope == install.ScopeSystem {
			return negative("%v: --scope system needs root (sudo) or Administrator", err)
		}
		return negative("%v", err)
	}
	if strings.Contains(res.Binary, "go-build") || strings.HasPrefix(res.Binary, os.TempDir()+string(os.PathSeparator)) {
		fmt.Fprintf(os.Stderr, "warning: the manifests point at %s, a temporary binary that will disappear; install with scripts/install.sh or pass --binary\n", res.Binary)
	}
	return printResult(res, f.json, "installed")
}
