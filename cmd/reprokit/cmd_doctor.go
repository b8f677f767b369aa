package main

import (
	"context"
	"encoding/json"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/reprokit/reprokit/host/install"
)

func init() {
	register(&command{"doctor", "check the installation: binary, manifests, policies, browsers, host self-test", runDoctor})
}

func runDoctor(args []string) error {
	fs := newFlags("doctor", "[--json] [--extension-id ID...] [--user-data-dir DIR] [--no-self-test]", `
Checks what makes the extension reach the host: the reprokit binary; every
browser's io.reprokit.host.json (parses, absolute path, exists and is
executable, allowed_origins with the extension ID and the trailing slash);
managed policies that block it (NativeMessagingBlocklist,
NativeMessagingUserLevelHosts, ExtensionSettings, ExtensionInstallBlocklist);
that a browser is found; and a self-test that starts the host and exchanges
a framed ping. Each check prints pass or fail with the fix on stdout (so
that "reprokit doctor > doctor.txt" keeps it for support; --json for a
script). Exits 1 when a check fails.`)
	var ids stringList
	fs.Var(&ids, "extension-id", "extension ID the manifests must allow (repeatable; default: the published Reprokit extension)")
	asJSON := fs.Bool("json", false, "print the report as JSON on stdout")
	udd := fs.String("user-data-dir", "", "also check this profile's NativeMessagingHosts folder")
	noSelf := fs.Bool("no-self-test", false, "do not start the host")
	bin := fs.String("binary", "", "host binary to check when no manifest names one (default: this executable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep := install.Doctor(ctx, install.DefaultEnv(), install.DoctorOptions{
		ExtensionIDs: ids, Binary: *bin, UserDataDir: *udd, SelfTest: !*noSelf, Timeout: 10 * time.Second,
	})
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		// details quote manifests and policies from disk: escape them
		var text strings.Builder
		rep.WriteText(&text)
		if _, err := os.Stdout.WriteString(terminalLines(text.String())); err != nil {
			return err
		}
	}
	if !rep.OK {
		return negative("")
	}
	return nil
}
