package sanitize

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sanitizeOne runs a one-entry HAR through a new Redactor.
func sanitizeOne(t *testing.T, e *entryBuilder) (*Redactor, string) {
	t.Helper()
	har := map[string]any{"log": map[string]any{"version": "1.2", "creator": map[string]any{"name": "t", "version": "1"}, "entries": []any{e.m}}}
	data, _ := json.Marshal(har)
	r := New(nil)
	var out bytes.Buffer
	if err := r.HAR(&out, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	return r, out.String()
}

func TestVerifyFindsARedactedValueInEveryForm(t *testing.T) {
	secret := "s3cr3t/Value+With=Symbols&more"
	e := newEntry("https://app.example.com/")
	e.reqHeader("x-api-key", secret)
	r, out := sanitizeOne(t, e)
	if fs, err := r.Verify("session.har", strings.NewReader(out)); err != nil || len(fs) != 0 {
		t.Fatalf("clean output: findings %v, %v", fs, err)
	}
	jsonEsc, _ := json.Marshal(secret)
	for name, planted := range map[string]string{
		"raw":          "x " + secret + " y",
		"url-encoded":  "https://x.example.com/?q=" + url.QueryEscape(secret),
		"json-escaped": `{"a":` + string(jsonEsc) + `}`,
		"base64":       base64.StdEncoding.EncodeToString([]byte("prefix " + secret + " suffix")),
		"base64 off 1": base64.StdEncoding.EncodeToString([]byte("p" + secret)),
		"base64 off 2": base64.StdEncoding.EncodeToString([]byte("pq" + secret)),
		"base64url":    base64.RawURLEncoding.EncodeToString([]byte(secret)),
	} {
		fs, err := r.Verify("console.json", strings.NewReader("line one\n"+planted+"\n"))
		le := &LeakError{Findings: fs}
		if err != nil || len(fs) == 0 {
			t.Errorf("%s: the planted value was not found (err %v)", name, err)
			continue
		}
		if fs[0].File != "console.json" || !strings.HasPrefix(fs[0].Location, "2:") || fs[0].Kind != "token-header" || !strings.HasPrefix(fs[0].Tag, "[REDACTED:token-header:") {
			t.Errorf("%s: finding %+v: want console.json at line 2, kind token-header", name, fs[0])
		}
		if strings.Contains(le.Error(), secret) || strings.Contains(fs[0].Location+fs[0].Tag, secret) {
			t.Errorf("%s: the error or finding shows the value", name)
		}
	}
}

func TestVerifyNamesJSONPointerAndAllowsRules(t *testing.T) {
	e := newEntry("https://app.example.com/")
	e.reqHeader("authorization", "Bearer abcDEF123456ghiJKL789")
	r, _ := sanitizeOne(t, e)
	leaky := `{"messages":[{"text":"ok"},{"text":"retrying with abcDEF123456ghiJKL789"}]}`
	fs, err := r.Verify("console.json", strings.NewReader(leaky))
	if err != nil || len(fs) != 1 || fs[0].Location != "/messages/1/text" {
		t.Fatalf("want one finding at /messages/1/text, got %+v %v", fs, err)
	}
	// a detector finds a key the sanitizer never saw
	fs, err = r.Verify("steps.json", strings.NewReader(`{"steps":[{"type":"change","value":"AKIAIOSFODNN7EXAMPLF"}]}`))
	if err != nil || len(fs) != 1 || fs[0].Kind != "aws-access-key" || fs[0].Location != "/steps/0/value" {
		t.Fatalf("want the AWS key found at /steps/0/value, got %+v", fs)
	}
	p := DefaultPolicy()
	p.Merge(&Policy{Allow: []string{"aws-access-key"}})
	r2 := New(p)
	if fs, err := r2.Verify("steps.json", strings.NewReader(`{"value":"AKIAIOSFODNN7EXAMPLF"}`)); err != nil || len(fs) != 0 {
		t.Fatalf("an allowed rule still fails: %+v %v", fs, err)
	}
}

func TestReporterFieldsKeepPersonalDataButNotSecrets(t *testing.T) {
	r := New(nil)
	if got := r.ReporterField("account_email", "ada@example.com"); got != "ada@example.com" {
		t.Errorf("reporter email changed: %q", got)
	}
	if got := r.ReporterField("notes", "my key is sk-proj-Rk7xQ2mV9pL4sT8wZ1cN5bH3jF6gD0aE_x"); strings.Contains(got, "sk-proj-Rk7") {
		t.Errorf("a secret in a reporter field survived: %q", got)
	}
	if got := r.Text("mail ada@example.com"); strings.Contains(got, "ada@") {
		t.Errorf("the same email elsewhere was kept: %q", got)
	}
	bundle := `{"reporter":{"account_email":"ada@example.com"}}`
	if fs, err := r.Verify("bundle.json", strings.NewReader(bundle)); err != nil || len(fs) > 0 {
		t.Errorf("the reporter's own email fails verification: %+v", fs)
	}
}

func TestScanTextHARAndZip(t *testing.T) {
	dir := t.TempDir()
	text := "first line\nexport GITHUB_TOKEN=ghp_Abcdefghijklmnopqrstuvwxyz0123456789\n"
	fs, err := Scan("env.sh", strings.NewReader(text), nil)
	if err != nil || len(fs) != 1 || fs[0].Location != "2:21" || fs[0].Kind != "github-token" {
		t.Fatalf("text scan: %+v %v", fs, err)
	}
	data, _ := os.ReadFile(filepath.Join("testdata", "leak-corpus.har"))
	fs, err = Scan("leak-corpus.har", bytes.NewReader(data), nil)
	if err != nil || len(fs) < 90 {
		t.Fatalf("HAR scan found %d, want at least 90 (%v)", len(fs), err)
	}
	for _, f := range fs {
		if !strings.HasPrefix(f.Location, "/log/") {
			t.Fatalf("HAR finding without a JSON pointer: %+v", f)
		}
	}
	// a bundle: HAR + text + a PNG (skipped)
	zpath := filepath.Join(dir, "bundle.zip")
	zf, _ := os.Create(zpath)
	zw := zip.NewWriter(zf)
	w, _ := zw.Create("session.har")
	w.Write([]byte(`{"log":{"entries":[{"request":{"url":"https://x.example.com/?access_token=AbC123dEf456GhI789jKl0"}}]}}`))
	w, _ = zw.Create("SUPPORT_REQUEST.md")
	w.Write([]byte("# Support\nkey: AKIAIOSFODNN7EXAMPLF\n"))
	w, _ = zw.Create("screenshots/1.png")
	w.Write([]byte("\x89PNG AKIAIOSFODNN7EXAMPLF"))
	zw.Close()
	zf.Close()
	fs, err = ScanFile(zpath, nil)
	if err != nil || len(fs) != 2 {
		t.Fatalf("zip scan: %+v %v", fs, err)
	}
	if fs[0].File != "bundle.zip!session.har" || fs[0].Location != "/log/entries/0/request/url" || fs[1].File != "bundle.zip!SUPPORT_REQUEST.md" || fs[1].Location != "2:6" {
		t.Errorf("zip findings: %+v", fs)
	}
	// clean file
	if fs, err := Scan("clean.txt", strings.NewReader("nothing to see\nhere\n"), nil); err != nil || len(fs) != 0 {
		t.Errorf("clean text: %+v %v", fs, err)
	}
}

func TestScanZipBombIsRefused(t *testing.T) {
	defer func(m int64) { maxZipMemberBytes = m }(maxZipMemberBytes)
	maxZipMemberBytes = 1 << 20
	zpath := filepath.Join(t.TempDir(), "bomb.zip")
	zf, _ := os.Create(zpath)
	zw := zip.NewWriter(zf)
	w, _ := zw.Create("big.txt")
	w.Write(bytes.Repeat([]byte("A"), 4<<20)) // compresses to a few KB
	zw.Close()
	zf.Close()
	if _, err := ScanFile(zpath, nil); err == nil || !strings.Contains(err.Error(), "not scanned") {
		t.Fatalf("want the oversized member refused, got %v", err)
	}
}

func TestInvalidInputNamesLineAndColumn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.har")
	os.WriteFile(path, []byte("{\n  \"log\": {\n    \"entries\": [\n      {\"request\": {,}}\n"), 0o644)
	f, _ := os.Open(path)
	defer f.Close()
	err := New(nil).HAR(&bytes.Buffer{}, f)
	var ie *InputError
	if !errors.As(err, &ie) || ie.Line != 4 || ie.Column != 20 {
		t.Fatalf("want an InputError at line 4 column 20, got %v", err)
	}
	for _, bad := range []string{"", "   ", `{"log":`, `{"log":{}} trailing`} {
		if err := New(nil).HAR(&bytes.Buffer{}, strings.NewReader(bad)); !errors.As(err, &ie) {
			t.Errorf("%q: want an InputError, got %v", bad, err)
		}
	}
}

func TestPolicyFileAddsAndKeeps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.json")
	os.WriteFile(path, []byte(`{"rules":[{"name":"acme","in":"header","names":["x-acme-ticket"]}],
		"patterns":[{"name":"acme-id","regexp":"ACME-[0-9]{6}"}],"keep":["x-workspace-id"]}`), 0o644)
	p, err := LoadPolicy(path)
	if err != nil {
		t.Fatal(err)
	}
	e := newEntry("https://app.example.com/")
	e.reqHeader("x-acme-ticket", "plain")
	e.reqHeader("x-workspace-id", "ws_8f7a6b5c4d3e2f1a0b9c8d7e")
	e.body("text/plain", "order ACME-123456 shipped")
	har := map[string]any{"log": map[string]any{"entries": []any{e.m}}}
	data, _ := json.Marshal(har)
	var out bytes.Buffer
	if err := New(p).HAR(&out, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "[REDACTED:acme:") || !strings.Contains(s, "[REDACTED:acme-id:") || !strings.Contains(s, "ws_8f7a6b5c4d3e2f1a0b9c8d7e") {
		t.Errorf("policy not applied: %s", s)
	}
	if !bytes.Contains(p.JSON(), []byte(`"x-workspace-id"`)) {
		t.Errorf("JSON() misses the merged keep list")
	}
	os.WriteFile(path, []byte(`{"rules":[{"name":"x","in":"body"}]}`), 0o644)
	if _, err := LoadPolicy(path); err == nil || !strings.Contains(err.Error(), `"in" must be`) {
		t.Errorf("a bad policy file: %v", err)
	}
}

func TestVerifyOfATextReportIgnoresServerIPs(t *testing.T) {
	r := New(nil)
	r.Text("nothing")
	report := "<html><td>93.184.216.34</td><td>[REDACTED:email:1a2b3c4d]@example.com</td></html>\n"
	if fs, err := r.Verify("report.html", strings.NewReader(report)); err != nil || len(fs) > 0 {
		t.Errorf("a server IP in a text report fails verification: %+v", fs)
	}
	if fs, _ := Scan("access.log", strings.NewReader("client 203.0.113.9 GET /\n"), nil); len(fs) != 1 || fs[0].Kind != "ip" {
		t.Errorf("scan of a log should report the client IP: %+v", fs)
	}
}

func TestPrintedPolicyLoadsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(path, DefaultPolicy().JSON(), 0o644)
	p, err := LoadPolicy(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.JSON(), DefaultPolicy().JSON()) {
		t.Error("loading the printed default policy changes it")
	}
}

func TestErrorCodesStayInJSONAndInText(t *testing.T) {
	r := New(nil)
	body := `{"error":{"code":"invalid_grant","message":"expired"}}`
	if got := r.Text(body); got != body {
		t.Errorf("an error code in JSON text changed: %s", got)
	}
	if got := r.Text(`{"code":"4/0AX4XfWh9kLm2Pq"}`); strings.Contains(got, "4/0AX4") {
		t.Errorf("an OAuth code survived: %s", got)
	}
}

func TestBase64ImagesAreNotSecrets(t *testing.T) {
	// random bytes: their base64 holds "key", "sig", "auth", … by chance
	g := rand.New(rand.NewPCG(7, 7))
	img := make([]byte, 600000)
	for i := range img {
		img[i] = byte(g.IntN(256))
	}
	html := `<img src="data:image/png;base64,` + base64.StdEncoding.EncodeToString(img) + `">` + "\n"
	if fs, err := Scan("report.html", strings.NewReader(html), nil); err != nil || len(fs) > 0 {
		t.Errorf("an embedded image gives findings: %+v", fs)
	}
}

func TestVerifyFindsTheBasicPasswordElsewhere(t *testing.T) {
	e := newEntry("https://app.example.com/")
	// (a password made of words, "Correct-Horse-42", is no search needle:
	// words are everywhere; see needleShaped)
	e.reqHeader("authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("ada:Tr0ub4dor-3x9")))
	r, out := sanitizeOne(t, e)
	if strings.Contains(out, "Tr0ub4dor-3x9") {
		t.Fatal("the password survived")
	}
	fs, _ := r.Verify("steps.json", strings.NewReader(`{"typed":"Tr0ub4dor-3x9"}`))
	if len(fs) != 1 || fs[0].Kind != "authorization" {
		t.Errorf("the Basic password elsewhere is not found: %+v", fs)
	}
}
