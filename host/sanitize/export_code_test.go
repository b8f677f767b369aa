package sanitize

import "testing"

// For the live tests of package sanitize_test (realcode_live_test.go),
// which record in a browser and so cannot live in this package (host/recording
// imports it).

// CodeFileForTest is one real library file: its path under
// REPROKIT_REAL_CODE_DIR, its language ("js", "css", "map"), MIME type and
// bytes.
type CodeFileForTest struct{ Name, Lang, Mime, Body string }

// RealCodeFilesForTest returns the files under REPROKIT_REAL_CODE_DIR; it
// skips the test without it (fails in CI).
func RealCodeFilesForTest(t testing.TB) []CodeFileForTest {
	var out []CodeFileForTest
	for _, u := range realCodeUnits(t, realCodeDir(t)) {
		out = append(out, CodeFileForTest{u.name, u.lang, u.mime, u.body})
	}
	return out
}

// CompareCodeForTest says what broke in after, a sanitized copy of before
// in lang ("html", "js", "css", "json", "map", "xml"); nothing when it
// still parses (see code_fidelity_test.go).
func CompareCodeForTest(lang, before, after string) []string { return compareCode(lang, before, after) }

// DiffAtForTest shows where before and after first differ.
func DiffAtForTest(before, after string) string { return diffAt(before, after) }
