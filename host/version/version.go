// Package version holds the version of Reprokit, which bundles, the native
// protocol hello and `reprokit --version` report.
package version

// Version is the tool version. Release builds set it with
// -ldflags "-X github.com/reprokit/reprokit/host/version.Version=…".
var Version = "0.1.0-dev"

// BundleFormat is the version of the bundle.json format (docs/BUNDLE.md).
const BundleFormat = 1

// Protocol is the version of the native-messaging protocol (docs/PROTOCOL.md).
const Protocol = 1
