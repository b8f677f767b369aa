package capture

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzBuildHAR feeds arbitrary logs to the builder: it must never panic,
// and it either writes valid JSON or returns an error (a *LogSyntaxError
// for malformed input). The seed corpus is in testdata/fuzz/FuzzBuildHAR.
func FuzzBuildHAR(f *testing.F) {
	f.Add([]byte(`[{"method":"Network.requestWillBeSent","params":{"requestId":"1","request":{"url":"http://a/?q=1","method":"POST","headers":{"Content-Type":"multipart/form-data; boundary=x"},"postData":"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--"},"timestamp":1,"wallTime":2}}]`))
	tmp := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		var in io.Reader = bytes.NewReader(data)
		if len(data)%2 == 1 {
			in = io.MultiReader(in) // not readable back: the spill-file path
		}
		done := make(chan error, 1)
		go func() { done <- BuildHAR(in, &out, BuildOptions{TempDir: tmp, Dir: "testdata"}) }()
		var err error
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("BuildHAR hangs on %q", data)
		}
		if err != nil {
			var se *LogSyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error that is not a *LogSyntaxError: %v", err)
			}
			if se.Line < 1 || se.Column < 1 {
				t.Fatalf("error without a position: %v", se)
			}
			return
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("invalid JSON out for %q:\n%s", data, out.Bytes())
		}
	})
}

// FuzzFinalize feeds arbitrary spool logs to Finalize, which must always
// finish (skipping what it cannot read) and write valid JSON files.
func FuzzFinalize(f *testing.F) {
	f.Add([]byte("{\"method\":\"a\"}\n{\"method\":\"b\",\"params\":{]}\n42\n{\"method\":\"Runtime.consoleAPICalled\",\"params\":{\"type\":\"log\",\"args\":[{\"type\":\"string\",\"value\":\"%s %d %o\"}]}}\n{\"method\":\"c\""))
	if seed, err := os.ReadFile("testdata/spool/events.jsonl"); err == nil {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, EventsFile), data, 0o600); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- finalizeDir(dir, FinalizeOptions{}) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Finalize failed on %q: %v", data, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Finalize hangs on %q", data)
		}
		for _, name := range []string{"session.har", "console.json", "steps.json", "environment.json"} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil || !json.Valid(b) {
				t.Fatalf("%s: %v, valid %v, for %q", name, err, json.Valid(b), data)
			}
		}
	})
}
