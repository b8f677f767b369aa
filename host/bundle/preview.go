package bundle

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"sort"

	"github.com/reprokit/reprokit/host/sanitize"
	"github.com/reprokit/reprokit/host/spool"
)

// Review is what the reporter checks before saving a bundle for sharing:
// the extension's review step shows it. It holds no unsanitized value.
type Review struct {
	Screenshots []ReviewScreenshot `json:"screenshots"`
	// Domains are every domain of the recording (excluded ones too), most
	// requests first.
	Domains []DomainCount `json:"domains"`
	// Redaction is what the sanitizer replaced: counts per rule and kind.
	Redaction      []sanitize.Count `json:"redaction"`
	RedactionTotal int              `json:"redactionTotal"`
	Findings       []Finding        `json:"findings"`
	RequestIDs     []RequestID      `json:"requestIds"`
	Counts         Counts           `json:"counts"`
	// Budget is the size budget (0: none). Estimated is the size the bundle
	// would have without the budget, Final after it; OverBudget says the
	// budget cannot be met without removing protected evidence; Reductions
	// is how many bodies or images the budget would shrink.
	Budget     int64 `json:"budget"`
	Estimated  int64 `json:"estimated"`
	Final      int64 `json:"final"`
	OverBudget bool  `json:"overBudget"`
	Reductions int   `json:"reductions"`
	// Excluded is what the reporter's choices leave out, as bundle.json
	// will say it.
	Excluded Excluded `json:"excluded"`
	// What the bundle will say, sanitized as it will appear: the
	// reporter's description, the notes they added, the steps in plain
	// words (typed values as they will appear) and the console errors
	// (the first 20).
	Description   string   `json:"description,omitempty"`
	Notes         []string `json:"notes"`
	Steps         []string `json:"steps"`
	ConsoleErrors []string `json:"consoleErrors"`
	// DOMReplay is the DOM session replay with its first and last frame,
	// sanitized as it will be shared (Dropped when the reporter left it
	// out); nil when the recording has none.
	DOMReplay *ReviewDOMReplay `json:"domReplay,omitempty"`
}

// maxReviewErrors bounds the console errors the review lists.
const maxReviewErrors = 20

// ReviewScreenshot is one screenshot as the review shows it: a small JPEG
// thumbnail (a data: URL under 40 KB) and what to pass in
// [Options.DropScreenshots] to leave it out.
type ReviewScreenshot struct {
	File   string  `json:"file"`
	Time   float64 `json:"time"` // ms since the epoch
	URL    string  `json:"url,omitempty"`
	Reason string  `json:"reason,omitempty"`
	Width  int     `json:"width,omitempty"`
	Height int     `json:"height,omitempty"`
	Size   int64   `json:"size"`
	Masked bool    `json:"masked"`
	// Boxes are the regions painted over flagged text, in CSS pixels of
	// the image.
	Boxes     MaskList `json:"boxes,omitempty"`
	Thumbnail string   `json:"thumbnail,omitempty"`
	Dropped   bool     `json:"dropped,omitempty"`
	// Excluded: dropped because its page is on an excluded domain.
	Excluded bool `json:"excluded,omitempty"`
}

// DomainCount is one domain of the recording, for [Options.Exclude].
type DomainCount struct {
	Domain   string `json:"domain"`
	Entries  int    `json:"entries"`
	Failed   int    `json:"failed"`
	Bytes    int64  `json:"bytes"`
	Excluded bool   `json:"excluded,omitempty"`
}

// Preview sanitizes and analyzes a finalized spool as [Write] would, with
// the same options, and returns the review data without writing anything.
// Call Write with the reporter's choices (Exclude, DropScreenshots) after.
func Preview(ctx context.Context, dir *spool.Dir, opts Options) (*Review, error) {
	p, err := newPack(ctx, dir, opts)
	if err != nil {
		return nil, err
	}
	defer p.close()
	rep := p.r.Report()
	rv := &Review{
		Domains: p.domains, Redaction: nonNil(rep.Counts), RedactionTotal: rep.Total,
		Findings: nonNil(p.findings), RequestIDs: nonNil(p.requestIDs), Budget: p.budgetMax,
		Counts: countAll(p.infos, p.doc, p.console, len(p.steps), len(p.shots), len(p.cast)),
	}
	for _, s := range p.shots {
		rv.Screenshots = append(rv.Screenshots, ReviewScreenshot{
			File: s.name, Time: float64(s.info.Time), URL: s.info.URL, Reason: s.info.Reason, Width: s.width, Height: s.height,
			Size: int64(len(s.data)), Masked: s.info.Masked != nil, Boxes: s.info.Masked, Thumbnail: thumbnail(s.data),
		})
	}
	for _, d := range p.dropped {
		rv.Screenshots = append(rv.Screenshots, ReviewScreenshot{File: d, Dropped: true})
	}
	for _, d := range p.shotsOut {
		rv.Screenshots = append(rv.Screenshots, ReviewScreenshot{File: d, Dropped: true, Excluded: true})
	}
	rv.Excluded = p.excludedSummary()
	if rv.DOMReplay = ReviewDOM(p.domJSON); rv.DOMReplay != nil {
		rv.DOMReplay.Dropped = p.opts.DropDOMReplay
	}
	rv.Description = p.reporter().Description
	rv.Steps = nonNil(PlainSteps(p.steps))
	for _, c := range p.console {
		switch {
		case c.Level == "note":
			rv.Notes = append(rv.Notes, c.Text)
		case c.isError() && len(rv.ConsoleErrors) < maxReviewErrors:
			text, _ := clip(c.Text, 300)
			rv.ConsoleErrors = append(rv.ConsoleErrors, text)
		}
	}
	rv.Notes, rv.ConsoleErrors = nonNil(rv.Notes), nonNil(rv.ConsoleErrors)
	rv.Screenshots = nonNil(rv.Screenshots)
	// newPack applied the budget to this in-memory copy already.
	rv.Estimated = p.estimated
	rv.Final = p.estimate()
	rv.Reductions = len(p.budget.actions)
	rv.OverBudget = p.budgetMax > 0 && rv.Final > p.budgetMax
	return rv, nil
}

// domainCounts counts the entries of every domain, before any exclusion.
func domainCounts(doc *harDoc, exclude []string) []DomainCount {
	by := map[string]*DomainCount{}
	for i := range doc.entries {
		in := newEntryInfo(&doc.entries[i])
		if in.host == "" {
			continue
		}
		d := by[in.host]
		if d == nil {
			d = &DomainCount{Domain: in.host, Excluded: excludedHost(in.host, exclude)}
			by[in.host] = d
		}
		d.Entries++
		if in.failed {
			d.Failed++
		}
		d.Bytes += int64(doc.bodyLen[i] + doc.reqLen[i])
	}
	out := make([]DomainCount, 0, len(by))
	for _, d := range by {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Entries != out[j].Entries {
			return out[i].Entries > out[j].Entries
		}
		return out[i].Domain < out[j].Domain
	})
	return out
}

// thumbnail is a JPEG of at most 320 pixels wide as a data: URL.
func thumbnail(data []byte) string {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return ""
	}
	for img.Bounds().Dx() > 320 {
		img = halve(img)
	}
	var buf bytes.Buffer
	if jpeg.Encode(&buf, img, &jpeg.Options{Quality: 60}) != nil || buf.Len() > 40<<10 {
		return ""
	}
	return imageDataURL(buf.Bytes())
}
