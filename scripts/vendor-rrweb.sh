#!/usr/bin/env bash
# vendor-rrweb.sh re-fetches the pinned rrweb recorder and player from npm
# and writes their built files into host/domreplay/vendor/, which the Go
# binary embeds (the DOM session replay, docs/BUNDLE.md).
#
# Each tarball's npm integrity (sha512) and each extracted file's sha256 are
# checked against the pins below, so a re-run either reproduces the committed
# files byte for byte or fails. The trailing sourceMappingURL comment is cut
# (the maps are not vendored; a report must not point at a missing file).
#
# Usage: scripts/vendor-rrweb.sh          re-fetch, check, write
#        scripts/vendor-rrweb.sh --check  re-fetch, check, compare with the committed files
set -euo pipefail
version=2.1.6
here="$(cd "$(dirname "$0")/.." && pwd)"
out="$here/host/domreplay/vendor"
say() { printf 'vendor-rrweb: %s\n' "$*" >&2; }

# package  tarball integrity (npm's dist.integrity)
declare -A integrity=(
	["@rrweb/record"]="sha512-dHOrWa97l3C+BBsUd+zgLtErTZavzudJunu1HN2bV6WhTBLGk7z8BY1fWw0QerYK7qJJyrBE9D6XHcISVdVGQQ=="
	["@rrweb/replay"]="sha512-Ti7zPk3Lbp33N9rKtIPCCIbUm4ctJMRRIMG5/5uI70M0efpSC1cpo/Eq8ELVW/5zWrkiElgmnPR0+h+oS79ASA=="
)
# package  file in the package  vendored name  sha256 of the file as published
files=(
	"@rrweb/record dist/record.umd.min.cjs record.min.js fde9a5c5c38fc23c9f8d6429b4e74c8996156e1632f132693b68e32509dc92f0"
	"@rrweb/replay dist/replay.umd.min.cjs replay.min.js 4ab2043bf8b77f5051c2b912f92feec7c22b9556718b04dddab8fdc09d8acce9"
	"@rrweb/replay dist/style.min.css replay.min.css 334d222824ebab92111f7db3231829847443a86ae26326cf4f68d5c5fdee40f9"
)

command -v npm >/dev/null || { say "npm is needed (apt-get install npm)"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for pkg in "${!integrity[@]}"; do
	dir="$work/${pkg//\//_}"
	mkdir -p "$dir"
	tgz="$(cd "$dir" && npm pack --silent "$pkg@$version")"
	got="sha512-$(openssl dgst -sha512 -binary "$dir/$tgz" | base64 -w0)"
	if [[ "$got" != "${integrity[$pkg]}" ]]; then
		say "$pkg@$version: integrity $got, pinned ${integrity[$pkg]}"
		exit 1
	fi
	tar xzf "$dir/$tgz" -C "$dir"
done

check=0
[[ "${1:-}" == "--check" ]] && check=1
stage="$work/stage"
mkdir -p "$stage"
for line in "${files[@]}"; do
	read -r pkg path name sum <<<"$line"
	src="$work/${pkg//\//_}/package/$path"
	got="$(sha256sum "$src" | cut -d' ' -f1)"
	if [[ "$got" != "$sum" ]]; then
		say "$pkg@$version $path: sha256 $got, pinned $sum"
		exit 1
	fi
	case "$name" in
	*.css) sed 's#/\*\# sourceMappingURL=[^*]*\*/##' "$src" >"$stage/$name" ;;
	*) sed '/^\/\/# sourceMappingURL=/d' "$src" >"$stage/$name" ;;
	esac
done
printf '%s\n' "rrweb $version (@rrweb/record, @rrweb/replay) from npm; re-fetch with scripts/vendor-rrweb.sh" >"$stage/VERSION"

if ((check)); then
	for f in "$stage"/*; do
		cmp -s "$f" "$out/$(basename "$f")" || { say "$(basename "$f") differs from the committed file"; exit 1; }
	done
	say "the committed files are rrweb $version as published"
	exit 0
fi
mkdir -p "$out"
cp "$stage"/* "$out/"
say "wrote rrweb $version into $out"
