package install

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// Registry is the part of the Windows registry Install, Uninstall and
// Doctor use. Keys are full paths with the hive first ("HKCU\Software\...",
// "HKLM\Software\..."); the value name "" is the key's default value.
// [RegExe] is the real one; tests on Linux use an in-memory fake.
type Registry interface {
	// Get reads one value; ok is false when the key or value is missing.
	Get(key, name string) (value string, ok bool, err error)
	// Set creates the key if needed and sets a REG_SZ value.
	Set(key, name, value string) error
	// DeleteKey removes a key and its subkeys; a missing key is not an error.
	DeleteKey(key string) error
	// Values lists the values of a key (REG_DWORD as "0x1"); a missing key
	// gives an empty map.
	Values(key string) (map[string]string, error)
}

// RegExe is the Windows registry through reg.exe, which every Windows has;
// it writes the 64-bit view, which both 32- and 64-bit Chrome read.
type RegExe struct{}

func (RegExe) run(args ...string) ([]byte, error) {
	cmd := exec.Command("reg.exe", append(args, "/reg:64")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("reg %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// Get implements [Registry].
func (r RegExe) Get(key, name string) (string, bool, error) {
	args := []string{"query", key}
	if name == "" {
		args = append(args, "/ve")
	} else {
		args = append(args, "/v", name)
	}
	out, err := r.run(args...)
	if err != nil {
		return "", false, nil // reg query fails for a missing key or value
	}
	vals := parseRegQuery(out)
	v, ok := vals[name]
	return v, ok, nil
}

// Set implements [Registry].
func (r RegExe) Set(key, name, value string) error {
	args := []string{"add", key}
	if name == "" {
		args = append(args, "/ve")
	} else {
		args = append(args, "/v", name)
	}
	_, err := r.run(append(args, "/t", "REG_SZ", "/d", value, "/f")...)
	return err
}

// DeleteKey implements [Registry].
func (r RegExe) DeleteKey(key string) error {
	if _, err := r.run("query", key); err != nil {
		return nil // already gone
	}
	_, err := r.run("delete", key, "/f")
	return err
}

// Values implements [Registry].
func (r RegExe) Values(key string) (map[string]string, error) {
	out, err := r.run("query", key)
	if err != nil {
		return map[string]string{}, nil
	}
	return parseRegQuery(out), nil
}

// parseRegQuery reads the values of the first key in `reg query` output:
//
//	HKEY_CURRENT_USER\Software\X
//	    (Default)    REG_SZ    C:\a b\c.json
//	    Name    REG_DWORD    0x0
func parseRegQuery(out []byte) map[string]string {
	vals := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	keys := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		if !strings.HasPrefix(line, " ") {
			keys++
			if keys > 1 {
				break
			}
			continue
		}
		fields := strings.SplitN(strings.TrimSpace(line), "    ", 3)
		if len(fields) < 2 {
			continue
		}
		name := fields[0]
		if name == "(Default)" || strings.HasPrefix(name, "(") {
			name = ""
		}
		v := ""
		if len(fields) == 3 {
			v = fields[2]
		}
		vals[name] = v
	}
	return vals
}

var errNoRegistry = errors.New("no registry: this environment has no Windows registry")
