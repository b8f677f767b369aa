package main

import (
	"github.com/reprokit/reprokit/host/install"
)

func init() {
	register(&command{"uninstall", "remove exactly what `reprokit install` wrote (from its receipt)", runUninstall})
}

func runUninstall(args []string) error {
	fs := newFlags("uninstall", "[--scope user|system] [--browsers LIST] [--user-data-dir DIR] [--dry-run] [--json]", `
Removes the host manifests, registry keys, sandbox copies of the binary and
the folders that 'reprokit install' created, as listed in its receipt, then
the receipt. Without a receipt it removes Reprokit manifests from every known
location of the scope. A manifest that no longer names io.reprokit.host is
left in place. The reprokit binary itself is removed by scripts/uninstall.sh.`)
	var f installFlags
	f.register(fs, false)
	opts, err := f.parse(fs, args)
	if err != nil {
		return err
	}
	res, err := install.Uninstall(install.DefaultEnv(), opts)
	if err != nil {
		return negative("%v", err)
	}
	return printResult(res, f.json, "uninstalled")
}
