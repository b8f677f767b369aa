package sanitize

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// formatSecrets are the secrets planted in testdata/formats, HARs in the
// shapes Firefox, Playwright, Charles, Fiddler and Chrome write.
var formatSecrets = map[string][]string{
	"firefox.har":        {"ff_8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f", "Firefox-Pa55word!", "ff_new_0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d", "ST-4412-Ab9cD8eF7gH6iJ5kL4", "ada%40example.com"},
	"playwright.har":     {"pw_live_7Hq2Lm9Xz4Vb8Nc3Rt6Yk1Jd5", "pw_key_5Gh7Jk9Lm2Nb4Vc6Xz8", "YWRhQGV4YW1wbGUuY29t"},
	"charles.har":        {"AKIAIOSFODNN7EXAMPLF", "4d2c8e9f1a0b3c5d7e9f1a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d", "charles_9f8e7d6c5b4a3f2e1d0c"},
	"fiddler.har":        {"ZmlkZGxlcjpQcm94eVBhc3MxMjM=", "fd_rt_1a2b3c4d5e6f7a8b9c0d", "fd_cs_9z8y7x6w5v4u", "fd_at_0f1e2d3c4b5a6978"},
	"chrome-minimal.har": {"cm_4f5a6b7c8d9e0f1a2b3c", "cm_sess_0123456789abcdefABCDEF", "cm_csrf_9a8b7c6d5e4f3a2b1c0d"},
}

func TestHARsOfOtherWritersAreSanitized(t *testing.T) {
	for name, secrets := range formatSecrets {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "formats", name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var out bytes.Buffer
			r := New(nil)
			if err := r.HAR(&out, f); err != nil {
				t.Fatalf("not accepted: %v", err)
			}
			if !json.Valid(out.Bytes()) {
				t.Fatal("output is not valid JSON")
			}
			for _, s := range secrets {
				if strings.Contains(out.String(), s) {
					t.Errorf("%s survived", s)
				}
			}
			// the writer's own fields are kept
			for _, field := range []string{`"_securityState"`, `"_frameref"`, `"_charlesStatus"`, `"comment"`, `"_initiator"`} {
				in, _ := os.ReadFile(filepath.Join("testdata", "formats", name))
				if bytes.Contains(in, []byte(field)) && !strings.Contains(out.String(), field) {
					t.Errorf("field %s was dropped", field)
				}
			}
			if fs, err := r.Verify(name, bytes.NewReader(out.Bytes())); err != nil || len(fs) > 0 {
				t.Errorf("verify: %v %+v", err, fs)
			}
		})
	}
}

func TestHARWithByteOrderMark(t *testing.T) {
	in := "\xef\xbb\xbf" + `{"log":{"entries":[{"request":{"url":"https://a.example.com/?token=AbCdEf123456GhIjKl"}}]}}`
	var out bytes.Buffer
	if err := New(nil).HAR(&out, strings.NewReader(in)); err != nil {
		t.Fatalf("a HAR with a BOM is refused: %v", err)
	}
	if strings.Contains(out.String(), "AbCdEf123456") || !json.Valid(out.Bytes()) {
		t.Errorf("bad output: %s", out.String())
	}
}
