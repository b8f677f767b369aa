// Package browser finds, launches and attaches to a Chromium-family browser
// (Chrome, Chromium, Edge, Brave) for a recording. It hands the recorder a
// chromedp context of the recorded tab whose connection goes through a
// wrapper the caller gives (the capture tap).
package browser

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// EnvBrowser is the environment variable that names the browser executable
// to use, like --browser.
const EnvBrowser = "REPROKIT_BROWSER"

// ErrNotFound is the error of [Find] when no browser is installed.
var ErrNotFound = errors.New(notFoundMessage())

func notFoundMessage() string {
	switch runtime.GOOS {
	case "darwin":
		return "Chromium not found: install Google Chrome (or Chromium, Edge, Brave) or pass --browser PATH"
	case "windows":
		return "Chromium not found: install Google Chrome or Microsoft Edge, or pass --browser PATH"
	}
	return "Chromium not found: install it with `apt-get install chromium` or pass --browser PATH"
}

// Find returns the browser executable to use: path when given (it must
// exist), else $REPROKIT_BROWSER, else the first Chrome, Chromium, Edge or
// Brave found in the usual places of this OS. It returns [ErrNotFound] when
// there is none.
func Find(path string) (string, error) {
	if path == "" {
		path = os.Getenv(EnvBrowser)
	}
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", &PathError{Path: path, Err: err}
		}
		return p, nil
	}
	for _, c := range candidates(runtime.GOOS, os.Getenv) {
		if filepath.IsAbs(c) {
			if info, err := os.Stat(c); err == nil && !info.IsDir() {
				return c, nil
			}
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", ErrNotFound
}

// PathError is the error of [Find] when the browser the user named (with
// --browser or $REPROKIT_BROWSER) is missing or not executable: a usage
// error, where [ErrNotFound] means nothing is installed.
type PathError struct {
	Path string
	Err  error
}

// Error names the path, why it cannot run, and how to fix it.
func (e *PathError) Error() string {
	return fmt.Sprintf("browser %q not found or not executable: %v; check --browser or $%s, or leave both unset to use an installed browser (%s)",
		e.Path, e.Err, EnvBrowser, installHint())
}

// Unwrap returns the lookup error.
func (e *PathError) Unwrap() error { return e.Err }

func installHint() string {
	switch runtime.GOOS {
	case "darwin":
		return "install Google Chrome, Chromium, Edge or Brave"
	case "windows":
		return "install Google Chrome or Microsoft Edge"
	}
	return "install one with `apt-get install chromium`"
}

// candidates lists where goos keeps Chromium-family browsers, in order of
// preference: command names (looked up on PATH) or absolute paths.
func candidates(goos string, getenv func(string) string) []string {
	switch goos {
	case "darwin":
		var out []string
		apps := []string{
			"Google Chrome.app/Contents/MacOS/Google Chrome",
			"Chromium.app/Contents/MacOS/Chromium",
			"Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
			"Brave Browser.app/Contents/MacOS/Brave Browser",
			"Google Chrome Canary.app/Contents/MacOS/Google Chrome Canary",
		}
		for _, dir := range []string{"/Applications", filepath.Join(getenv("HOME"), "Applications")} {
			for _, a := range apps {
				out = append(out, filepath.Join(dir, a))
			}
		}
		return out
	case "windows":
		var out []string
		rel := []string{
			`Google\Chrome\Application\chrome.exe`,
			`Chromium\Application\chrome.exe`,
			`Microsoft\Edge\Application\msedge.exe`,
			`BraveSoftware\Brave-Browser\Application\brave.exe`,
		}
		for _, env := range []string{"ProgramFiles", "ProgramFiles(x86)", "LocalAppData"} {
			base := getenv(env)
			if base == "" {
				continue
			}
			for _, r := range rel {
				out = append(out, base+`\`+r)
			}
		}
		return append(out, "chrome.exe", "msedge.exe")
	default:
		return []string{
			"chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
			"microsoft-edge", "microsoft-edge-stable", "brave-browser", "brave",
			"/usr/bin/chromium", "/snap/bin/chromium", "/opt/google/chrome/chrome",
			"/opt/microsoft/msedge/msedge", "/opt/brave.com/brave/brave",
		}
	}
}
