package install_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/reprokit/reprokit/host/install"
)

// A test registers the host in its own browser profile before it starts
// Chromium with --user-data-dir.
func ExampleRegisterHost() {
	profile, _ := os.MkdirTemp("", "profile-")
	defer os.RemoveAll(profile)
	exe, _ := os.Executable()
	dir := filepath.Join(profile, "NativeMessagingHosts")
	if err := install.RegisterHost(dir, exe, []string{install.DefaultExtensionID}); err != nil {
		fmt.Println(err)
		return
	}
	m, _ := install.ReadManifest(filepath.Join(dir, install.ManifestFile))
	fmt.Println(m.Name, m.Type, m.AllowedOrigins[0])
	// Output: io.reprokit.host stdio chrome-extension://faopfiifgikcmfmcbomefbgdldblamae/
}

// A Linux managed policy file for a fleet: install the extension from the
// Chrome Web Store, allow the host, keep bundles under 20 MB.
func ExampleGeneratePolicy() {
	budget := 20
	data, err := install.GeneratePolicy(install.PolicyOptions{
		Format:    "json",
		UpdateURL: "https://clients2.google.com/service/update2/crx",
		Config:    &install.ManagedConfig{SizeBudgetMB: &budget},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(data))
	// Output:
	// {
	//   "3rdparty": {
	//     "extensions": {
	//       "faopfiifgikcmfmcbomefbgdldblamae": {
	//         "sizeBudgetMB": 20
	//       }
	//     }
	//   },
	//   "ExtensionInstallForcelist": [
	//     "faopfiifgikcmfmcbomefbgdldblamae;https://clients2.google.com/service/update2/crx"
	//   ],
	//   "ExtensionSettings": {
	//     "faopfiifgikcmfmcbomefbgdldblamae": {
	//       "installation_mode": "force_installed",
	//       "toolbar_pin": "force_pinned",
	//       "update_url": "https://clients2.google.com/service/update2/crx"
	//     }
	//   },
	//   "NativeMessagingAllowlist": [
	//     "io.reprokit.host"
	//   ]
	// }
}

// The native host reads the fleet's configuration from the machine's
// policy once per port and applies it.
func ExampleLoadManagedConfig() {
	cfg, err := install.LoadManagedConfig(install.DefaultEnv(), install.DefaultExtensionID)
	if err != nil {
		fmt.Fprintln(os.Stderr, "managed configuration ignored:", err)
	}
	if budget, ok := cfg.BudgetBytes(); ok {
		fmt.Println("size budget", budget)
	}
}
