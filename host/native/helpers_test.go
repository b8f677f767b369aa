package native

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

func itoa(i int) string { return strconv.Itoa(i) }

func readProtocolDoc(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "docs", "PROTOCOL.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
