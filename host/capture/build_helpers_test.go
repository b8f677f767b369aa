package capture

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/reprokit/reprokit/host/har"
)

// buildFixture converts testdata/<name> and decodes the HAR, failing the
// test on any error or invalid JSON.
func buildFixture(t *testing.T, name string) *har.HAR {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	var warns []string
	err = BuildHAR(f, &out, BuildOptions{Dir: "testdata", TempDir: t.TempDir(), Warn: func(m string) { warns = append(warns, m) }})
	if err != nil {
		t.Fatalf("BuildHAR(%s): %v", name, err)
	}
	for _, w := range warns {
		t.Logf("warning: %s", w)
	}
	if !json.Valid(out.Bytes()) {
		t.Fatalf("BuildHAR(%s) wrote invalid JSON:\n%s", name, out.String())
	}
	var h har.HAR
	if err := json.Unmarshal(out.Bytes(), &h); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("REPROKIT_DUMP_HAR") != "" {
		t.Logf("%s", out.String())
	}
	return &h
}
