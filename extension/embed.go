// Package extension holds the Reprokit browser extension (Manifest V3) and
// embeds its files into the reprokit binary, so `reprokit pack-extension`
// and the installer work from an installed binary with no source tree.
// The folder itself is what Chrome loads unpacked; see README.md.
package extension

import "embed"

// Files is the extension as Chrome loads it: manifest.json at the root,
// the popup, the service worker, the message catalogs, the icons and the
// managed-configuration schema. Go sources (this file, icons/gen.go) are
// not part of it.
//
//go:embed manifest.json popup.html popup.css popup.js sw.js managed_schema.json
//go:embed _locales/*/messages.json icons/*.png
var Files embed.FS
