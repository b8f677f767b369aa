package sanitize

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// fuzzSeeds are small HARs in the shapes of several writers, plus the leak
// corpus; testdata/formats holds the samples.
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	files, _ := filepath.Glob(filepath.Join("testdata", "formats", "*.har"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			seeds = append(seeds, data)
		}
	}
	data, _ := buildCorpus()
	var doc struct {
		Log struct {
			Entries []json.RawMessage `json:"entries"`
		} `json:"log"`
	}
	json.Unmarshal(data, &doc)
	for i := 0; i < len(doc.Log.Entries); i += 6 {
		seeds = append(seeds, []byte(`{"log":{"version":"1.2","entries":[`+string(doc.Log.Entries[i])+`]}}`))
	}
	return seeds
}

// FuzzSanitizeHAR: any input either fails with an InputError or gives
// valid JSON; valid JSON input never fails.
func FuzzSanitizeHAR(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		err := New(nil).HAR(&out, bytes.NewReader(in))
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error is not an InputError: %v", err)
			}
			if json.Valid(in) && len(bytes.TrimSpace(in)) > 0 {
				t.Fatalf("valid JSON rejected: %v", err)
			}
			return
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("output is not valid JSON:\n%s", out.Bytes())
		}
	})
}

// canaries are secrets that must not survive wherever they are planted.
var canaries = []string{
	"AKIAZ7Q3NXP5V2KL4MDR",
	"ghp_Q7vX2mK9pL4sT8wZ1cN5bH3jF6gD0aE2rT5y",
	"sk-proj-Zx8kLm2Pq9Rt4Vw7Bn3Cd6Fg1Hj5Kl0Qs2Tu4Wy6",
	"xoxb-2837465019-4829301746-Zk3mQ8vL2pX7nR5tY1wB9cJ4",
}

// stringSlots lists the strings of a decoded JSON value (keys too), in a
// stable order, as setters.
func stringSlots(v any, set func(any)) []func(string, int) {
	return slotsOf(v, set, true)
}

// valueSlots is stringSlots without the keys and the "name" strings of
// {name, value} pairs: names are never redacted, so "token=V" in a name
// names nothing.
func valueSlots(v any, set func(any)) []func(string, int) {
	return slotsOf(v, set, false)
}

func slotsOf(v any, set func(any), withKeys bool) []func(string, int) {
	var out []func(string, int)
	switch x := v.(type) {
	case string:
		out = append(out, func(c string, pos int) { set(insertAt(x, c, pos)) })
	case []any:
		for i := range x {
			out = append(out, slotsOf(x[i], func(nv any) { x[i] = nv }, withKeys)...)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if withKeys {
				out = append(out, func(c string, pos int) { x[insertAt(k, c, pos)] = x[k]; delete(x, k) })
			}
			if _, isStr := x[k].(string); !withKeys && isStr && k == "name" {
				continue // a header's, cookie's or parameter's name is a name too
			}
			out = append(out, slotsOf(x[k], func(nv any) { x[k] = nv }, withKeys)...)
		}
	}
	return out
}

// FuzzCanary plants a canary in any string (or key) of a HAR, at any
// position, and checks that it never survives.
func FuzzCanary(f *testing.F) {
	for i, s := range fuzzSeeds(f) {
		f.Add(s, uint16(i*7), uint16(i*13), uint8(i))
	}
	f.Fuzz(func(t *testing.T, in []byte, slot, pos uint16, which uint8) {
		var doc any
		dec := json.NewDecoder(bytes.NewReader(in))
		dec.UseNumber()
		if dec.Decode(&doc) != nil {
			return
		}
		var root any = doc
		slots := stringSlots(root, func(nv any) { root = nv })
		if len(slots) == 0 {
			return
		}
		canary := canaries[int(which)%len(canaries)]
		// the setter appends; to insert at a position, rebuild the string
		target := int(slot) % len(slots)
		slots[target](" "+canary+" ", int(pos))
		planted, err := json.Marshal(root)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := New(nil).HAR(&out, bytes.NewReader(planted)); err != nil {
			t.Fatalf("sanitize failed on valid JSON: %v", err)
		}
		if bytes.Contains(out.Bytes(), []byte(canary)) {
			t.Fatalf("canary %s survived in slot %d of:\n%s\noutput:\n%s", canary, target, planted, out.Bytes())
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("output is not valid JSON")
		}
	})
}

// insertAt inserts c into s at pos modulo len(s)+1, on a rune boundary.
func insertAt(s, c string, pos int) string {
	p := pos % (len(s) + 1)
	for p > 0 && p < len(s) && s[p]&0xC0 == 0x80 {
		p--
	}
	return s[:p] + c + s[p:]
}

func TestCanaryInEverySlotOfTheCorpus(t *testing.T) {
	// the deterministic version of FuzzCanary: every slot of a few corpus
	// entries, every canary
	data, _ := buildCorpus()
	var doc struct {
		Log struct {
			Entries []json.RawMessage `json:"entries"`
		} `json:"log"`
	}
	json.Unmarshal(data, &doc)
	for ei := 0; ei < len(doc.Log.Entries); ei += 9 {
		base := []byte(`{"log":{"version":"1.2","pages":[{"id":"p","title":"t"}],"entries":[` + string(doc.Log.Entries[ei]) + `]}}`)
		var probe any
		json.Unmarshal(base, &probe)
		n := len(stringSlots(probe, func(any) {}))
		for si := 0; si < n; si++ {
			for ci, canary := range canaries {
				if (si+ci)%2 == 1 {
					continue // half the combinations keep the test fast
				}
				var root any
				dec := json.NewDecoder(bytes.NewReader(base))
				dec.UseNumber()
				dec.Decode(&root)
				slots := stringSlots(root, func(nv any) { root = nv })
				slots[si](" "+canary+" ", si*31+ci)
				planted, _ := json.Marshal(root)
				var out bytes.Buffer
				if err := New(nil).HAR(&out, bytes.NewReader(planted)); err != nil {
					t.Fatal(err)
				}
				if strings.Contains(out.String(), canary) {
					t.Errorf("entry %d slot %d: canary %s survived:\n%s", ei, si, canary, out.String())
				}
			}
		}
	}
}

// TestPathologicalStringsStayLinear feeds strings that would make a naive
// scanner quadratic; with the -timeout of the suite, a regression hangs.
func TestPathologicalStringsStayLinear(t *testing.T) {
	const n = 400000
	r := New(nil)
	for name, s := range map[string]string{
		"at signs":       strings.Repeat("a@", n/2),
		"assignments":    "token=" + strings.Repeat("a1=", n/3),
		"colons":         strings.Repeat("token:a1", n/8),
		"dots":           strings.Repeat("1.", n/2),
		"colons and hex": strings.Repeat("a:", n/2),
		"urls":           strings.Repeat("a://", n/4),
		"jwt starts":     strings.Repeat("eyJ.", n/4),
		"pem":            strings.Repeat("-----BEGIN ", n/11),
		"tags":           strings.Repeat("<input ", n/7),
		"keywords":       strings.Repeat("key ", n/4),
		"digits":         strings.Repeat("4111 ", n/5),
		"percent":        strings.Repeat("%40", n/3),
	} {
		out := r.Text(s)
		if len(out) == 0 {
			t.Errorf("%s: empty output", name)
		}
	}
}

// FuzzSameValue plants one value twice in a fuzzed HAR: once where a rule
// redacts it (after "token=") and once as a plain word where no rule would,
// in any two places and either order. The plain copy must get the tag too.
func FuzzSameValue(f *testing.F) {
	for i, s := range fuzzSeeds(f) {
		f.Add(s, uint16(i*7), uint16(i*13), uint16(i*5), uint16(i*3))
	}
	f.Fuzz(func(t *testing.T, in []byte, slotA, posA, slotB, posB uint16) {
		const v = "Qm7Xv2Lp9Rk4Tz8Wn3Bc6Hy1Jd"
		var doc any
		dec := json.NewDecoder(bytes.NewReader(in))
		dec.UseNumber()
		if dec.Decode(&doc) != nil {
			return
		}
		var root any = doc
		slots := stringSlots(root, func(nv any) { root = nv })
		if len(slots) == 0 {
			return
		}
		// the plain copy first, so that the other does not split "token="
		slots[int(slotB)%len(slots)](" "+v+" ", int(posB))
		slots = valueSlots(root, func(nv any) { root = nv })
		if len(slots) == 0 {
			return
		}
		slots[int(slotA)%len(slots)](" token="+v+" ", int(posA))
		planted, err := json.Marshal(root)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := New(nil).HAR(&out, bytes.NewReader(planted)); err != nil {
			t.Fatalf("sanitize failed on valid JSON: %v", err)
		}
		if bytes.Contains(out.Bytes(), []byte(v)) {
			t.Fatalf("the value survived:\n%s\noutput:\n%s", planted, out.Bytes())
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("output is not valid JSON")
		}
	})
}
