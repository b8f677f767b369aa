package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/reprokit/reprokit/host/jsonlimit"
	"github.com/reprokit/reprokit/host/sanitize"
)

func init() {
	register(&command{name: "sanitize", summary: "remove secrets and personal data from a HAR (fail closed)", run: runSanitize})
}

// ruleList is a repeatable string flag.
type ruleList []string

func (s *ruleList) String() string     { return strings.Join(*s, ",") }
func (s *ruleList) Set(v string) error { *s = append(*s, v); return nil }

// loadPolicy returns the default policy merged with the --policy file and
// the --allow rules.
func loadPolicy(path string, allow []string) (*sanitize.Policy, error) {
	p := sanitize.DefaultPolicy()
	if path != "" {
		var err error
		if p, err = sanitize.LoadPolicy(path); err != nil {
			return nil, usageErr("%v", err)
		}
	}
	if len(allow) > 0 {
		if err := p.Merge(&sanitize.Policy{Allow: allow}); err != nil {
			return nil, usageErr("%v", err)
		}
	}
	return p, nil
}

func runSanitize(args []string) error {
	fs := newFlags("sanitize", "IN.har -o OUT.har [--report FILE.json] [--policy FILE] [--allow RULE]… [--seal-to KEY]…", `
Sanitize writes a copy of a HAR with every secret and personal value replaced
by a tag [REDACTED:<kind>:<h8>] (docs/SANITIZE.md), then rescans the copy and
refuses to write it if anything still matches (fail closed). Names, harmless
values and unknown fields are kept. Memory stays bounded by the largest entry.
--print-policy prints the effective policy (the default merged with --policy).
With --seal-to (or --seal-to-file) the output is sealed to those public
keys with age and named OUT.har.age: only their identities open it.`)
	out := fs.String("o", "", "write the sanitized HAR to `FILE` (required)")
	report := fs.String("report", "", "also write the redaction report (counts per rule and kind, locations; no values) to `FILE`")
	policyPath := fs.String("policy", "", "merge the policy `FILE` (JSON) into the default policy")
	printPolicy := fs.Bool("print-policy", false, "print the effective policy as JSON and exit")
	var allow ruleList
	fs.Var(&allow, "allow", "accept verification findings of `RULE` on purpose (repeatable)")
	sealing := addSealFlags(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	pol, err := loadPolicy(*policyPath, allow)
	if err != nil {
		return err
	}
	if *printPolicy {
		_, err := os.Stdout.Write(pol.JSON())
		return err
	}
	if len(pos) != 1 || *out == "" {
		fs.Usage()
		return usageErr("need one input HAR and -o OUT.har")
	}
	rs, err := sealing.recipients()
	if err != nil {
		return err
	}
	if len(rs) > 0 {
		*out = sealedName(*out)
	}
	in := pos[0]
	src, err := os.Open(in)
	if err != nil {
		return usageErr("cannot read the input: %v", err)
	}
	defer src.Close()
	st, _ := src.Stat()
	var magic [4]byte
	if n, _ := io.ReadFull(src, magic[:]); n == 4 && string(magic[:]) == "PK\x03\x04" {
		return usageErr("%s is a zip (a Reprokit bundle?), not a HAR: a bundle is sanitized already; check it with `reprokit scan %s`, or sanitize the session.har inside it", in, in)
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return usageErr("cannot read the input: %v", err)
	}

	r := sanitize.New(pol)
	// the plaintext goes next to the output, or, when it is sealed, into a
	// private directory: only the sealed file reaches the output folder
	tmpDir := filepath.Dir(*out)
	if len(rs) > 0 {
		if tmpDir, err = os.MkdirTemp("", "reprokit-sanitize-"); err != nil {
			return fmt.Errorf("make a private directory: %w (set TMPDIR to a writable folder)", err)
		}
		defer os.RemoveAll(tmpDir)
	}
	tmp, err := os.CreateTemp(tmpDir, "."+filepath.Base(*out)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot create the output next to %s: %w", *out, err)
	}
	tmpName := tmp.Name()
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()

	cr := &sanitizeCounter{r: src}
	stop := sanitizeProgress("sanitize", cr, st)
	err = r.StrictHAR(tmp, struct {
		io.Reader
		io.Seeker
	}{cr, src})
	stop()
	if err != nil {
		var ie *sanitize.InputError
		if errors.As(err, &ie) {
			return usageErr("%s: %v; nothing was written", in, ie)
		}
		if jsonlimit.IsLimit(err) {
			return usageErr("%s: %v; nothing was written", in, err)
		}
		return fmt.Errorf("%s: %w; nothing was written", in, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", tmpName, err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "reprokit sanitize: verifying the output (fail closed)…\n")
	vr := &sanitizeCounter{r: tmp}
	outSt, _ := tmp.Stat()
	stop = sanitizeProgress("sanitize: verify", vr, outSt)
	findings, err := r.Verify(filepath.Base(*out), struct {
		io.Reader
		io.Seeker
	}{vr, tmp})
	stop()
	if err != nil {
		return fmt.Errorf("verify the output: %w; nothing was written", err)
	}
	if len(findings) > 0 {
		return negative("%v", &sanitize.LeakError{Findings: findings})
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", tmpName, err)
	}
	rep := r.Report()
	if *report != "" {
		data, _ := json.MarshalIndent(rep, "", "  ")
		if err := writeSanitizeReport(*report, append(data, '\n')); err != nil {
			return fmt.Errorf("write the report: %w", err)
		}
	}
	if len(rs) > 0 {
		if err := sealInto(tmpName, *out, rs); err != nil {
			return err
		}
	} else if err := os.Rename(tmpName, *out); err != nil {
		return fmt.Errorf("cannot move the output into place: %w", err)
	}
	keep = len(rs) == 0
	fmt.Fprintf(os.Stderr, "reprokit sanitize: %d values redacted; verified clean\n", rep.Total)
	printPath(*out)
	return nil
}

// writeSanitizeReport writes data to a temporary file next to path and renames
// it into place, so a reader never sees half a file.
func writeSanitizeReport(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

// sanitizeCounter counts the bytes read, for progress.
type sanitizeCounter struct {
	r io.Reader
	n atomic.Int64
}

func (c *sanitizeCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progress prints bytes read and throughput on stderr every second until
// the returned stop is called.
func sanitizeProgress(what string, cr *sanitizeCounter, st os.FileInfo) (stop func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	start := time.Now()
	var size int64
	if st != nil {
		size = st.Size()
	}
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				n := cr.n.Load()
				el := time.Since(start).Seconds()
				if size > 0 {
					fmt.Fprintf(os.Stderr, "reprokit %s: %.1f of %.1f MB (%.0f%%), %.1f MB/s\n", what, float64(n)/1e6, float64(size)/1e6, 100*float64(n)/float64(size), float64(n)/1e6/el)
				} else {
					fmt.Fprintf(os.Stderr, "reprokit %s: %.1f MB, %.1f MB/s\n", what, float64(n)/1e6, float64(n)/1e6/el)
				}
			}
		}
	}()
	return func() { close(done); <-stopped }
}
