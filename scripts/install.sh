#!/usr/bin/env bash
# install.sh installs Reprokit on Linux or macOS: it builds the reprokit
# binary (or takes a prebuilt one with --binary), installs it into
# /usr/local/bin (system scope, as root) or ~/.local/bin (user scope),
# installs Chromium with apt-get on Debian/Ubuntu when no Chromium-family
# browser is found, and registers the native-messaging host with every
# browser (`reprokit install`). Running it twice changes nothing the second
# time. scripts/uninstall.sh undoes it. $REPROKIT_ROOT, when set, prefixes
# every system-wide path (tests, chroot trees).
#
# usage: scripts/install.sh [--scope user|system] [--binary PATH] [--bin-dir DIR]
#                           [--no-browser-install] [--extension-id ID] [--browsers LIST]
set -euo pipefail

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "install.sh: $*" >&2; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

if [[ "$(id -u)" -eq 0 ]]; then scope=system; else scope=user; fi
binary=""
bin_dir=""
browser_install=1
install_args=()
while [[ $# -gt 0 ]]; do
	case "$1" in
	--scope) scope="${2:?--scope needs user or system}"; shift 2 ;;
	--scope=*) scope="${1#*=}"; shift ;;
	--binary) binary="${2:?--binary needs a path}"; shift 2 ;;
	--binary=*) binary="${1#*=}"; shift ;;
	--bin-dir) bin_dir="${2:?--bin-dir needs a folder}"; shift 2 ;;
	--bin-dir=*) bin_dir="${1#*=}"; shift ;;
	--no-browser-install) browser_install=0; shift ;;
	--extension-id|--browsers) install_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
	--extension-id=*|--browsers=*) install_args+=("$1"); shift ;;
	-h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
done
[[ "${REPROKIT_NO_BROWSER_INSTALL:-}" == 1 ]] && browser_install=0

case "$scope" in
user) : "${bin_dir:=$HOME/.local/bin}" ;;
system)
	[[ "$(id -u)" -eq 0 ]] || die "--scope system writes /usr/local/bin and /etc: run it with sudo"
	: "${bin_dir:=${REPROKIT_ROOT:-}/usr/local/bin}" ;;
*) die "scope \"$scope\" is not valid: use --scope user or --scope system" ;;
esac

# The script's own record (what it created), next to reprokit's receipt, so
# that uninstall.sh removes exactly that.
case "$(uname -s)-$scope" in
Darwin-user) state_dir="$HOME/Library/Application Support/Reprokit" ;;
Darwin-system) state_dir="${REPROKIT_ROOT:-}/Library/Application Support/Reprokit" ;;
*-user) cfg="${XDG_CONFIG_HOME:-}"; [[ "$cfg" == /* ]] || cfg="$HOME/.config"; state_dir="$cfg/reprokit" ;;
*-system) state_dir="${REPROKIT_ROOT:-}/var/lib/reprokit" ;;
esac
state="$state_dir/install-script.state"
created=()
if [[ -f "$state" ]]; then
	# shellcheck disable=SC1090
	while IFS= read -r line; do
		case "$line" in CREATED_DIR=*) created+=("${line#CREATED_DIR=}") ;; esac
	done <"$state"
	prev_browser="$(sed -n 's/^BROWSER_INSTALLED=//p' "$state")"
else
	prev_browser=""
fi

# mkdir_recorded DIR: create DIR and remember each folder it creates.
mkdir_recorded() {
	local d="$1" missing=()
	while [[ ! -e "$d" && "$d" != "/" && "$d" != "." ]]; do
		missing=("$d" "${missing[@]+"${missing[@]}"}")
		d="$(dirname "$d")"
	done
	mkdir -p "$1"
	local m
	for m in "${missing[@]+"${missing[@]}"}"; do created+=("$m"); done
}

mkdir_recorded "$state_dir"

# 1. The binary.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [[ -z "$binary" ]]; then
	command -v go >/dev/null 2>&1 || die "Go is not installed: install Go 1.26 (https://go.dev/dl) or pass --binary PATH/TO/reprokit"
	say "building reprokit from $root"
	(cd "$root" && go build -trimpath -o "$tmp/reprokit" ./cmd/reprokit) || die "go build failed: see the errors above"
	binary="$tmp/reprokit"
fi
[[ -f "$binary" && -x "$binary" ]] || die "$binary is not an executable file"
mkdir_recorded "$bin_dir"
dest="$bin_dir/reprokit"
if [[ -f "$dest" ]] && cmp -s "$binary" "$dest"; then
	say "binary unchanged: $dest"
else
	install -m 0755 "$binary" "$dest.tmp.$$" && mv -f "$dest.tmp.$$" "$dest"
	say "installed $dest"
fi

# 2. A browser.
have_browser() {
	local b
	for b in google-chrome google-chrome-stable google-chrome-beta google-chrome-unstable chromium chromium-browser \
		microsoft-edge microsoft-edge-stable microsoft-edge-beta microsoft-edge-dev brave-browser brave vivaldi vivaldi-stable opera; do
		command -v "$b" >/dev/null 2>&1 && return 0
	done
	local app
	for app in com.google.Chrome org.chromium.Chromium com.microsoft.Edge com.brave.Browser com.vivaldi.Vivaldi com.opera.Opera; do
		[[ -d "$HOME/.var/app/$app" || -d "/var/lib/flatpak/app/$app" ]] && return 0
	done
	if [[ "$(uname -s)" == Darwin ]]; then
		for app in "Google Chrome" Chromium "Microsoft Edge" "Brave Browser" Vivaldi Opera Arc; do
			[[ -d "/Applications/$app.app" || -d "$HOME/Applications/$app.app" ]] && return 0
		done
	fi
	return 1
}
browser_installed="$prev_browser"
if ! have_browser; then
	if [[ "$browser_install" -eq 1 && -f /etc/debian_version ]] && command -v apt-get >/dev/null 2>&1; then
		sudo=""
		if [[ "$(id -u)" -ne 0 ]]; then
			command -v sudo >/dev/null 2>&1 || die "no Chromium-family browser found and no sudo to install one: run \`apt-get install chromium\` as root, then this script again"
			sudo="sudo"
		fi
		say "no Chromium-family browser found: installing Chromium with apt-get"
		$sudo apt-get update
		if apt-cache show chromium >/dev/null 2>&1; then pkg=chromium; else pkg=chromium-browser; fi
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "$pkg" || die "apt-get install $pkg failed: install a Chromium-family browser, then run this script again"
		browser_installed="$pkg"
	else
		say "no Chromium-family browser found: install Chrome, Chromium, Edge, Brave, Vivaldi or Opera, then run this script again"
	fi
fi

# 3. The host manifests (reprokit keeps its own receipt).
"$dest" install --scope "$scope" "${install_args[@]+"${install_args[@]}"}" || die "reprokit install failed: see above; \`$dest doctor\` explains each problem"

# 4. The script's record: rewritten only when it changes.
{
	echo "# written by scripts/install.sh; read by scripts/uninstall.sh"
	echo "SCOPE=$scope"
	echo "BINARY=$dest"
	[[ -n "$browser_installed" ]] && echo "BROWSER_INSTALLED=$browser_installed"
	printf 'CREATED_DIR=%s\n' "${created[@]+"${created[@]}"}" | awk '!seen[$0]++' | grep -v '^CREATED_DIR=$' || true
} >"$tmp/state"
if ! cmp -s "$tmp/state" "$state" 2>/dev/null; then
	cp "$tmp/state" "$state"
	chmod 0644 "$state"
fi

case ":$PATH:" in
*":$bin_dir:"*) say "done: run \`reprokit demo\`, or \`reprokit doctor\` to check the install" ;;
*)
	say "done; $bin_dir is not on your PATH. Add it for this and future shells:"
	echo "  export PATH=\"$bin_dir:\$PATH\"   # add this line to ~/.bashrc or ~/.profile" >&2
	;;
esac
