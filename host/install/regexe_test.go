package install

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeRegExe is a stand-in for Windows' reg.exe on PATH: it keeps keys as
// folders and values as files, accepts the command lines RegExe builds, and
// prints `reg query` output as Windows does. It logs every call.
const fakeRegExe = `#!/usr/bin/env bash
set -u
store="$FAKE_REG_STORE"
echo "$*" >>"$store/calls.log"
op="$1"; key="$2"; shift 2
dir="$store/keys/$(echo "$key" | tr '\\' '/' | tr 'A-Z' 'a-z')"
name=""; data=""; default=0
while [[ $# -gt 0 ]]; do
	case "$1" in
	/ve) default=1; shift ;;
	/v) name="$2"; shift 2 ;;
	/t) shift 2 ;;
	/d) data="$2"; shift 2 ;;
	/f|/reg:64) shift ;;
	*) echo "ERROR: Invalid syntax." >&2; exit 1 ;;
	esac
done
[[ "$default" == 1 ]] && name="(Default)"
case "$op" in
add)
	mkdir -p "$dir"
	printf '%s' "$data" >"$dir/$name.val"
	echo "The operation completed successfully." ;;
delete)
	[[ -d "$dir" ]] || { echo "ERROR: The system was unable to find the specified registry key or value." >&2; exit 1; }
	rm -rf "$dir"
	echo "The operation completed successfully." ;;
query)
	[[ -d "$dir" ]] || { echo "ERROR: The system was unable to find the specified registry key or value." >&2; exit 1; }
	if [[ -n "$name" && ! -f "$dir/$name.val" ]]; then echo "ERROR: The system was unable to find the specified registry key or value." >&2; exit 1; fi
	printf '\r\n%s\r\n' "$key"
	for f in "$dir"/*.val; do
		[[ -e "$f" ]] || continue
		n="$(basename "$f" .val)"
		[[ -n "$name" && "$n" != "$name" ]] && continue
		printf '    %s    REG_SZ    %s\r\n' "$n" "$(cat "$f")"
	done
	printf '\r\n' ;;
*) echo "ERROR: Invalid syntax." >&2; exit 1 ;;
esac
`

// Install, Doctor and Uninstall drive the real RegExe through a reg.exe
// that behaves like Windows' on the command lines it gets.
func TestRegExeRoundTripThroughRegCommandLines(t *testing.T) {
	bin := t.TempDir()
	store := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "reg.exe"), []byte(fakeRegExe), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_REG_STORE", store)
	local := t.TempDir()
	e := &Env{GOOS: "windows", Home: t.TempDir(), Registry: RegExe{}, LookPath: noPath,
		Getenv: func(k string) string {
			if k == "LOCALAPPDATA" {
				return local
			}
			return ""
		}}
	os.MkdirAll(e.join(local, `Vivaldi\User Data`), 0o700)
	host := fakeBinary(t)
	if _, err := Install(e, Options{Binary: host, ExtensionIDs: []string{testID}}); err != nil {
		t.Fatal(err)
	}
	manifest := e.join(local, "Reprokit", ManifestFile)
	for _, k := range []string{`HKCU\Software\Vivaldi\NativeMessagingHosts\io.reprokit.host`, `HKCU\Software\Google\Chrome\NativeMessagingHosts\io.reprokit.host`} {
		if v, ok, err := (RegExe{}).Get(k, ""); err != nil || !ok || v != manifest {
			t.Errorf("%s = %q %v %v", k, v, ok, err)
		}
	}
	calls, _ := os.ReadFile(filepath.Join(store, "calls.log"))
	if !strings.Contains(string(calls), `add HKCU\Software\Vivaldi\NativeMessagingHosts\io.reprokit.host /ve /t REG_SZ /d `+manifest+` /f /reg:64`) {
		t.Errorf("reg.exe calls:\n%s", calls)
	}
	if r := doctor(e); !r.OK {
		t.Errorf("doctor: %q", failed(r))
	}
	if _, err := Uninstall(e, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := (RegExe{}).Get(`HKCU\Software\Vivaldi\NativeMessagingHosts\io.reprokit.host`, ""); ok {
		t.Error("key left after uninstall")
	}
	if v, _ := (RegExe{}).Values(`HKCU\Software\Nothing`); len(v) != 0 {
		t.Errorf("missing key has values %v", v)
	}
}
