package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

// Every user-facing string of the extension comes from chrome.i18n: each
// key the popup, the service worker and the manifest use exists in the
// English and the Korean catalog, and the two catalogs have the same keys.
func TestEveryStringOfTheExtensionIsInTheEnglishAndKoreanCatalogs(t *testing.T) {
	ext := filepath.Join(env.root, "extension")
	if env.root == "" {
		t.Skip(env.skip)
	}
	catalog := func(lang string) map[string]json.RawMessage {
		b, err := os.ReadFile(filepath.Join(ext, "_locales", lang, "messages.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s catalog: %v", lang, err)
		}
		return m
	}
	en, ko := catalog("en"), catalog("ko")
	used := map[string]bool{}
	for file, re := range map[string]*regexp.Regexp{
		"popup.html":    regexp.MustCompile(`data-i18n(?:-placeholder)?="([A-Za-z]+)"`),
		"popup.js":      regexp.MustCompile(`\bt\('([A-Za-z]+)'|'((?:err|fix|st|reason)[A-Z][A-Za-z]+)'`),
		"sw.js":         regexp.MustCompile(`\bmsg\('([A-Za-z]+)'`),
		"manifest.json": regexp.MustCompile(`__MSG_([A-Za-z]+)__`),
	} {
		b, err := os.ReadFile(filepath.Join(ext, file))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			for _, k := range m[1:] {
				if k != "" {
					used[k] = true
				}
			}
		}
	}
	if len(used) < 40 {
		t.Fatalf("found only %d message keys in the extension's files; the scan is broken", len(used))
	}
	var missing []string
	for k := range used {
		if _, ok := en[k]; !ok {
			missing = append(missing, "en:"+k)
		}
		if _, ok := ko[k]; !ok {
			missing = append(missing, "ko:"+k)
		}
	}
	for k := range en {
		if _, ok := ko[k]; !ok {
			missing = append(missing, "ko:"+k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("message keys missing from the catalogs: %v", missing)
	}
}
