package sanitize

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Real code never makes the sanitizer refuse or change it (issue 10's
// goal): the published files of real libraries (react-dom, codemirror,
// mathjax, jquery, lodash, bootstrap, font-awesome, angular, moment:
// scripts/fetch-real-code.sh takes them from npm into a cache that
// scripts/test.sh passes as REPROKIT_REAL_CODE_DIR) go through the
// sanitizer unchanged, byte for byte, and the output verifies clean; only
// a small page with planted secrets changes, around those secrets.

// realCodeDir returns REPROKIT_REAL_CODE_DIR. Without it the test skips,
// or fails when CI is set.
func realCodeDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("REPROKIT_REAL_CODE_DIR")
	if dir == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI needs the real libraries' files: scripts/test.sh fetches them (scripts/fetch-real-code.sh) and sets REPROKIT_REAL_CODE_DIR")
		}
		t.Skip("REPROKIT_REAL_CODE_DIR is not set: run REPROKIT_REAL_CODE_DIR=$(scripts/fetch-real-code.sh) go test …")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("REPROKIT_REAL_CODE_DIR=%s is not a folder: run scripts/fetch-real-code.sh", dir)
	}
	return dir
}

// realCodeUnits reads every .js, .css and .map file under dir; their
// names are the paths under dir, their URLs under https://cdn.example.com/.
func realCodeUnits(t testing.TB, dir string) []fidelityUnit {
	t.Helper()
	var units []fidelityUnit
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		var u fidelityUnit
		switch {
		case strings.HasSuffix(p, ".js"):
			u = fidelityUnit{lang: "js", mime: "application/javascript"}
		case strings.HasSuffix(p, ".css"):
			u = fidelityUnit{lang: "css", mime: "text/css"}
		case strings.HasSuffix(p, ".map"):
			u = fidelityUnit{lang: "map", mime: "application/json"}
		default:
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		u.name, u.url, u.body = rel, "https://cdn.example.com/"+rel, string(data)
		units = append(units, u)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(units) < 10 {
		t.Fatalf("only %d scripts, stylesheets and source maps in %s: run scripts/fetch-real-code.sh again", len(units), dir)
	}
	return units
}

// plantedCodePage is a small page whose inline script and style carry
// fresh secrets the way an app's own page does.
func plantedCodePage(g *fidelityGen) fidelityUnit {
	s := []string{g.secret(), g.secret(), g.secret(), g.secret()}
	body := `<!doctype html><html><head><title>app</title>
<style>.hero{background:url("/img/hero.png?token=` + s[3] + `")}</style></head><body>
<script>window.__CFG = {apiKey: "` + s[0] + `", api: "/api"};
var u = '/api/search' + '?api_key=' + '` + s[1] + `';
fetch(u, {headers: {Authorization: "Bearer ` + s[2] + `"}});
var t = 'token=' + window.t;</script>
</body></html>
`
	return fidelityUnit{name: "page with planted secrets", lang: "html", mime: "text/html; charset=utf-8", url: "https://app.example.com/", body: body, secrets: s}
}

// Every script, stylesheet and source map of real libraries goes through
// Redactor.HAR byte for byte, the output verifies clean (the bundle would
// be written), and the planted secrets of the app's page are gone while
// its code still parses.
func TestRealLibraryCodeIsKeptByteForByte(t *testing.T) {
	dir := realCodeDir(t)
	units := realCodeUnits(t, dir)
	var total int
	for _, u := range units {
		total += len(u.body)
	}
	units = append(units, plantedCodePage(newFidelityGen(nil, uint64(time.Now().UnixNano()))))
	start := time.Now()
	r := New(nil)
	var out bytes.Buffer
	if err := r.HAR(&out, bytes.NewReader(codeHAR(units))); err != nil {
		t.Fatalf("Redactor.HAR: %v", err)
	}
	t.Logf("%d files, %.1f MB, sanitized in %v", len(units), float64(total)/1e6, time.Since(start).Round(time.Millisecond))
	fs, err := r.VerifyBytes("session.har", out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range fs {
		if i == 20 {
			t.Errorf("… and %d more findings", len(fs)-20)
			break
		}
		t.Errorf("the fail-closed rescan would refuse the bundle: %s %s: %s (rule %s)", f.File, f.Location, f.Kind, f.Rule)
	}
	bodies := unitBodies(t, out.Bytes(), units)
	changed := 0
	for i, u := range units {
		if u.secrets != nil {
			if s := survivors(u.secrets, bodies[i]); len(s) > 0 {
				t.Errorf("%s: %d of its %d planted secrets survive:\n%s", u.name, len(s), len(u.secrets), bodies[i])
			}
			if p := compareCode(u.lang, u.body, bodies[i]); len(p) > 0 {
				t.Errorf("%s no longer parses:\n  %s", u.name, strings.Join(p, "\n  "))
			}
			continue
		}
		if bodies[i] == u.body {
			continue
		}
		changed++
		msg := "still parses"
		if p := compareCode(u.lang, u.body, bodies[i]); len(p) > 0 {
			msg = "NO LONGER PARSES:\n  " + strings.Join(p, "\n  ")
		}
		t.Errorf("%s (%s) changed (%s): %d tags; first change %s", u.name, u.lang, msg, strings.Count(bodies[i], "[REDACTED:"), diffAt(u.body, bodies[i]))
	}
	if changed > 0 {
		t.Errorf("%d of %d real library files changed; none may", changed, len(units)-1)
	}
}

// TestWriteRealCodeBenchHAR writes the HAR of real scripts and stylesheets
// that scripts/bench.d/sanitize.sh measures beside its generated HAR: the
// files under REPROKIT_REAL_CODE_DIR as response bodies, repeated under
// new URLs (as a recording of several page loads holds them) up to
// REPROKIT_BENCH_MB (default 60), into REPROKIT_BENCH_HAR. It runs only
// with REPROKIT_BENCH_WRITE=1.
func TestWriteRealCodeBenchHAR(t *testing.T) {
	path := os.Getenv("REPROKIT_BENCH_HAR")
	if os.Getenv("REPROKIT_BENCH_WRITE") == "" || path == "" {
		t.Skip("writes the benchmark HAR only for scripts/bench.d/sanitize.sh (REPROKIT_BENCH_WRITE=1 REPROKIT_BENCH_HAR=FILE)")
	}
	units := realCodeUnits(t, realCodeDir(t))
	mb := 60
	if v, err := strconv.Atoi(os.Getenv("REPROKIT_BENCH_MB")); err == nil && v > 0 {
		mb = v
	}
	var all []fidelityUnit
	for size, n := 0, 0; size < mb<<20; n++ {
		for _, u := range units {
			u.url = "https://cdn" + strconv.Itoa(n) + ".example.com/" + u.name
			all = append(all, u)
			size += len(u.body)
		}
	}
	if err := os.WriteFile(path, codeHAR(all), 0o644); err != nil {
		t.Fatal(err)
	}
}
