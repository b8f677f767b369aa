#!/usr/bin/env bash
# test.sh runs every check of Reprokit on this machine: gofmt, go vet and
# the whole test suite with the race detector against a real Chromium.
#
# On a fresh Debian/Ubuntu machine it first installs what the tests need
# with apt-get (sudo when not root): Chromium when no Chromium-family
# browser is found, Xvfb and xdotool (a virtual display for the tests of
# browser windows) when missing, age (sealing interoperability) when
# missing, and a C compiler when none is found (-race needs cgo).
#
# Environment:
#   REPROKIT_BROWSER  browser the tests drive (default: the first one found)
#   CI                passed through: browser tests fail instead of skipping
#   TEST_TIMEOUT      go test -timeout (default 18m)
#   TEST_PKGS         packages to vet and test (default ./...)
#   REPROKIT_REAL_CODE_DIR  real libraries' scripts and stylesheets for the
#                     real-code tests; default: scripts/fetch-real-code.sh's
#                     cache (fetched from npm once; without npm the tests
#                     skip, in CI npm is installed and a failure is fatal)
#
# Exit status: 0 when every check passed, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
timeout="${TEST_TIMEOUT:-18m}"
pkgs="${TEST_PKGS:-./...}"
say() { printf '%s\n' "$*" >&2; }
die() { say "test.sh: $*"; exit 1; }

as_root() {
	if [[ $(id -u) -eq 0 ]]; then "$@"
	elif command -v sudo >/dev/null; then sudo "$@"
	else die "need root to run '$*': run as root or install sudo"
	fi
}

apt_updated=""
apt_install() {
	command -v apt-get >/dev/null || die "cannot install $*: no apt-get here; install it yourself and re-run"
	if [[ -z "$apt_updated" ]]; then
		say "== apt-get update"
		as_root apt-get update -q >&2 || die "apt-get update failed"
		apt_updated=1
	fi
	say "== apt-get install -y $*"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2
}

# sudo and fresh root shells often lack Go's default install directory.
for d in /usr/local/go/bin "$HOME/go/bin" "$HOME/.local/go/bin"; do
	if ! command -v go >/dev/null && [[ -x "$d/go" ]]; then PATH="$PATH:$d"; fi
done
command -v go >/dev/null || die "Go is not installed: install Go 1.26 or later from https://go.dev/dl/ and re-run"
say "$(go version)"

# A Chromium-family browser for the browser tests.
find_browser() {
	local c
	if [[ -n "${REPROKIT_BROWSER:-}" ]]; then
		command -v "$REPROKIT_BROWSER" 2>/dev/null && return 0
		say "test.sh: REPROKIT_BROWSER=$REPROKIT_BROWSER is not an executable; looking for another browser"
	fi
	for c in chromium chromium-browser google-chrome google-chrome-stable microsoft-edge microsoft-edge-stable brave-browser \
		/usr/bin/chromium /snap/bin/chromium /opt/google/chrome/chrome; do
		command -v "$c" 2>/dev/null && return 0
	done
	return 1
}
browser="$(find_browser)" || {
	say "== no Chromium-family browser found: installing Chromium"
	apt_install chromium || apt_install chromium-browser || die "could not install Chromium: install it (apt-get install chromium) or set REPROKIT_BROWSER"
	browser="$(find_browser)" || die "Chromium was installed but not found on PATH: set REPROKIT_BROWSER"
}
export REPROKIT_BROWSER="$browser"
say "browser: $browser ($("$browser" --version 2>/dev/null | head -1))"

# A virtual display, and a way to press keys in it, for the tests of
# browsers with a window (record's default, replay --open, demo --headed).
if ! command -v Xvfb >/dev/null || ! command -v xdotool >/dev/null; then
	say "== no virtual display for the tests of browser windows: installing xvfb and xdotool"
	apt_install xvfb xdotool || die "could not install xvfb and xdotool: install them (apt-get install xvfb xdotool) and re-run"
fi

# The age command-line tool: the tests check that it opens what Reprokit
# seals and that Reprokit opens what it seals.
if ! command -v age >/dev/null; then
	say "== no age command for the sealing interoperability tests: installing age"
	apt_install age || die "could not install age: install it (apt-get install age) and re-run"
fi

# The race detector needs cgo, which needs a C compiler.
if [[ "$(go env CGO_ENABLED)" != "1" ]] || ! command -v "$(go env CC | awk '{print $1}')" >/dev/null; then
	say "== no C compiler for -race: installing gcc"
	apt_install gcc libc6-dev || die "could not install gcc: -race needs a C compiler"
	export CGO_ENABLED=1
fi
export CI="${CI:-}"

# The published files of a few real libraries (react-dom, codemirror,
# mathjax, jquery, lodash, bootstrap, font-awesome, angular, moment), for
# the tests that prove real code never makes the sanitizer refuse or
# change it. Fetched once with npm into a cache, never committed.
if [[ -z "${REPROKIT_REAL_CODE_DIR:-}" ]]; then
	if ! command -v npm >/dev/null && [[ -n "$CI" ]]; then
		say "== no npm for the real-code tests: installing it"
		apt_install npm || die "could not install npm: the real-code tests need it in CI"
	fi
	say "== real libraries' files for the real-code tests"
	if ! real="$(scripts/fetch-real-code.sh)"; then
		[[ -n "$CI" ]] && die "scripts/fetch-real-code.sh failed: the real-code tests need the libraries' files in CI"
		say "scripts/fetch-real-code.sh failed: the real-code tests will skip"
		real=""
	fi
	if [[ -n "$real" ]]; then
		export REPROKIT_REAL_CODE_DIR="$real"
		say "real code: $real"
	fi
fi

# The vendored rrweb files (DOM session replay) must be the pinned version
# as published: re-fetched from npm and compared byte for byte.
if command -v npm >/dev/null; then
	say "== vendored rrweb is the published 2.x pin"
	if ! scripts/vendor-rrweb.sh --check; then
		[[ -n "$CI" ]] && die "host/domreplay/vendor differs from the pinned rrweb (scripts/vendor-rrweb.sh)"
		say "scripts/vendor-rrweb.sh --check failed (offline?): not checked"
	fi
fi

status=0
results=()
note() { results+=("$(printf '%-10s %s' "$1" "$2")"); }

say "== gofmt"
unformatted="$(gofmt -l $(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*') 2>&1)"
if [[ -n "$unformatted" ]]; then
	say "$unformatted"
	note gofmt "FAIL: run gofmt -w on the files above"
	status=1
else
	note gofmt ok
fi

say "== go vet $pkgs"
if go vet $pkgs >&2; then note "go vet" ok; else note "go vet" FAIL; status=1; fi

say "== go test -race -timeout $timeout $pkgs"
log="$(mktemp -t reprokit-test.XXXXXX)"
trap 'rm -f "$log"' EXIT
go test -race -timeout "$timeout" $pkgs 2>&1 | tee "$log"
test_status=${PIPESTATUS[0]}
failed="$(grep -E '^FAIL[[:space:]]+[^[:space:]]+' "$log" | awk '{print $2}' | sort -u | tr '\n' ' ')"
if [[ $test_status -eq 0 ]]; then
	note "go test" ok
else
	note "go test" "FAIL: ${failed:-see the output above}"
	status=1
fi

elapsed=$(( $(date +%s) - start ))
{
	echo
	echo "== Reprokit test summary"
	printf '%s\n' "${results[@]}"
	echo
	echo "slowest packages (seconds):"
	grep -E '^(ok|FAIL)[[:space:]]+[^[:space:]]+[[:space:]]+[0-9.]+s' "$log" |
		awk '{t=$3; sub(/s$/,"",t); printf "  %8.1f  %-4s %s\n", t, $1, $2}' | sort -rn | head -15
	printf '\ntotal %dm%02ds; %s\n' $((elapsed / 60)) $((elapsed % 60)) "$([[ $status -eq 0 ]] && echo PASS || echo FAIL)"
} >&2
exit $status
