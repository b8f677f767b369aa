#!/usr/bin/env bash
# fetch-real-code.sh puts the published files of a few real JavaScript and
# CSS libraries (taken from their npm packages) into a cache folder and
# prints that folder's path on stdout. The tests that prove real code never
# makes the sanitizer refuse or break a page read it through
# REPROKIT_REAL_CODE_DIR (scripts/test.sh sets it); scripts/bench.d/sanitize.sh
# builds its HAR of real scripts and stylesheets from it.
#
# The files are not committed: each package's tarball is fetched once with
# `npm pack` (about 15 MB in all) and only the built files listed below are
# extracted. A second run with a full cache makes no network call.
#
# Environment:
#   REPROKIT_REAL_CODE_CACHE  cache folder (default ~/.cache/reprokit-testdata/npm)
#   CI                        when set, a missing npm or a failed fetch is an error
#
# Exit status: 0 with the folder on stdout; 0 with nothing on stdout when npm
# is missing outside CI (the tests then skip); 1 on an error.
set -euo pipefail
cache="${REPROKIT_REAL_CODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reprokit-testdata/npm}"
say() { printf 'fetch-real-code: %s\n' "$*" >&2; }

# package@version  files to extract (paths inside the package)
packages=(
	"react-dom@18.3.1 umd/react-dom.production.min.js umd/react-dom.development.js"
	"codemirror@5.65.18 lib/codemirror.js lib/codemirror.css mode/javascript/javascript.js addon/hint/show-hint.js"
	"mathjax@3.2.2 es5/tex-mml-chtml.js"
	"jquery@3.7.1 dist/jquery.js dist/jquery.min.js"
	"lodash@4.17.21 lodash.js lodash.min.js"
	"bootstrap@5.3.3 dist/css/bootstrap.css dist/css/bootstrap.min.css dist/css/bootstrap.min.css.map dist/js/bootstrap.bundle.min.js dist/js/bootstrap.bundle.min.js.map"
	"@fortawesome/fontawesome-free@6.6.0 css/all.css css/all.min.css"
	"angular@1.8.3 angular.js angular.min.js"
	"moment@2.30.1 moment.js min/moment.min.js"
)

files="$cache/files"
stamp="$files/.complete-$(printf '%s\n' "${packages[@]}" | sha256sum | cut -c1-16)"
if [[ -f "$stamp" ]]; then
	echo "$files"
	exit 0
fi
if ! command -v npm >/dev/null; then
	if [[ -n "${CI:-}" ]]; then say "npm is not installed: install it (apt-get install npm) so the real-code tests can run"; exit 1; fi
	say "npm is not installed: the real-code tests will skip"
	exit 0
fi
mkdir -p "$cache/tarballs" "$files"
for spec in "${packages[@]}"; do
	read -r pkg paths <<<"$spec"
	name="${pkg%@*}"
	tgz="$cache/tarballs/$(printf '%s' "$pkg" | tr '/@' '__').tgz"
	if [[ ! -s "$tgz" ]]; then
		say "npm pack $pkg"
		tmp="$(mktemp -d)"
		(cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>"$tmp/err") || { cat "$tmp/err" >&2; rm -rf "$tmp"; say "npm pack $pkg failed"; exit 1; }
		mv "$tmp"/*.tgz "$tgz"
		rm -rf "$tmp"
	fi
	dest="$files/$(printf '%s' "$name" | tr '/@' '__')"
	rm -rf "$dest"
	mkdir -p "$dest"
	# npm tarballs hold everything under package/
	members=()
	for p in $paths; do members+=("package/$p"); done
	tar -xzf "$tgz" -C "$dest" --strip-components=1 "${members[@]}" || { say "$pkg: a listed file is missing from its tarball"; exit 1; }
done
touch "$stamp"
echo "$files"
