package install

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Status is the outcome of one doctor check.
type Status string

// Check outcomes. Only StatusFail makes the doctor fail.
const (
	StatusPass Status = "pass"
	StatusFail Status = "fail"
	StatusWarn Status = "warn"
	StatusSkip Status = "skip"
)

// Check is one line of the doctor's report: what was checked, the outcome,
// what was found, and on failure the fix.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// Report is the doctor's result.
type Report struct {
	OK     bool    `json:"ok"`
	Checks []Check `json:"checks"`
}

// WriteText prints the report one check per line, with the fix under a
// failed check.
func (r *Report) WriteText(w io.Writer) {
	for _, c := range r.Checks {
		fmt.Fprintf(w, "%-4s  %s: %s\n", strings.ToUpper(string(c.Status)), c.Name, c.Detail)
		if c.Fix != "" && c.Status != StatusPass {
			fmt.Fprintf(w, "      fix: %s\n", c.Fix)
		}
	}
	if r.OK {
		fmt.Fprintln(w, "all checks passed")
	} else {
		fmt.Fprintln(w, "some checks failed: apply the fixes above, then run `reprokit doctor` again")
	}
}

// DoctorOptions says what [Doctor] checks.
type DoctorOptions struct {
	// ExtensionIDs the manifests must allow; empty means [DefaultExtensionID].
	ExtensionIDs []string
	// Binary is the host binary to check when no manifest names one; empty
	// means this executable.
	Binary string
	// UserDataDir also checks that profile's NativeMessagingHosts folder.
	UserDataDir string
	// SelfTest starts the host and exchanges a framed ping with it.
	SelfTest bool
	// Timeout bounds the self-test (default 10 s).
	Timeout time.Duration
}

// Doctor checks an installation: the binary, each browser's manifest, the
// policies that could block the host or extension, that a browser is
// found, and (opts.SelfTest) that the host answers a framed ping.
func Doctor(ctx context.Context, e *Env, opts DoctorOptions) *Report {
	r := &Report{}
	add := func(c Check) { r.Checks = append(r.Checks, c) }
	ids := opts.ExtensionIDs
	if len(ids) == 0 && DefaultExtensionID != "" {
		ids = []string{DefaultExtensionID}
	}

	// Browsers.
	browsers := e.DetectedBrowsers()
	if len(browsers) == 0 && opts.UserDataDir == "" {
		add(Check{Name: "browser", Status: StatusFail, Detail: "no Chromium-family browser found",
			Fix: installBrowserFix(e.GOOS)})
	} else {
		var names []string
		for _, b := range browsers {
			names = append(names, string(b))
		}
		add(Check{Name: "browser", Status: StatusPass, Detail: "found " + strings.Join(names, ", ")})
	}

	// Manifests: every location that has one, and every detected browser
	// that has none anywhere.
	type found struct {
		loc  Location
		path string
	}
	var manifests []found
	registered := map[Browser]bool{}
	userOnly := true
	var locs []Location
	for _, s := range []Scope{ScopeUser, ScopeSystem} {
		locs = append(locs, e.Locations(s)...)
	}
	if opts.UserDataDir != "" {
		if l, err := e.ProfileLocation(opts.UserDataDir); err == nil {
			locs = append(locs, l)
		}
	}
	seen := map[string]bool{}
	for _, l := range locs {
		id := l.ManifestPath(e) + "|" + l.RegistryKey
		if seen[id] {
			continue
		}
		seen[id] = true
		name := fmt.Sprintf("manifest %s/%s (%s)", l.Browser, l.Channel, l.Scope)
		path := l.ManifestPath(e)
		if l.RegistryKey != "" {
			if e.Registry == nil {
				continue
			}
			v, ok, _ := e.Registry.Get(l.RegistryKey, "")
			if !ok {
				continue
			}
			if v != path {
				path = v // someone registered another manifest file
			}
		} else if _, err := os.Lstat(path); err != nil {
			continue
		}
		manifests = append(manifests, found{l, path})
		c := checkManifest(e, path, ids)
		c.Name = name
		if l.RegistryKey != "" {
			c.Detail = l.RegistryKey + " → " + c.Detail
		}
		add(c)
		if c.Status == StatusPass {
			registered[l.Browser] = true
			if l.Scope == ScopeSystem {
				userOnly = false
			}
		}
	}
	for _, b := range browsers {
		if !registered[b] {
			st := StatusFail
			if registered[Profile] {
				st = StatusWarn // checking one profile: the shared folders are optional
			}
			add(Check{Name: "registered " + string(b), Status: st,
				Detail: fmt.Sprintf("%s is installed but no working Reprokit host manifest is registered for it", b),
				Fix:    fmt.Sprintf("run `reprokit install --browsers %s` (or scripts/install.sh)", b)})
		}
	}

	// Binary: the one the manifests point to, or this executable.
	bin := opts.Binary
	for _, m := range manifests {
		if mf, err := ReadManifest(m.path); err == nil && filepath.IsAbs(mf.Path) && bin == "" {
			bin = mf.Path
		}
	}
	if bin == "" {
		bin, _ = os.Executable()
	}
	if problem, fix := checkBinary(e, bin); problem != "" {
		add(Check{Name: "binary", Status: StatusFail, Detail: problem, Fix: fix})
	} else {
		add(Check{Name: "binary", Status: StatusPass, Detail: bin})
	}

	// Policies.
	srcs, errs := ReadPolicies(e)
	for _, err := range errs {
		if errors.Is(err, errNoRegistry) {
			continue
		}
		add(Check{Name: "policy", Status: StatusWarn, Detail: err.Error(), Fix: "fix or remove the policy file; the browser ignores a file it cannot parse"})
	}
	for _, s := range srcs {
		probs := CheckPolicy(s, ids, userOnly)
		if len(probs) == 0 {
			add(Check{Name: "policy " + string(s.Browser), Status: StatusPass, Detail: "nothing blocks the host or the extension (" + strings.Join(s.Where, ", ") + ")"})
		}
		for _, p := range probs {
			add(Check{Name: "policy " + string(s.Browser) + " " + p.Policy, Status: StatusFail, Detail: p.Detail + " (" + strings.Join(s.Where, ", ") + ")", Fix: p.Fix})
		}
	}
	if len(srcs) == 0 && len(errs) == 0 {
		add(Check{Name: "policy", Status: StatusPass, Detail: "no managed browser policy on this machine"})
	}

	// Self-test.
	if opts.SelfTest {
		origin := ""
		if len(ids) > 0 {
			origin = Origin(ids[0])
		}
		to := opts.Timeout
		if to == 0 {
			to = 10 * time.Second
		}
		reply, err := SelfTest(ctx, bin, origin, to)
		if err != nil {
			add(Check{Name: "self-test", Status: StatusFail, Detail: err.Error(),
				Fix: "run the host by hand: `" + bin + " " + origin + "` and read its stderr; reinstall with scripts/install.sh if it does not start"})
		} else {
			add(Check{Name: "self-test", Status: StatusPass, Detail: "the host answered a framed ping: " + reply})
		}
	}

	r.OK = true
	for _, c := range r.Checks {
		if c.Status == StatusFail {
			r.OK = false
		}
	}
	return r
}

func installBrowserFix(goos string) string {
	switch goos {
	case "darwin":
		return "install Google Chrome, Edge, Brave, Vivaldi, Opera, Arc or Chromium into /Applications"
	case "windows":
		return "install Google Chrome or Microsoft Edge"
	}
	return "install Chromium (`sudo apt-get install chromium`) or Google Chrome, then run `reprokit install`"
}

// checkBinary reports what is wrong with the host binary at path, and the fix.
func checkBinary(e *Env, path string) (problem, fix string) {
	if !isAbs(e, path) {
		return fmt.Sprintf("host path %q is relative: Chrome on Linux and macOS needs an absolute path", path),
			"run `reprokit install`, which writes the absolute path"
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Sprintf("host binary %s is missing (%v)", path, err),
			"reinstall the binary with scripts/install.sh, or run `reprokit install --binary PATH` to point the manifests at it"
	}
	if fi.IsDir() {
		return fmt.Sprintf("host path %s is a folder, not the reprokit binary", path), "run `reprokit install --binary PATH/TO/reprokit`"
	}
	if e.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0 {
		return fmt.Sprintf("host binary %s is not executable (mode %v)", path, fi.Mode().Perm()),
			fmt.Sprintf("chmod 755 %s", path)
	}
	return "", ""
}

func isAbs(e *Env, p string) bool {
	if e.GOOS == "windows" {
		return len(p) > 2 && p[1] == ':' || strings.HasPrefix(p, `\\`) || filepath.IsAbs(p)
	}
	return strings.HasPrefix(p, "/")
}

// checkManifest checks one manifest file: it parses, names the host, is of
// type stdio, has an absolute path to an executable file, and allows every
// extension in ids with the exact origin (trailing slash included).
func checkManifest(e *Env, path string, ids []string) Check {
	c := Check{Status: StatusFail, Detail: path}
	reinstall := "run `reprokit install`, which rewrites the manifest"
	data, err := os.ReadFile(path)
	if err != nil {
		c.Detail, c.Fix = fmt.Sprintf("%s cannot be read: %v", path, err), reinstall
		return c
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		c.Detail, c.Fix = fmt.Sprintf("%s is not valid JSON (%v), so the browser ignores it", path, err), reinstall
		return c
	}
	switch {
	case m.Name != HostName:
		c.Detail, c.Fix = fmt.Sprintf("%s names host %q, not %q", path, m.Name, HostName), reinstall
		return c
	case m.Type != "stdio":
		c.Detail, c.Fix = fmt.Sprintf("%s has type %q; Chrome needs \"stdio\"", path, m.Type), reinstall
		return c
	}
	if m.Path == "" {
		c.Detail, c.Fix = fmt.Sprintf("%s has no path", path), reinstall
		return c
	}
	binPath := m.Path
	if e.GOOS == "windows" && !isAbs(e, binPath) {
		binPath = filepath.Join(filepath.Dir(path), binPath) // Windows allows relative to the manifest
	}
	if problem, fix := checkBinary(e, binPath); problem != "" {
		c.Detail, c.Fix = path+": "+problem, fix
		return c
	}
	for _, id := range ids {
		want := Origin(id)
		if slices.Contains(m.AllowedOrigins, want) {
			continue
		}
		if slices.Contains(m.AllowedOrigins, strings.TrimSuffix(want, "/")) {
			c.Detail = fmt.Sprintf("%s: allowed_origins has %q without the trailing slash; Chrome then reports the misleading \"Specified native messaging host not found\"", path, strings.TrimSuffix(want, "/"))
			c.Fix = fmt.Sprintf("write %q (with the slash): run `reprokit install`", want)
			return c
		}
		c.Detail = fmt.Sprintf("%s: allowed_origins %q does not allow the extension %s; Chrome reports \"Access to the specified native messaging host is forbidden\"", path, m.AllowedOrigins, id)
		c.Fix = fmt.Sprintf("run `reprokit install --extension-id %s`", id)
		return c
	}
	if fi, err := os.Stat(path); err == nil && e.GOOS != "windows" && fi.Mode().Perm()&0o004 == 0 {
		c.Status = StatusWarn
		c.Detail = fmt.Sprintf("%s is not readable by every user (mode %v)", path, fi.Mode().Perm())
		c.Fix = "chmod 644 " + path
		return c
	}
	c.Status = StatusPass
	c.Detail = fmt.Sprintf("%s → %s", path, m.Path)
	return c
}

// SelfTestRequest is the message the self-test sends: a ping before hello,
// which docs/PROTOCOL.md lets any caller send.
var SelfTestRequest = []byte(`{"id":1,"type":"ping"}`)

// SelfTest starts the host binary as Chrome does (the extension's origin as
// argument, stdin/stdout pipes), sends [SelfTestRequest] as one native
// frame (32-bit native-endian length + JSON), and waits for a framed reply
// with status "ok". It returns the reply's JSON. Closing stdin then ends
// the host; it is killed if it does not end within the timeout.
func SelfTest(ctx context.Context, hostBin, origin string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := []string{}
	if origin != "" {
		args = append(args, origin)
	}
	cmd := exec.CommandContext(ctx, hostBin, args...)
	cmd.WaitDelay = time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("cannot start the host %s: %v", hostBin, err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	frame := make([]byte, 4+len(SelfTestRequest))
	binary.NativeEndian.PutUint32(frame, uint32(len(SelfTestRequest)))
	copy(frame[4:], SelfTestRequest)
	if _, err := stdin.Write(frame); err != nil {
		return "", fmt.Errorf("the host closed its input at once (%v); stderr: %s", err, lastLine(stderr.String()))
	}
	type result struct {
		body []byte
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		var hdr [4]byte
		if _, err := io.ReadFull(stdout, hdr[:]); err != nil {
			ch <- result{nil, err}
			return
		}
		n := binary.NativeEndian.Uint32(hdr[:])
		if n > 1<<20 {
			ch <- result{nil, fmt.Errorf("reply frame announces %d bytes: the host printed something that is not native messaging on stdout", n)}
			return
		}
		body := make([]byte, n)
		_, err := io.ReadFull(stdout, body)
		ch <- result{body, err}
	}()
	var res result
	select {
	case res = <-ch:
	case <-ctx.Done():
		return "", fmt.Errorf("no reply within %v; stderr: %s", timeout, lastLine(stderr.String()))
	}
	if res.err != nil {
		return "", fmt.Errorf("no framed reply (%v); stderr: %s", res.err, lastLine(stderr.String()))
	}
	var env struct {
		Status string          `json:"status"`
		Code   int             `json:"code"`
		Params json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(res.body, &env); err != nil {
		return "", fmt.Errorf("the reply is not JSON (%v): %.200q", err, res.body)
	}
	if env.Status != "ok" {
		return "", fmt.Errorf("the host answered with error %d: %s", env.Code, env.Params)
	}
	return string(res.body), nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "(empty)"
	}
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
