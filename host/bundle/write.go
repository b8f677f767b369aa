package bundle

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"

	"github.com/reprokit/reprokit/host/report"
	"github.com/reprokit/reprokit/host/sanitize"
	"github.com/reprokit/reprokit/host/seal"
	"github.com/reprokit/reprokit/host/spool"
	"github.com/reprokit/reprokit/host/version"
)

// NoBudget as [Options.Budget] turns the size budget off.
const NoBudget int64 = -1

// Options are the choices of one [Write] or [Preview].
type Options struct {
	// Budget is the size budget in bytes: 0 takes the spool's choice
	// (recording.json options.budget, where 0 means none) or else
	// [DefaultBudget]; [NoBudget] (any negative value) means no limit.
	Budget int64
	// Policy is the sanitizer policy; nil takes the spool's policy file
	// (options.policy) or else [sanitize.DefaultPolicy].
	Policy *sanitize.Policy
	// Allow lists the kinds of verifier findings the user accepts in the
	// output (`--allow`); the spool's options.allow are added.
	Allow []string
	// Exclude lists domains whose requests are left out (a domain also
	// excludes its subdomains).
	Exclude []string
	// DropScreenshots lists screenshot files to leave out, by name
	// ("0003.png" or "screenshots/0003.png").
	DropScreenshots []string
	// DropDOMReplay leaves the DOM session replay (dom.json) out of the
	// bundle and its report: the reporter's choice in the review.
	DropDOMReplay bool
	// Blackout lists regions of screenshots the reporter blacked out in
	// the review: painted black before the bundle is written, and listed
	// in the screenshot's masked boxes with kind "reporter".
	Blackout []Blackout
	// Progress receives one line per stage (stderr in the CLI); nil is quiet.
	Progress io.Writer
	// Recovered marks a bundle made from a spool that a dead process left.
	Recovered bool
	// SealTo seals the bundle to these public keys (host/seal): the zip is
	// encrypted as it is written, so no plaintext bundle exists outside
	// the spool, and the file is named ….zip.age. Empty takes the spool's
	// options.sealTo.
	SealTo []seal.Recipient
}

// Result describes a bundle written by [Write].
type Result struct {
	// Path is the absolute path of the bundle; Size its size in bytes.
	Path     string
	Size     int64
	Manifest *Manifest
	Elapsed  time.Duration
	// SealedTo names the recipients of a sealed bundle by fingerprint
	// (for the audit log); empty when the bundle is not sealed.
	SealedTo []string
	// SupportRequest is SUPPORT_REQUEST.md as packed (sanitized): the
	// text the reporter pastes into the ticket, readable though the
	// bundle may be sealed.
	SupportRequest string
	// Report is the sealed bundle's report.html (sanitized, as packed),
	// so that the reporter can see what they sent although the bundle
	// opens only with the support team's key; nil when not sealed.
	Report []byte
}

// LeakError is returned when the verifier still finds a secret in a
// sanitized output file: no bundle is written (fail closed).
type LeakError struct {
	Findings []sanitize.Finding
}

// Error names each finding's file, location and kind (never the value) and
// says what to do.
func (e *LeakError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the sanitized bundle still contains %d detected secret(s), so no bundle was written:", len(e.Findings))
	kinds := map[string]bool{}
	for i, f := range e.Findings {
		if i < 5 {
			fmt.Fprintf(&b, "\n  %s %s: %s", f.File, f.Location, f.Kind)
		}
		kinds[f.Kind] = true
	}
	if len(e.Findings) > 5 {
		fmt.Fprintf(&b, "\n  … and %d more", len(e.Findings)-5)
	}
	var ks []string
	for k := range kinds {
		ks = append(ks, k)
	}
	b.WriteString("\nadd a rule to the sanitizer policy for these values, or, if they are safe to share, allow them with --allow " + strings.Join(ks, ","))
	return b.String()
}

type shotFile struct {
	name   string // path inside the bundle: screenshots/0001.png
	meta   object // the sanitized index entry, fields kept
	info   Screenshot
	data   []byte
	format string // "png" or "jpeg"
	width  int
	height int
	shrunk int // 0 as recorded, 1 recompressed, 2 downscaled
}

// pack is one bundle being made.
type pack struct {
	dir         *spool.Dir
	meta        *spool.Meta
	opts        Options
	budgetMax   int64 // 0: none
	sealTo      []seal.Recipient
	lastReport  []byte // report.html as last packed (Result.Report of a sealed bundle)
	lastSupport []byte // SUPPORT_REQUEST.md as last packed
	allow       map[string]bool
	r           *sanitize.Redactor
	progress    io.Writer

	doc         *harDoc
	infos       []entryInfo
	console     []ConsoleMessage
	consoleJSON []byte
	steps       []Step
	stepsJSON   []byte
	envJSON     []byte
	// domJSON is dom.json, sanitized (the DOM session replay): nil when the
	// recording has none or the budget dropped it; the reporter's choice
	// to leave it out is Options.DropDOMReplay (see domReplay). domEvents
	// counts its events, domOut those left out with excluded domains;
	// domThinned says the budget thinned it already.
	domJSON     []byte
	domEvents   int
	domOut      int
	domThinned  bool
	shots, cast []shotFile
	dropped     []string // screenshots the reporter deleted
	// shotsOut and framesOut are the screenshots and screencast frames
	// taken on pages of excluded domains, left out; stepsOut counts the
	// steps on those pages, kept without their typed values.
	shotsOut  []string
	framesOut int
	stepsOut  int
	excluded  int
	// excludedConsole counts the console messages left out with their
	// domains.
	excludedConsole int
	domains         []DomainCount // every domain, before exclusion

	findings    []Finding
	requestIDs  []RequestID
	protected   map[int]bool
	budget      budgetState
	estimated   int64
	overBudget  bool  // the last complete bundle was over the budget with nothing left to trim
	lastSize    int64 // size of the last complete bundle
	members     memberCache
	harVerified [32]byte // SHA-256 of the last session.har the verifier passed
	// work is the pack's private directory inside the spool (0700): the
	// sanitized HAR and the compressed zip members are files there, so
	// that a large recording is not held in memory. close removes it.
	work    string
	notes   []string
	id      string
	created time.Time
}

func (p *pack) logf(format string, a ...any) {
	if p.progress != nil {
		fmt.Fprintf(p.progress, "bundle: "+format+"\n", a...)
	}
}

// Write makes a bundle from a finalized spool (see DESIGN.md): it sanitizes
// every file through one Redactor, verifies every output (fail closed with a
// [*LeakError] unless opts.Allow names the finding's kind), computes request
// IDs and findings, applies the size budget, writes bundle.json,
// SUPPORT_REQUEST.md and report.html, and writes the zip to a temporary name
// in the output directory, renamed when complete. out is a file path, a
// directory (existing, or ending in a separator) or empty (the spool's
// options.out, else the current directory). On success the spool's status
// becomes "bundled"; removing the spool is the caller's job. On error
// nothing is written and the spool is left as it was.
func Write(ctx context.Context, dir *spool.Dir, out string, opts Options) (*Result, error) {
	start := time.Now()
	p, err := newPack(ctx, dir, opts)
	if err != nil {
		return nil, err
	}
	defer p.close()
	if out == "" {
		out = p.meta.Options.Out
	}
	dest, err := bundlePath(out, p.created, p.id)
	if err != nil {
		return nil, err
	}
	if len(p.sealTo) > 0 && !strings.HasSuffix(dest, seal.Ext) {
		dest += seal.Ext
	}
	size, m, err := p.writeWithBudget(ctx, dest)
	if err != nil {
		return nil, err
	}
	if err := dir.SetStatus(spool.StatusBundled, ""); err != nil {
		p.logf("warning: %v", err)
	}
	abs, _ := filepath.Abs(dest)
	budget := "no size budget"
	if p.budgetMax > 0 {
		budget = fmt.Sprintf("%d size-budget reduction%s", len(m.Budget.Actions), plural(len(m.Budget.Actions)))
		if m.Budget.OverBudget {
			budget += ", STILL OVER the " + HumanSize(p.budgetMax) + " budget"
		}
	}
	p.logf("wrote %s (%s, %d requests, %d findings, %d request IDs, %s) in %s", abs, HumanSize(size), len(p.infos), len(p.findings), len(m.RequestIDs), budget, time.Since(start).Round(time.Millisecond))
	res := &Result{Path: abs, Size: size, Manifest: m, Elapsed: time.Since(start)}
	for _, r := range p.sealTo {
		res.SealedTo = append(res.SealedTo, r.Fingerprint())
	}
	res.SupportRequest = string(p.lastSupport)
	if len(p.sealTo) > 0 {
		res.Report = p.lastReport
	}
	return res, nil
}

// newPack reads, sanitizes and analyzes a spool.
func newPack(ctx context.Context, dir *spool.Dir, opts Options) (*pack, error) {
	meta, err := dir.Meta()
	if err != nil {
		return nil, fmt.Errorf("make a bundle: %w", err)
	}
	p := &pack{dir: dir, meta: meta, opts: opts, progress: opts.Progress, allow: map[string]bool{},
		budget: budgetState{done: map[[2]int]bool{}}, id: uuid.NewString(), created: time.Now()}
	switch {
	case opts.Budget < 0:
		p.budgetMax = 0
	case opts.Budget > 0:
		p.budgetMax = opts.Budget
	case meta.Options.Budget != nil:
		p.budgetMax = max(*meta.Options.Budget, 0)
	default:
		p.budgetMax = DefaultBudget
	}
	for _, a := range append(append([]string{}, opts.Allow...), meta.Options.Allow...) {
		p.allow[sanitize.NormalizeName(a)] = true
	}
	policy := opts.Policy
	if policy == nil && meta.Options.Policy != "" {
		policy, err = sanitize.LoadPolicy(meta.Options.Policy)
		if err != nil {
			return nil, fmt.Errorf("make a bundle: the recording's policy: %w", err)
		}
	}
	if policy == nil {
		policy = sanitize.DefaultPolicy()
	}
	if len(p.allow) > 0 {
		// Verify leaves out what the policy allows; the filter in findings
		// stays for kinds named differently.
		allow := append(append([]string{}, opts.Allow...), meta.Options.Allow...)
		if err := policy.Merge(&sanitize.Policy{Allow: allow}); err != nil {
			return nil, fmt.Errorf("make a bundle: --allow: %w", err)
		}
	}
	p.sealTo = opts.SealTo
	if len(p.sealTo) == 0 && len(meta.Options.SealTo) > 0 {
		if p.sealTo, err = seal.Recipients(meta.Options.SealTo, nil); err != nil {
			return nil, fmt.Errorf("make a bundle: the recording's seal recipients: %w", err)
		}
	}
	if meta.Options.RequireSeal && len(p.sealTo) == 0 {
		return nil, errors.New("make a bundle: this recording must be sealed (requireSeal in the managed configuration) but names no recipient: set sealTo, or give --seal-to")
	}
	if len(p.sealTo) > 0 && p.budgetMax > 0 {
		// the budget is the sealed file's size
		p.budgetMax -= seal.Overhead(p.budgetMax, len(p.sealTo))
	}
	p.r = sanitize.New(policy)
	if err := p.prepare(ctx); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// prepare reads, sanitizes and analyzes the spool (see [newPack]).
func (p *pack) prepare(ctx context.Context) error {
	// The HAR is held in files, not in memory: the spool's session.har,
	// then the sanitized copy and the zip members in a private directory
	// inside the spool, removed by close.
	work, err := os.MkdirTemp(p.dir.Path(), ".bundle-")
	if err != nil {
		return fmt.Errorf("make a bundle: create a working directory in the recording %s: %w (is the disk full?)", p.dir.Path(), err)
	}
	p.work = work
	if err := p.load(ctx); err != nil {
		return err
	}
	// Budget first, on the raw HAR: what findings point to, failed requests
	// and documents are protected already.
	p.analyze()
	p.estimated = p.estimate()
	if p.budgetMax > 0 && p.estimated > p.budgetMax-budgetMargin {
		if _, err := p.trim(p.estimated-(p.budgetMax-budgetMargin), false); err != nil {
			return err
		}
		p.logf("size budget %s: %d reductions so far, before sanitizing (estimated %s)", HumanSize(p.budgetMax), len(p.budget.actions), HumanSize(p.estimated))
	}
	if err := p.sanitizeHAR(ctx); err != nil {
		return err
	}
	rawProtected := p.protected
	p.analyze()
	for i := range rawProtected {
		p.protected[i] = true
	}
	if p.budgetMax > 0 {
		if est := p.estimate(); est > p.budgetMax-budgetMargin {
			if _, err := p.trim(est-(p.budgetMax-budgetMargin), true); err != nil {
				return err
			}
		}
	}
	p.logf("%d requests (%d failed), %d findings, %d request IDs", len(p.infos), countFailed(p.infos), len(p.findings), len(p.requestIDs))
	// The actions name sanitized URLs.
	for k := range p.budget.actions {
		if a := &p.budget.actions[k]; a.Entry >= 0 && a.Entry < len(p.infos) {
			a.URL = shortURL(p.infos[a.Entry].e.Request.URL, 300)
		}
	}
	return nil
}

// errRewrite asks for the bundle to be written again (its HAR was scrubbed).
var errRewrite = errors.New("write the bundle again")

// analyzeKeepProtected recomputes findings and request IDs on a changed
// HAR, keeping what was protected.
func (p *pack) analyzeKeepProtected() {
	old := p.protected
	p.analyze()
	for i := range old {
		p.protected[i] = true
	}
}

// budgetMargin is left under the budget for bundle.json, the zip directory
// and estimation error.
const budgetMargin = 64 << 10

// sanitizeHAR runs the (trimmed) raw HAR through the sanitizer and replaces
// it with the result. Neither is held in memory: the raw HAR streams from
// its file into the sanitizer, whose output is written to a private file as
// it is parsed (on the other core), and the document then reads its
// entries from there.
func (p *pack) sanitizeHAR(ctx context.Context) error {
	p.logf("sanitizing session.har (%s)", HumanSize(p.doc.size()))
	out, err := p.createTemp("session-*.har")
	if err != nil {
		return err
	}
	keep := false
	defer func() {
		if !keep {
			out.Close()
			os.Remove(out.Name())
		}
	}()
	// The raw HAR, written into a pipe to the sanitizer.
	inR, inW := io.Pipe()
	written := make(chan error, 1)
	go func() {
		bw := bufio.NewWriterSize(inW, 256<<10)
		err := p.doc.write(bw)
		if err == nil {
			err = bw.Flush()
		}
		inW.CloseWithError(err)
		written <- err
	}()
	// The sanitized HAR, read back through the file as it is written.
	pr, pw := io.Pipe()
	sanitized := make(chan error, 1)
	go func() {
		err := p.r.HAR(pw, inR)
		inR.CloseWithError(errSanitized) // the writer stops, whatever is left
		pw.CloseWithError(err)
		sanitized <- err
	}()
	ow := bufio.NewWriterSize(out, 1<<20)
	tee := io.TeeReader(pr, ow)
	doc, perr := parseHARStream(out, tee)
	if perr != nil {
		pr.CloseWithError(perr)
	} else {
		io.Copy(io.Discard, tee) // what follows the JSON, so the writer finishes
	}
	serr := <-sanitized
	werr := <-written
	if werr != nil && !errors.Is(werr, errSanitized) && !errors.Is(werr, io.ErrClosedPipe) {
		return fmt.Errorf("make a bundle: %w", werr)
	}
	if serr != nil && (perr == nil || !errors.Is(serr, perr)) {
		return fmt.Errorf("make a bundle: sanitize session.har: %w", serr)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if perr != nil {
		return fmt.Errorf("make a bundle: the sanitized session.har: %w", perr)
	}
	if err := ow.Flush(); err != nil {
		return fmt.Errorf("make a bundle: write the sanitized session.har in %s: %w (is the disk full?)", p.work, err)
	}
	if len(doc.raw) != len(p.doc.raw) {
		return fmt.Errorf("make a bundle: the sanitizer returned %d entries for %d", len(doc.raw), len(p.doc.raw))
	}
	st, err := out.Stat()
	if err != nil {
		return fmt.Errorf("make a bundle: the sanitized session.har in %s: %w", p.work, err)
	}
	doc.ownFile(st.Size()) // the budget's edits are appended to it
	keep = true
	p.setDoc(doc)
	for _, w := range p.doc.warn {
		p.notes = append(p.notes, "session.har "+w)
	}
	return nil
}

// errSanitized stops the writer of the sanitizer's input once the
// sanitizer is done with it.
var errSanitized = errors.New("the sanitizer has finished")

// createTemp creates a file in the pack's private directory.
func (p *pack) createTemp(pattern string) (*os.File, error) {
	f, err := os.CreateTemp(p.work, pattern)
	if err != nil {
		return nil, fmt.Errorf("make a bundle: create a temporary file in %s: %w (is the disk full?)", p.work, err)
	}
	return f, nil
}

// setDoc makes doc the bundle's HAR, closing the file of the one it
// replaces (and removing it when it is the pack's own).
func (p *pack) setDoc(doc *harDoc) {
	if old := p.doc; old != nil && old != doc {
		old.closeFile(p.work)
	}
	p.doc = doc
}

// close releases the pack's files and removes its private directory.
func (p *pack) close() {
	if p.doc != nil {
		p.doc.closeFile(p.work)
	}
	if p.work != "" {
		os.RemoveAll(p.work)
	}
}

// open opens a file of the spool; missing optional files give nil, nil.
func (p *pack) open(name string) (*os.File, error) {
	f, err := os.Open(p.dir.Join(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s in the recording: %w", name, err)
	}
	return f, nil
}

// sanitizeConsole sanitizes console.json, first leaving out the messages
// that came from an excluded domain (their source URL or the top frame of
// their stack), as their requests are.
func (p *pack) sanitizeConsole() ([]byte, error) {
	if len(p.opts.Exclude) == 0 {
		return p.sanitizeJSON("console.json")
	}
	f, err := p.open("console.json")
	if f == nil || err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("read console.json in the recording: %w", err)
	}
	kept, dropped, err := dropConsole(raw, func(u string) bool {
		pu, err := url.Parse(u)
		return err == nil && pu.Hostname() != "" && excludedHost(strings.ToLower(pu.Hostname()), p.opts.Exclude)
	})
	if err != nil {
		// Not readable as console.json: the sanitizer treats it as any
		// JSON (and says what is wrong with it), nothing is left out.
		kept = raw
	}
	p.excludedConsole = dropped
	var buf bytes.Buffer
	if err := p.r.JSON(&buf, bytes.NewReader(kept), "console.json"); err != nil {
		return nil, fmt.Errorf("sanitize console.json: %w", err)
	}
	return buf.Bytes(), nil
}

// excludedURL says whether u is on an excluded domain.
func (p *pack) excludedURL(u string) bool {
	if len(p.opts.Exclude) == 0 || u == "" {
		return false
	}
	pu, err := url.Parse(u)
	return err == nil && pu.Hostname() != "" && excludedHost(strings.ToLower(pu.Hostname()), p.opts.Exclude)
}

// excludedSummary is bundle.json's "excluded": what the reporter left out.
func (p *pack) excludedSummary() Excluded {
	files := append(append([]string(nil), p.dropped...), p.shotsOut...)
	return Excluded{Domains: p.opts.Exclude, Entries: p.excluded, ConsoleMessages: p.excludedConsole,
		Screenshots: FileCount(len(files)), ScreenshotFiles: files, ScreencastFrames: p.framesOut, Steps: p.stepsOut, DOMEvents: p.domOut,
		DOMReplay: p.opts.DropDOMReplay && len(p.domJSON) > 0}
}

// domReplay is dom.json as the bundle holds it: nil when the recording has
// none or the reporter dropped it (Options.DropDOMReplay). The writer
// writes this member, and the report plays it.
func (p *pack) domReplay() []byte {
	if p.opts.DropDOMReplay {
		return nil
	}
	return p.domJSON
}

// domMember is what writeZip writes as dom.json and updates after the
// rescan: p.domJSON, or nothing when the reporter dropped it.
func (p *pack) domMember() *[]byte {
	if p.opts.DropDOMReplay {
		return new([]byte)
	}
	return &p.domJSON
}

// sanitizeSteps sanitizes steps.json, first taking the typed values out of
// the steps on pages of excluded domains (their frameUrl, or a navigation's
// url). Those steps stay, marked "excluded": true, so that the sequence
// still reads right; replay skips them.
func (p *pack) sanitizeSteps() ([]byte, error) {
	if len(p.opts.Exclude) == 0 {
		return p.sanitizeJSON("steps.json")
	}
	f, err := p.open("steps.json")
	if f == nil || err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("read steps.json in the recording: %w", err)
	}
	if kept, n, err := excludeSteps(raw, p.excludedURL); err == nil {
		raw, p.stepsOut = kept, n
	}
	var buf bytes.Buffer
	if err := p.r.JSON(&buf, bytes.NewReader(raw), "steps.json"); err != nil {
		return nil, fmt.Errorf("sanitize steps.json: %w", err)
	}
	return buf.Bytes(), nil
}

// excludeSteps marks the steps of a steps.json document whose page is
// excluded and removes their typed values; every other field stays.
func excludeSteps(doc []byte, excluded func(url string) bool) ([]byte, int, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, 0, err
	}
	var steps []map[string]json.RawMessage
	if err := json.Unmarshal(top["steps"], &steps); err != nil || steps == nil {
		return doc, 0, err
	}
	n := 0
	for _, st := range steps {
		var page string
		json.Unmarshal(st["frameUrl"], &page)
		if page == "" {
			json.Unmarshal(st["url"], &page)
		}
		if !excluded(page) {
			continue
		}
		delete(st, "value")
		st["excluded"] = json.RawMessage("true")
		n++
	}
	if n == 0 {
		return doc, 0, nil
	}
	b, err := json.Marshal(steps)
	if err != nil {
		return nil, 0, err
	}
	top["steps"] = b
	out, err := json.Marshal(top)
	return out, n, err
}

// dropConsole removes from a console.json document the messages whose URL,
// or the URL of the top frame of their stack, or the page they were logged
// on (pageUrl), is excluded. Every other
// field of the document and of the kept messages stays as it was.
func dropConsole(doc []byte, excluded func(url string) bool) ([]byte, int, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, 0, err
	}
	var msgs []json.RawMessage
	if err := json.Unmarshal(top["messages"], &msgs); err != nil || msgs == nil {
		return doc, 0, err
	}
	kept := msgs[:0]
	for _, m := range msgs {
		var c struct {
			URL     string `json:"url"`
			PageURL string `json:"pageUrl"`
			Stack   struct {
				CallFrames []struct {
					URL string `json:"url"`
				} `json:"callFrames"`
			} `json:"stack"`
		}
		json.Unmarshal(m, &c)
		u := c.URL
		if u == "" && len(c.Stack.CallFrames) > 0 {
			u = c.Stack.CallFrames[0].URL
		}
		// from a script of an excluded domain, or logged on one of its pages
		if u != "" && excluded(u) || c.PageURL != "" && excluded(c.PageURL) {
			continue
		}
		kept = append(kept, m)
	}
	dropped := len(msgs) - len(kept)
	if dropped == 0 {
		return doc, 0, nil
	}
	b, err := json.Marshal(kept)
	if err != nil {
		return nil, 0, err
	}
	top["messages"] = b
	out, err := json.Marshal(top)
	return out, dropped, err
}

// sanitizeJSON runs one optional JSON file of the spool through the
// redactor; it returns nil when the file is absent.
func (p *pack) sanitizeJSON(name string) ([]byte, error) {
	f, err := p.open(name)
	if f == nil || err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	if err := p.r.JSON(&buf, f, name); err != nil {
		return nil, fmt.Errorf("sanitize %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

func (p *pack) load(ctx context.Context) error {
	f, err := p.open("session.har")
	if err != nil {
		return err
	}
	if f == nil {
		return fmt.Errorf("make a bundle: %s has no session.har: the recording was not finalized (run `reprokit recover` to finalize it)", p.dir.Path())
	}
	// The raw HAR is read where it is, in the spool, and its edits are
	// held in memory only: the budget trims it before the sanitizer runs,
	// so that bodies that will not be in the bundle are not sanitized (most
	// of the time of a large recording).
	p.doc, err = parseHARFile(f)
	if err != nil {
		f.Close()
		return fmt.Errorf("make a bundle: read the recording's session.har: %w (the recording is damaged; its spool %s is kept)", err, p.dir.Path())
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p.domains = domainCounts(p.doc, p.opts.Exclude)
	if len(p.opts.Exclude) > 0 {
		// pages whose every request is excluded are pages of the
		// excluded domain: their titles go too
		keptRefs, outRefs := map[string]bool{}, map[string]bool{}
		for i := range p.doc.entries {
			ref := p.doc.entries[i].Pageref
			if excludedHost(newEntryInfo(&p.doc.entries[i]).host, p.opts.Exclude) {
				outRefs[ref] = true
			} else {
				keptRefs[ref] = true
			}
		}
		p.excluded = p.doc.dropEntries(func(i int) bool {
			return excludedHost(newEntryInfo(&p.doc.entries[i]).host, p.opts.Exclude)
		})
		p.doc.dropPages(func(id string) bool { return outRefs[id] && !keptRefs[id] })
		p.logf("left out %d requests to %s", p.excluded, strings.Join(p.opts.Exclude, ", "))
	}

	if p.consoleJSON, err = p.sanitizeConsole(); err != nil {
		return err
	}
	if p.consoleJSON != nil {
		var c ConsoleFile
		if err := json.Unmarshal(p.consoleJSON, &c); err != nil {
			p.notes = append(p.notes, "console.json could not be read: "+err.Error())
		}
		p.console = c.Messages
	}
	if p.stepsJSON, err = p.sanitizeSteps(); err != nil {
		return err
	}
	if p.stepsJSON != nil {
		var s StepsFile
		if err := json.Unmarshal(p.stepsJSON, &s); err != nil {
			p.notes = append(p.notes, "steps.json could not be read: "+err.Error())
		}
		p.steps = s.Steps
	}
	if p.envJSON, err = p.sanitizeJSON("environment.json"); err != nil {
		return err
	}
	if p.domJSON, err = p.loadDOM(); err != nil {
		return err
	}
	if p.shots, err = p.loadImages("screenshots.json", "screenshots", p.opts.DropScreenshots); err != nil {
		return err
	}
	if p.cast, err = p.loadImages("screencast.json", "screencast", nil); err != nil {
		return err
	}
	return ctx.Err()
}

func excludedHost(host string, domains []string) bool {
	for _, d := range domains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "."))
		if d != "" && (host == d || strings.HasSuffix(host, "."+d)) {
			return true
		}
	}
	return false
}

// loadImages reads an image index (sanitized) and its files.
func (p *pack) loadImages(index, dir string, drop []string) ([]shotFile, error) {
	data, err := p.sanitizeJSON(index)
	if err != nil || data == nil {
		return nil, err
	}
	var raws []jsontextValue
	if err := json.Unmarshal(data, &raws); err != nil {
		p.notes = append(p.notes, index+" could not be read: "+err.Error())
		return nil, nil
	}
	dropSet := map[string]bool{}
	for _, d := range drop {
		dropSet[path.Base(filepath.ToSlash(d))] = true
	}
	var out []shotFile
	for _, raw := range raws {
		o, err := parseObject([]byte(raw))
		if err != nil {
			continue
		}
		var info Screenshot
		json.Unmarshal(raw, &info)
		rel := filepath.ToSlash(info.File)
		rel = strings.TrimPrefix(rel, dir+"/")
		if rel == "" || !safeName(rel) || strings.Contains(rel, "/") {
			p.notes = append(p.notes, fmt.Sprintf("%s lists an unsafe file name; it was skipped", index))
			continue
		}
		if dropSet[rel] {
			p.dropped = append(p.dropped, dir+"/"+rel)
			continue
		}
		if p.excludedURL(info.URL) {
			// taken on a page of an excluded domain: left out as its
			// requests are
			if dir == "screenshots" {
				p.shotsOut = append(p.shotsOut, dir+"/"+rel)
			} else {
				p.framesOut++
			}
			continue
		}
		img, err := os.ReadFile(p.dir.Join(dir, rel))
		if err != nil {
			p.notes = append(p.notes, fmt.Sprintf("%s/%s is listed but could not be read: %v", dir, rel, err))
			continue
		}
		if dir == "screenshots" {
			if img, err = p.blackout(dir+"/"+rel, img, &info, &o); err != nil {
				return nil, fmt.Errorf("black out the regions the reporter chose in %s/%s: %w", dir, rel, err)
			}
		}
		format := ""
		switch ct := sniffImage(img); ct {
		case "image/png":
			format = "png"
		case "image/jpeg":
			format = "jpeg"
		case "image/webp":
			format = "webp"
		default:
			p.notes = append(p.notes, fmt.Sprintf("%s/%s is not a PNG, JPEG or WebP image; it was skipped", dir, rel))
			continue
		}
		out = append(out, shotFile{name: dir + "/" + rel, meta: o, info: info, data: img, format: format, width: info.Width, height: info.Height})
	}
	return out, nil
}

type jsontextValue = json.RawMessage

func sniffImage(b []byte) string {
	return strings.TrimSuffix(strings.SplitN(httpDetect(b), ";", 2)[0], " ")
}

// analyze computes findings, request IDs and what the budget must keep.
func (p *pack) analyze() {
	p.infos = make([]entryInfo, len(p.doc.entries))
	for i := range p.doc.entries {
		p.infos[i] = newEntryInfo(&p.doc.entries[i])
	}
	p.findings = findings(p.infos, p.console, p.steps)
	p.requestIDs = requestIDs(p.infos)
	p.protected = map[int]bool{}
	for i := range p.infos {
		if p.infos[i].failed || p.infos[i].kind == "document" {
			p.protected[i] = true
		}
	}
	for _, f := range p.findings {
		for _, i := range f.Entries {
			p.protected[i] = true
		}
	}
}

func countFailed(infos []entryInfo) int {
	n := 0
	for i := range infos {
		if infos[i].failed {
			n++
		}
	}
	return n
}

// bundlePath resolves the output path of a bundle.
func bundlePath(out string, created time.Time, id string) (string, error) {
	name := "reprokit-" + created.Format("20060102-150405") + "-" + id[:8] + ".zip"
	if out == "" {
		return name, nil
	}
	if strings.HasSuffix(out, string(os.PathSeparator)) || strings.HasSuffix(out, "/") {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return "", fmt.Errorf("create the output directory %s: %w", out, err)
		}
		return filepath.Join(out, name), nil
	}
	if st, err := os.Stat(out); err == nil && st.IsDir() {
		return filepath.Join(out, name), nil
	}
	parent := filepath.Dir(out)
	if st, err := os.Stat(parent); err != nil || !st.IsDir() {
		return "", fmt.Errorf("the output directory %s does not exist: create it or choose another -o", parent)
	}
	return out, nil
}

// estimate is the expected compressed size of the bundle in its current
// state: what the budget compares with its limit.
func (p *pack) estimate() int64 {
	var total float64
	var previews float64
	for i := range p.infos {
		over := p.doc.entryLen(i) - p.doc.bodyLen[i] - p.doc.reqLen[i]
		total += float64(over) * 0.15 * 2 // in session.har and in the report
		if n := p.doc.bodyLen[i]; n > 0 {
			r := p.ratio(i, false)
			total += float64(n) * r
			if p.reportPreview(i) {
				previews += float64(min(n, previewBytesBundle)) * r
			}
		}
		if n := p.doc.reqLen[i]; n > 0 {
			r := p.ratio(i, true)
			total += float64(n) * r
			previews += float64(min(n, previewBytesBundle)) * r
		}
	}
	total += min(previews, previewTotalBundle)
	for _, s := range p.shots {
		total += 2 * float64(len(s.data))
	}
	for _, s := range p.cast {
		total += 2 * float64(len(s.data))
	}
	total += float64(len(p.consoleJSON)+len(p.stepsJSON)+len(p.envJSON)) * 0.3 * 2
	if dom := p.domReplay(); dom != nil {
		// in dom.json and in the report's player
		total += float64(len(dom)) * domRatio(dom) * 2
	}
	total += 128 << 10 // report code, bundle.json, zip directory
	return int64(total)
}

func (p *pack) ratio(i int, request bool) float64 {
	k := [2]int{i, 0}
	if request {
		k[1] = 1
	}
	if p.budget.ratio == nil {
		p.budget.ratio = map[[2]int]float64{}
	}
	if r, ok := p.budget.ratio[k]; ok {
		return r
	}
	// The raw entry is a good enough sample of its body, and needs no
	// unescaping.
	r := compressRatioAt(p.doc.entryReaderAt(i), p.doc.entryLen(i))
	p.budget.ratio[k] = r
	return r
}

// canTrim reports whether a budget action is still possible.
func (p *pack) canTrim() bool {
	for _, it := range p.budgetCandidates() {
		k := [2]int{it.entry, 0}
		if it.request {
			k[1] = 1
		}
		if !p.budget.done[k] {
			return true
		}
	}
	for _, s := range p.shots {
		if s.shrunk < 2 {
			return true
		}
	}
	if p.domReplay() != nil {
		return true
	}
	return len(p.cast) > 4
}

// writeWithBudget writes the bundle, trimming until it fits the budget or
// nothing more may go.
func (p *pack) writeWithBudget(ctx context.Context, dest string) (int64, *Manifest, error) {
	const margin = budgetMargin
	need := int64(0)
	for attempt := 0; ; attempt++ {
		if need > 0 {
			saved, err := p.trim(need, true)
			if err != nil {
				return 0, nil, err
			}
			p.logf("size budget %s: %d reductions so far, about %s saved in this pass", HumanSize(p.budgetMax), len(p.budget.actions), HumanSize(saved))
		}
		if err := ctx.Err(); err != nil {
			return 0, nil, err
		}
		size, m, err := p.writeZip(dest)
		if errors.Is(err, errRewrite) && attempt < 6 {
			need = 0
			continue
		}
		if err != nil {
			return 0, nil, err
		}
		if p.budgetMax <= 0 {
			return size, m, nil
		}
		over := size > p.budgetMax
		if over && attempt < 4 && p.canTrim() {
			need = size - p.budgetMax + margin
			continue
		}
		if over != p.overBudget && attempt < 6 {
			// Say it plainly in bundle.json, the report and
			// SUPPORT_REQUEST.md: write them again with the verdict.
			p.overBudget = over
			need = 0
			continue
		}
		return size, m, nil
	}
}

// checked runs the fail-closed rescan on one output file. A file written
// before another one redacted a value it holds (console.json is sanitized
// before session.har) is scrubbed (that value replaced by its tag, see
// sanitize's Scrub) and rescanned; only findings that remain refuse the
// bundle. It returns the content to write.
func (p *pack) checked(name string, data []byte) ([]byte, error) {
	bad, err := p.unallowed(name, data)
	if err != nil || len(bad) == 0 {
		return data, err
	}
	var out bytes.Buffer
	if _, err := p.r.Scrub(&out, bytes.NewReader(data), name); err != nil {
		return nil, fmt.Errorf("scrub %s: %w", name, err)
	}
	if bad, err = p.unallowed(name, out.Bytes()); err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return nil, &LeakError{Findings: bad}
	}
	return out.Bytes(), nil
}

// checkedFile is [pack.checked] for a large file, f of size bytes: it
// returns nil when f passes as it is, else a new file of the pack's private
// directory with its scrubbed content (the caller's to close and remove).
func (p *pack) checkedFile(name string, f *os.File, size int64) (*os.File, error) {
	bad, err := p.unallowedReader(name, io.NewSectionReader(f, 0, size))
	if err != nil || len(bad) == 0 {
		return nil, err
	}
	out, err := p.createTemp("scrubbed-*.json")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			out.Close()
			os.Remove(out.Name())
		}
	}()
	bw := bufio.NewWriterSize(out, 1<<20)
	if _, err := p.r.Scrub(bw, io.NewSectionReader(f, 0, size), name); err != nil {
		return nil, fmt.Errorf("scrub %s: %w", name, err)
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("scrub %s into %s: %w (is the disk full?)", name, p.work, err)
	}
	st, err := out.Stat()
	if err != nil {
		return nil, fmt.Errorf("scrub %s: %w", name, err)
	}
	if bad, err = p.unallowedReader(name, io.NewSectionReader(out, 0, st.Size())); err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return nil, &LeakError{Findings: bad}
	}
	ok = true
	return out, nil
}

// unallowed are the verifier's findings on data that the user did not allow.
func (p *pack) unallowed(name string, data []byte) ([]sanitize.Finding, error) {
	return p.unallowedReader(name, bytes.NewReader(data))
}

// unallowedReader is [pack.unallowed] for data read from r (seekable for
// precise locations).
func (p *pack) unallowedReader(name string, r io.Reader) ([]sanitize.Finding, error) {
	fs, err := p.r.Verify(name, r)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", name, err)
	}
	var bad []sanitize.Finding
	for _, f := range fs {
		if p.allow[sanitize.NormalizeName(f.Kind)] || (f.Rule != "" && p.allow[sanitize.NormalizeName(f.Rule)]) {
			continue
		}
		if f.File == "" {
			f.File = name
		}
		bad = append(bad, f)
	}
	return bad, nil
}

// verify refuses data when the rescan finds anything, scrubbed or not.
func (p *pack) verify(name string, data []byte) error {
	bad, err := p.unallowed(name, data)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return &LeakError{Findings: bad}
	}
	return nil
}

// writeZip writes the whole bundle to a temporary file next to dest and
// renames it. It returns the size and the manifest written.
//
// Every file is compressed first (see [zipMember]), so that the size of the
// finished zip is known before it is written: SUPPORT_REQUEST.md and
// bundle.json state it. session.har goes through files of the pack's
// private directory, never whole in memory: it is written out, then
// verified on one core while the other compresses it and builds the report.
func (p *pack) writeZip(dest string) (int64, *Manifest, error) {
	harFile, err := p.createTemp("har-*.json")
	if err != nil {
		return 0, nil, err
	}
	defer func() {
		harFile.Close()
		os.Remove(harFile.Name())
	}()
	hs, hc := sha256.New(), crc32.NewIEEE()
	hw := &countingFile{w: io.MultiWriter(harFile, hs, hc)}
	bw := bufio.NewWriterSize(hw, 1<<20)
	err = p.doc.write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if rerr := p.doc.readErr(); rerr != nil {
		return 0, nil, fmt.Errorf("make a bundle: %w", rerr)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("make a bundle: write session.har in %s: %w (is the disk full?)", p.work, err)
	}
	harSize := hw.n
	var harSum [32]byte
	hs.Sum(harSum[:0])
	type verdict struct {
		scrubbed *os.File // nil: as written
		err      error
	}
	verified := make(chan verdict, 1)
	if p.harVerified == harSum {
		verified <- verdict{} // written again unchanged: verified already
	} else {
		go func() {
			f, err := p.checkedFile("session.har", harFile, harSize)
			verified <- verdict{f, err}
		}()
	}
	harMember, merr := p.members.fileMember("session.har", harFile, harSize, harSum, hc.Sum32(), p.work)
	if merr != nil {
		if v := <-verified; v.scrubbed != nil {
			v.scrubbed.Close()
			os.Remove(v.scrubbed.Name())
		}
		return 0, nil, merr
	}
	var images []*zipMember
	for _, set := range [][]shotFile{p.shots, p.cast} {
		for _, s := range set {
			images = append(images, p.members.member(s.name, s.data, false))
		}
	}
	// The report's heavy part (entries, previews) does not wait for the
	// verifier; its manifest is set below.
	d := p.reportData(&Manifest{})
	v := <-verified
	if v.err != nil {
		return 0, nil, v.err
	}
	if v.scrubbed != nil {
		// The HAR was scrubbed: take it as the bundle's HAR and write again.
		doc, err := parseHARFile(v.scrubbed)
		var st os.FileInfo
		if err == nil {
			st, err = v.scrubbed.Stat()
		}
		if err != nil || len(doc.raw) != len(p.doc.raw) {
			v.scrubbed.Close()
			os.Remove(v.scrubbed.Name())
			return 0, nil, fmt.Errorf("make a bundle: the scrubbed session.har does not read back: %v", err)
		}
		doc.ownFile(st.Size())
		p.setDoc(doc)
		p.analyzeKeepProtected()
		return 0, nil, errRewrite
	}
	if err := p.doc.readErr(); err != nil {
		return 0, nil, fmt.Errorf("make a bundle: %w", err)
	}
	p.harVerified = harSum

	members := []*zipMember{harMember}
	for _, side := range []struct {
		name string
		data *[]byte
	}{{"console.json", &p.consoleJSON}, {"steps.json", &p.stepsJSON}, {"environment.json", &p.envJSON}, {DOMReplayFile, p.domMember()}} {
		if *side.data == nil {
			continue
		}
		data, err := p.checked(side.name, *side.data)
		if err != nil {
			return 0, nil, err
		}
		*side.data = data
		members = append(members, p.members.member(side.name, data, true))
	}
	k := 0
	for _, set := range []struct {
		index string
		shots []shotFile
	}{{"screenshots.json", p.shots}, {"screencast.json", p.cast}} {
		if len(set.shots) == 0 {
			continue
		}
		idx, err := p.checked(set.index, imageIndex(set.shots))
		if err != nil {
			return 0, nil, err
		}
		members = append(members, p.members.member(set.index, idx, true))
		members = append(members, images[k:k+len(set.shots)]...)
		k += len(set.shots)
	}

	files := func(ms []*zipMember) []File {
		out := make([]File, len(ms))
		for i, m := range ms {
			out[i] = m.file()
		}
		return out
	}
	m := p.manifest(files(members), zipSize(members))
	mj0, _ := json.Marshal(m)
	d.Manifest, d.Browser = mj0, browserOf(m.Environment)
	setReportWords(d, m)
	// SUPPORT_REQUEST.md states the size of the finished zip, and the
	// report shows SUPPORT_REQUEST.md: find the size that the text states
	// and the zip has (the text changes only when the rounded size does).
	sr := supportInput{m: m, steps: p.steps, shots: p.shots, frames: len(p.cast), loc: p.location(), actions: len(p.budget.actions)}
	sr.zipSize = zipSize(members) + 64<<10
	var all []*zipMember
	var mj []byte
	// The rounds render without the verifier; the last one verifies what
	// is written (and goes round again in the rare case that a scrub
	// changed the size).
	checkedRound := false
	var lastSupport string
	var lastPage []byte
	for attempt := 0; ; attempt++ {
		last := attempt >= 4
		text := supportRequest(sr)
		support := []byte(text)
		var page []byte
		if checkedRound || last {
			checkedRound = true
			if support, err = p.checked("SUPPORT_REQUEST.md", support); err != nil {
				return 0, nil, err
			}
			if string(support) == lastSupport && lastPage != nil {
				d.Support = lastSupport
				page, err = p.verifyPage(d, lastPage)
			} else {
				page, err = p.renderPage(d, string(support), true)
			}
		} else {
			page, err = p.renderPage(d, text, false)
		}
		if err != nil {
			return 0, nil, err
		}
		lastSupport, lastPage = string(support), page
		all = append(append([]*zipMember{}, members...), p.members.member("SUPPORT_REQUEST.md", support, true), p.members.member("report.html", page, true))
		p.lastReport, p.lastSupport = page, support
		final := *m
		final.Files = files(all)
		// bundle.json states the zip's size too, and is in it: find the
		// number that makes the zip that size (a few rounds; the number
		// changes its own compressed size by a few bytes, and when the
		// rounds swing between two sizes, trailing spaces settle it).
		encode := func(size int64, pad int) ([]byte, error) {
			final.Budget.Final = size
			b, err := json.MarshalIndent(&final, "", "  ")
			if err != nil {
				return nil, fmt.Errorf("encode bundle.json: %w", err)
			}
			b = append(b, bytes.Repeat([]byte{' '}, pad)...)
			return append(b, '\n'), nil
		}
		size := zipSize(all) + int64(len(mj0)/4)
		mj = nil
		for pad := 0; pad < 24 && mj == nil; pad++ {
			x := size
			for round := 0; round < 4; round++ {
				b, err := encode(x, pad)
				if err != nil {
					return 0, nil, err
				}
				got := zipSize(append(all, p.members.member(ManifestFile, b, true)))
				if got == x {
					mj = b
					break
				}
				x = got
			}
		}
		if mj == nil {
			if mj, err = encode(size, 0); err != nil {
				return 0, nil, err
			}
		}
		if checkedRound {
			if mj, err = p.checked(ManifestFile, mj); err != nil {
				return 0, nil, err
			}
		}
		all = append(all, p.members.member(ManifestFile, mj, true))
		size = zipSize(all)
		if HumanSize(size) == HumanSize(sr.zipSize) || last {
			if checkedRound {
				m = &final
				break
			}
			checkedRound = true
			continue
		}
		sr.zipSize = size
	}

	tmp, err := os.CreateTemp(filepath.Dir(dest), ".reprokit-*.zip.tmp")
	if err != nil {
		return 0, nil, fmt.Errorf("create the bundle in %s: %w", filepath.Dir(dest), err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	cw := &countingFile{w: tmp}
	var sealed io.WriteCloser
	if len(p.sealTo) > 0 {
		// encrypted as it is written: the plaintext zip never reaches the
		// output folder
		if sealed, err = seal.Encrypt(cw, p.sealTo); err != nil {
			return 0, nil, err
		}
		bw = bufio.NewWriterSize(sealed, 1<<20)
	} else {
		bw = bufio.NewWriterSize(cw, 1<<20)
	}
	if err := writeMembers(bw, all, p.created); err != nil {
		return 0, nil, err
	}
	if err := bw.Flush(); err != nil {
		return 0, nil, fmt.Errorf("finish the bundle: %w (is the disk full?)", err)
	}
	if sealed != nil {
		if err := sealed.Close(); err != nil {
			return 0, nil, fmt.Errorf("finish the sealed bundle: %w (is the disk full?)", err)
		}
	}
	if err := tmp.Sync(); err != nil {
		return 0, nil, fmt.Errorf("finish the bundle: %w (is the disk full?)", err)
	}
	if err := tmp.Close(); err != nil {
		return 0, nil, fmt.Errorf("finish the bundle: %w", err)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return 0, nil, fmt.Errorf("move the bundle into place at %s: %w", dest, err)
	}
	ok = true
	p.lastSize = cw.n
	return cw.n, m, nil
}

type countingFile struct {
	w io.Writer
	n int64
}

func (c *countingFile) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// imageIndex writes screenshots.json or screencast.json for the images as
// they are now (a recompressed screenshot changes file, format and size).
func imageIndex(shots []shotFile) []byte {
	var b bytes.Buffer
	b.WriteString("[")
	for i, s := range shots {
		o := append(object{}, s.meta...)
		o.set("file", jsonString(s.name))
		o.set("format", jsonString(s.format))
		if s.width > 0 {
			o.set("width", jsonAny(s.width))
			o.set("height", jsonAny(s.height))
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  ")
		b.Write(o.marshal())
	}
	b.WriteString("\n]\n")
	return b.Bytes()
}

// manifest builds bundle.json (without the files of report.html and
// SUPPORT_REQUEST.md, added later).
func (p *pack) manifest(files []File, contentSize int64) *Manifest {
	m := &Manifest{
		Format:    version.BundleFormat,
		ID:        p.id,
		Created:   p.created.In(p.location()).Format(time.RFC3339),
		TimeZone:  p.meta.TimeZone,
		Tool:      Tool{Name: "reprokit", Version: version.Version},
		Reporter:  p.reporter(),
		Findings:  nonNil(p.findings),
		Files:     files,
		Notes:     p.notes,
		Excluded:  p.excludedSummary(),
		Budget:    Budget{Limit: p.budgetMax, Estimated: p.estimated, Final: contentSize, Actions: nonNil(p.budget.actions)},
		Recording: Recording{ID: p.meta.ID, Mode: string(p.meta.Mode), Start: p.meta.Started, End: p.meta.Ended, TimeZone: p.meta.TimeZone, StopReason: p.meta.StopReason, StartURL: p.r.Text(p.meta.StartURL), Recovered: p.opts.Recovered, Language: p.meta.Language},
	}
	m.RequestIDs = nonNil(p.requestIDs)
	if p.overBudget {
		m.Budget.OverBudget = true
		m.Budget.Message = overBudgetMessage(max(p.lastSize, contentSize), p.budgetMax)
	}
	if m.TimeZone == "" {
		m.TimeZone = localZone()
	}
	if t0, err := time.Parse(time.RFC3339Nano, p.meta.Started); err == nil {
		if t1, err := time.Parse(time.RFC3339Nano, p.meta.Ended); err == nil && t1.After(t0) {
			m.Recording.DurationMillis = t1.Sub(t0).Milliseconds()
		}
	}
	if len(p.envJSON) > 0 && json.Valid(p.envJSON) {
		m.Environment = json.RawMessage(p.envJSON)
	}
	// Counts per rule and kind and where each redaction is (the first
	// 10,000; "truncated" says there were more), never values.
	rep := p.r.Report()
	for i := range rep.Locations {
		rep.Locations[i].Location = stringPointer(rep.Locations[i].Location)
	}
	if b, err := json.Marshal(rep); err == nil {
		m.Redaction = b
	}
	m.Counts = countAll(p.infos, p.doc, p.console, len(p.steps), len(p.shots), len(p.cast))
	if p.domReplay() != nil {
		m.Counts.DOMEvents = p.domEvents
	}
	for i := range p.notes {
		m.Notes[i] = p.r.Text(p.notes[i])
	}
	return m
}

// stringPointer cuts a redaction's location at the string that holds it:
// the sanitizer follows JSON and forms inside a body ("…/postData/text/user/
// password"), but the body is one string of the file, and the keys inside it
// are recorded content that bundle.json must not repeat as values of its own.
func stringPointer(ptr string) string {
	i := 0
	for i < len(ptr) {
		j := strings.IndexByte(ptr[i+1:], '/')
		end := len(ptr)
		if j >= 0 {
			end = i + 1 + j
		}
		switch ptr[i+1 : end] {
		case "text", "data", "value":
			return ptr[:end]
		}
		i = end
	}
	return ptr
}

// location is the recording's time zone (recording.json), else the local one:
// bundle.json and SUPPORT_REQUEST.md give times in it, with the offset.
func (p *pack) location() *time.Location {
	if p.meta.TimeZone != "" {
		if l, err := time.LoadLocation(p.meta.TimeZone); err == nil {
			return l
		}
	}
	return time.Local
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func localZone() string {
	if tz := os.Getenv("TZ"); tz != "" && !strings.HasPrefix(tz, ":") {
		return tz
	}
	if l := time.Local.String(); l != "Local" {
		return l
	}
	if p, err := filepath.EvalSymlinks("/etc/localtime"); err == nil {
		if i := strings.Index(p, "zoneinfo/"); i >= 0 {
			return p[i+len("zoneinfo/"):]
		}
	}
	name, _ := time.Now().Zone()
	return name
}

// reporter maps the spool's reporter fields onto bundle.json's, each through
// the sanitizer's ReporterField. Password-like fields are dropped.
func (p *pack) reporter() Reporter {
	var r Reporter
	keys := make([]string, 0, len(p.meta.Reporter))
	for k := range p.meta.Reporter {
		keys = append(keys, k)
	}
	sortStrings(keys)
	for _, k := range keys {
		v := strings.TrimSpace(p.meta.Reporter[k])
		if v == "" {
			continue
		}
		n := strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "", ".", "").Replace(k))
		if strings.Contains(n, "password") || strings.Contains(n, "passwd") || strings.Contains(n, "passphrase") ||
			strings.Contains(n, "secret") || n == "pin" || strings.Contains(n, "token") {
			p.notes = append(p.notes, "the reporter field "+strings.ToLower(k)+" looks like a password or secret and was not included")
			continue
		}
		v = p.r.ReporterField(k, v)
		switch n {
		case "description", "problem", "summary", "problemdescription":
			r.Description = v
		case "email", "accountemail", "account":
			r.Email = v
		case "billingemail", "altemail", "alternativeemail", "alternatebillingemail":
			r.BillingEmail = v
		case "plan", "accountplan":
			r.Plan = v
		case "workspace", "workspaceid", "organization", "organizationid", "org", "orgid", "organisation", "organisationid":
			r.Workspace = v
		case "customapp", "customappid", "app", "appid", "assistant", "customassistant", "gpt", "gptid":
			r.CustomApp = v
		case "safetymessage", "policymessage", "safety", "policy", "flag", "safetyflag":
			r.SafetyMessage = v
		case "safetyrequestid", "policyrequestid", "flagrequestid":
			r.SafetyRequestID = v
		case "network", "networktype":
			r.Network = v
		default:
			if r.Extra == nil {
				r.Extra = map[string]string{}
			}
			r.Extra[k] = v
		}
	}
	return r
}

// reportData builds what report.html shows for the bundle (the expensive
// part: entries and previews), with m as its manifest.
func (p *pack) reportData(m *Manifest) *report.Data {
	var shots, cast []Image
	for _, s := range p.shots {
		shots = append(shots, Image{Screenshot: screenshotInfo(s), Data: s.data})
	}
	for _, s := range p.cast {
		cast = append(cast, Image{Screenshot: screenshotInfo(s), Data: s.data})
	}
	in := reportInput{
		title: "Reprokit report", source: "bundle " + p.id, kind: "bundle", manifest: m, doc: p.doc, infos: p.infos,
		ids: p.requestIDs, findings: p.findings,
		console: p.console, steps: p.steps, shots: shots, cast: cast, limits: bundleLimits, dom: p.domReplay(),
	}
	if h := mainHost(p.infos); h != "" {
		in.title += ": " + h
	}
	return buildReport(in)
}

// renderPage renders report.html from d with the support text. The
// verifier checks a copy without the embedded images (their base64 is not
// text to scan).
func (p *pack) renderPage(d *report.Data, support string, verify bool) ([]byte, error) {
	d.Support = support
	var buf bytes.Buffer
	if err := report.Render(&buf, d); err != nil {
		return nil, err
	}
	page := buf.Bytes()
	if !verify {
		return page, nil
	}
	return p.verifyPage(d, page)
}

// verifyPage verifies report.html as rendered from d (d.Support set as in
// page), scrubbing it when the verifier finds a value redacted elsewhere.
func (p *pack) verifyPage(d *report.Data, page []byte) ([]byte, error) {
	// The page is constant code around its data: verify the data, as the
	// JSON document it is (a text scan of the HTML reads a header name next
	// to its value, "Sec-WebSocket-Key","<random>", as a keyword next to a
	// secret), without the images (their base64 is not text to scan).
	check := *d
	check.Screenshots, check.Screencast = nil, nil
	data, err := jsonv2.Marshal(&check, jsontext.AllowInvalidUTF8(true))
	if err != nil {
		return nil, fmt.Errorf("verify report.html: encode its data: %w", err)
	}
	const name = "report.html (data)"
	bad, err := p.unallowed(name, data)
	if err != nil || len(bad) == 0 {
		return page, err
	}
	// Scrub the page and its data the same way; the data must then be
	// clean.
	var scrubbed, scrubbedData bytes.Buffer
	if _, err := p.r.Scrub(&scrubbed, bytes.NewReader(page), "report.html"); err != nil {
		return nil, fmt.Errorf("scrub report.html: %w", err)
	}
	if _, err := p.r.Scrub(&scrubbedData, bytes.NewReader(data), name); err != nil {
		return nil, fmt.Errorf("scrub report.html: %w", err)
	}
	if err := p.verify(name, scrubbedData.Bytes()); err != nil {
		return nil, err
	}
	return scrubbed.Bytes(), nil
}

func screenshotInfo(s shotFile) Screenshot {
	i := s.info
	i.File, i.Format, i.Width, i.Height = s.name, s.format, s.width, s.height
	return i
}
