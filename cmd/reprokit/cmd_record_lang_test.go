package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/browser"
)

// `reprokit record --lang ko` (or a Korean system locale, LANG=ko_KR.UTF-8)
// writes SUPPORT_REQUEST.md in Korean and keeps the language in
// bundle.json; an English locale keeps English. Through the real binary
// and a headless browser.
func TestRecordWritesTheSupportRequestInTheLanguageOfLangOrTheLocale(t *testing.T) {
	if testing.Short() {
		t.Skip("records with a browser")
	}
	p := os.Getenv(browser.EnvBrowser)
	if p == "" {
		p = "/usr/bin/chromium"
	}
	path, err := browser.Find(p)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	for _, tc := range []struct {
		name    string
		args    []string
		env     []string
		lang    string
		heading string
	}{
		{"--lang ko", []string{"--lang", "ko"}, []string{"LANG=en_US.UTF-8"}, "ko", "# 지원 요청"},
		{"LANG=ko_KR.UTF-8", nil, []string{"LANG=ko_KR.UTF-8"}, "ko-KR", "# 지원 요청"},
		{"LANG=en_US.UTF-8", nil, []string{"LANG=en_US.UTF-8"}, "en-US", "# Support request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// a short folder: Chromium's singleton socket path has a limit
			dir, err := os.MkdirTemp("", "rk")
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(dir)
			out := filepath.Join(dir, "b.zip")
			args := append([]string{"record", "--headless", "--browser", path, "--duration", "2s", "--out", out}, tc.args...)
			args = append(args, "data:text/html,<title>lang</title><h1>lang</h1>")
			cmd := exec.Command(reprokitBinary(t), args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "TMPDIR="+dir, "REPROKIT_OUT_DIR=", "LC_ALL=", "LC_MESSAGES=")
			cmd.Env = append(cmd.Env, tc.env...)
			var e bytes.Buffer
			cmd.Stderr = &e
			if err := cmd.Run(); err != nil {
				var ee *exec.ExitError
				errors.As(err, &ee)
				t.Fatalf("%v: %v\n%s", args, err, e.String())
			}
			files := map[string]string{}
			z, err := zip.OpenReader(out)
			if err != nil {
				t.Fatal(err)
			}
			defer z.Close()
			for _, f := range z.File {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				files[f.Name] = string(b)
			}
			if !strings.HasPrefix(files["SUPPORT_REQUEST.md"], tc.heading+"\n") {
				t.Errorf("SUPPORT_REQUEST.md does not start with %q:\n%s", tc.heading, files["SUPPORT_REQUEST.md"])
			}
			var m struct {
				Recording struct{ Language string }
			}
			if err := json.Unmarshal([]byte(files["bundle.json"]), &m); err != nil {
				t.Fatal(err)
			}
			if m.Recording.Language != tc.lang {
				t.Errorf("bundle.json's recording.language = %q, want %q", m.Recording.Language, tc.lang)
			}
		})
	}
}
