#!/usr/bin/env bash
# uninstall.sh undoes scripts/install.sh: it removes the host manifests
# (`reprokit uninstall`, from reprokit's receipt), the reprokit binary and the
# folders install.sh created. A browser that install.sh installed stays,
# unless --purge-browser is given. Running it twice is harmless.
#
# usage: scripts/uninstall.sh [--scope user|system] [--purge-browser]
set -euo pipefail

die() { echo "uninstall.sh: $*" >&2; exit 1; }
say() { echo "uninstall.sh: $*" >&2; }

if [[ "$(id -u)" -eq 0 ]]; then scope=system; else scope=user; fi
purge=0
while [[ $# -gt 0 ]]; do
	case "$1" in
	--scope) scope="${2:?--scope needs user or system}"; shift 2 ;;
	--scope=*) scope="${1#*=}"; shift ;;
	--purge-browser) purge=1; shift ;;
	-h|--help) sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
done
case "$scope" in
user) default_bin="$HOME/.local/bin/reprokit" ;;
system)
	[[ "$(id -u)" -eq 0 ]] || die "--scope system removes files from /usr/local/bin and /etc: run it with sudo"
	default_bin="${REPROKIT_ROOT:-}/usr/local/bin/reprokit" ;;
*) die "scope \"$scope\" is not valid: use --scope user or --scope system" ;;
esac
case "$(uname -s)-$scope" in
Darwin-user) state_dir="$HOME/Library/Application Support/Reprokit" ;;
Darwin-system) state_dir="${REPROKIT_ROOT:-}/Library/Application Support/Reprokit" ;;
*-user) cfg="${XDG_CONFIG_HOME:-}"; [[ "$cfg" == /* ]] || cfg="$HOME/.config"; state_dir="$cfg/reprokit" ;;
*-system) state_dir="${REPROKIT_ROOT:-}/var/lib/reprokit" ;;
esac
state="$state_dir/install-script.state"

bin="$default_bin"
browser=""
created=()
if [[ -f "$state" ]]; then
	while IFS= read -r line; do
		case "$line" in
		BINARY=*) bin="${line#BINARY=}" ;;
		BROWSER_INSTALLED=*) browser="${line#BROWSER_INSTALLED=}" ;;
		CREATED_DIR=*) created+=("${line#CREATED_DIR=}") ;;
		esac
	done <"$state"
elif [[ ! -e "$default_bin" ]]; then
	say "nothing to remove: install.sh did not install Reprokit for scope $scope (no $state, no $default_bin); \`reprokit uninstall\` removes manifests written without the script"
	exit 0
else
	say "no record of scripts/install.sh at $state: removing what \`reprokit uninstall\` knows and $default_bin"
fi

# 1. The host manifests, with the binary that wrote them.
runner="$bin"
[[ -x "$runner" ]] || runner="$(command -v reprokit || true)"
if [[ -n "$runner" && -x "$runner" ]]; then
	"$runner" uninstall --scope "$scope" || die "reprokit uninstall failed: see above"
else
	say "no reprokit binary found to remove the host manifests; remove io.reprokit.host.json from the browsers' NativeMessagingHosts folders by hand (docs/DEPLOY.md lists them)"
fi

# 2. The binary.
if [[ -e "$bin" ]]; then
	rm -f "$bin"
	say "removed $bin"
fi

# 3. The browser, only on request.
if [[ -n "$browser" ]]; then
	if [[ "$purge" -eq 1 ]]; then
		sudo=""
		[[ "$(id -u)" -eq 0 ]] || sudo="sudo"
		$sudo apt-get remove -y "$browser" || die "apt-get remove $browser failed"
		say "removed $browser"
	else
		say "$browser was installed by install.sh and is kept; remove it with --purge-browser or \`apt-get remove $browser\`"
	fi
fi

# 4. The record and the folders install.sh created, deepest first, when empty.
rm -f "$state"
for ((i = ${#created[@]} - 1; i >= 0; i--)); do
	rmdir "${created[i]}" 2>/dev/null || true
done
say "done"
