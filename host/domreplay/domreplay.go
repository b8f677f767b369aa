// Package domreplay holds the DOM session replay: the pinned rrweb recorder
// that capture injects into every frame of a recorded tab, and the rrweb
// player that the report embeds. The files in vendor/ are rrweb's published
// builds, re-fetched and hash-checked by scripts/vendor-rrweb.sh; nothing in
// them is edited here.
package domreplay

import _ "embed"

// Version is the pinned rrweb version of the vendored files.
const Version = "2.1.6"

// RecorderJS is @rrweb/record's UMD build: evaluated in a page it defines
// the global rrwebRecord.
//
//go:embed vendor/record.min.js
var RecorderJS string

// PlayerJS is @rrweb/replay's UMD build: it defines the global rrwebReplay
// (rrwebReplay.Replayer).
//
//go:embed vendor/replay.min.js
var PlayerJS string

// PlayerCSS is the player's stylesheet.
//
//go:embed vendor/replay.min.css
var PlayerCSS string

// License is rrweb's licence, shipped with every report that embeds the
// player.
//
//go:embed vendor/LICENSE
var License string
