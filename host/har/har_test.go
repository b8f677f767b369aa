package har

import (
	"encoding/json"
	"strings"
	"testing"
)

// A memory-cache hit moved no bytes: DevTools writes `_transferSize: 0`, and
// readers tell "nothing transferred" from "unknown" by the field being there.
func TestZeroTransferSizeIsWritten(t *testing.T) {
	e := Entry{FromCache: "memory"}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"_transferSize":0`) {
		t.Errorf("entry lost _transferSize 0: %s", b)
	}
	if !strings.Contains(string(b), `"response":{`) {
		t.Fatalf("no response in %s", b)
	}
	r, _ := json.Marshal(e.Response)
	if !strings.Contains(string(r), `"_transferSize":0`) {
		t.Errorf("response lost _transferSize 0: %s", r)
	}
}
