package bundle

import (
	"bytes"
	"compress/flate"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // screenshots are PNG or JPEG
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// DefaultBudget is the default size budget of a bundle: what support
// systems accept as an attachment.
const DefaultBudget int64 = 25 << 20

// The steps of the size budget, in the order they are taken.
const (
	stepMediaBodies  = 1 // bodies of images, fonts and media
	stepScriptBodies = 2 // large scripts and styles
	stepScreenshots  = 3 // screenshots recompressed, downscaled; screencast thinned
	stepTruncate     = 4 // large text bodies truncated with a marker
	// stepDOMReplay (dom.go) comes right after stepMediaBodies.
)

const (
	largeScript   = 32 << 10 // step 2 takes scripts and styles above this
	truncateAbove = 64 << 10 // step 4 keeps this much of a large body
	jpegQuality   = 70
)

// budgetItem is one body that the budget may remove or truncate.
type budgetItem struct {
	entry   int
	request bool // the request body (postData), not the response
	size    int
	step    int
}

// trimmed reports, per entry, what the budget already did, so that no body
// is counted twice.
type budgetState struct {
	done    map[[2]int]bool // {entry, 0 response | 1 request}
	ratio   map[[2]int]float64
	actions []BudgetAction
}

// compressRatioAt estimates the deflate ratio of the n bytes of r from
// three 8 KB samples (of the start, middle and end), reading only those.
func compressRatioAt(r io.ReaderAt, n int) float64 {
	if n < 512 {
		return 0.6
	}
	const chunk = 8 << 10
	var sample []byte
	if n <= 3*chunk {
		sample = make([]byte, n)
		r.ReadAt(sample, 0)
	} else {
		mid := n / 2
		sample = make([]byte, 3*chunk)
		r.ReadAt(sample[:chunk], 0)
		r.ReadAt(sample[chunk:2*chunk], int64(mid))
		r.ReadAt(sample[2*chunk:], int64(n-chunk))
	}
	var cw countWriter
	fw, _ := flatePool.Get().(*flate.Writer)
	if fw == nil {
		fw, _ = flate.NewWriter(&cw, flate.BestSpeed)
	} else {
		fw.Reset(&cw)
	}
	fw.Write(sample)
	fw.Close()
	flatePool.Put(fw)
	ratio := float64(cw.n) / float64(len(sample))
	return min(max(ratio, 0.01), 1.0)
}

// flatePool keeps flate writers: each holds about 1 MB of state.
var flatePool sync.Pool

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// isMediaBody reports a body of an image, font or media response.
func isMediaBody(in *entryInfo) bool {
	if in.kind == "image" || in.kind == "font" || in.kind == "media" {
		return true
	}
	mt := strings.ToLower(in.e.Response.Content.MimeType)
	return strings.HasPrefix(mt, "image/") || strings.HasPrefix(mt, "font/") || strings.HasPrefix(mt, "audio/") ||
		strings.HasPrefix(mt, "video/") || strings.Contains(mt, "font")
}

func isScriptBody(in *entryInfo) bool {
	if in.kind == "script" || in.kind == "stylesheet" {
		return true
	}
	mt := strings.ToLower(in.e.Response.Content.MimeType)
	return strings.Contains(mt, "javascript") || strings.HasPrefix(mt, "text/css")
}

// budgetCandidates lists the bodies the budget may touch, in the order it
// touches them: by step, then largest first. Protected entries are left out.
func (p *pack) budgetCandidates() []budgetItem {
	var out []budgetItem
	for i := range p.infos {
		if p.protected[i] {
			continue
		}
		in := &p.infos[i]
		if n := p.doc.bodyLen[i]; n > 0 {
			switch {
			case isMediaBody(in):
				out = append(out, budgetItem{entry: i, size: n, step: stepMediaBodies})
			case isScriptBody(in) && n > largeScript:
				out = append(out, budgetItem{entry: i, size: n, step: stepScriptBodies})
			case n > truncateAbove:
				out = append(out, budgetItem{entry: i, size: n, step: stepTruncate})
			}
		}
		if n := p.doc.reqLen[i]; n > truncateAbove {
			out = append(out, budgetItem{entry: i, request: true, size: n, step: stepTruncate})
		}
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].step != out[b].step {
			return out[a].step < out[b].step
		}
		return out[a].size > out[b].size
	})
	return out
}

// trim takes budget actions in order until the estimated compressed savings
// reach need bytes. It returns the savings. Truncation (step 4) is only
// allowed on a sanitized HAR: a body cut in the middle no longer parses, and
// the sanitizer's structural walk must see it whole.
func (p *pack) trim(need int64, truncate bool) (int64, error) {
	var saved int64
	items := p.budgetCandidates()
	takeBodies := func(step int) error {
		for _, it := range items {
			if saved >= need {
				return nil
			}
			if it.step != step {
				continue
			}
			key := [2]int{it.entry, 0}
			if it.request {
				key[1] = 1
			}
			if p.budget.done[key] {
				continue
			}
			s, err := p.trimBody(it)
			if err != nil {
				return err
			}
			saved += s
		}
		return nil
	}
	if err := takeBodies(stepMediaBodies); err != nil {
		return saved, err
	}
	if saved < need {
		saved += p.trimDOM(need - saved)
	}
	if err := takeBodies(stepScriptBodies); err != nil {
		return saved, err
	}
	if saved < need {
		saved += p.shrinkImages(need - saved)
	}
	if truncate {
		if err := takeBodies(stepTruncate); err != nil {
			return saved, err
		}
	}
	return saved, nil
}

// trimBody removes or truncates one body and records the action. It returns
// the estimated compressed bytes saved.
func (p *pack) trimBody(it budgetItem) (int64, error) {
	i := it.entry
	in := &p.infos[i]
	key := [2]int{i, 0}
	if it.request {
		key[1] = 1
	}
	p.budget.done[key] = true
	ratio := p.ratio(i, it.request)
	size := it.size
	keep := 0
	action := "remove-body"
	var text string
	binary := false
	if it.request {
		binary = in.e.Request.PostData != nil && in.e.Request.PostData.Encoding == "base64"
	} else {
		binary = in.e.Response.Content.Encoding == "base64"
	}
	if it.step == stepTruncate && !binary {
		// Only a truncation needs the text; a removal needs its length.
		if it.request {
			text = p.doc.requestText(i)
		} else {
			text, _ = p.doc.responseText(i)
		}
		size = len(text)
		keep = safeCut(text, truncateAbove)
		action = "truncate-body"
	}
	removed := size - keep
	var newText string
	if keep > 0 {
		newText = text[:keep] + "\n…[truncated by Reprokit to meet the size budget: " + strconv.Itoa(removed) + " more bytes]"
	}
	// A struct, not a map: its members keep their order, so the bundle's
	// bytes are the same every time.
	marker := struct {
		Action       string `json:"action"`
		Step         int    `json:"step"`
		OriginalSize int    `json:"originalSize"`
	}{action, it.step, size}
	var path []string
	if it.request {
		path = []string{"request", "postData"}
	} else {
		path = []string{"response", "content"}
	}
	nv, err := editPath(p.doc.entryRaw(i), path, func(o *object) error {
		o.set("text", jsonString(newText))
		if keep == 0 && !it.request {
			// The text is gone; its encoding no longer applies.
			o.set("encoding", jsonString(""))
		}
		o.set("_reprokitTrimmed", jsonAny(marker))
		o.set("comment", jsonString(fmt.Sprintf("Reprokit: %s to meet the size budget (%d bytes originally)", strings.ReplaceAll(action, "-", " "), size)))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("trim the body of entry %d for the size budget: %w", i, err)
	}
	p.doc.setEntry(i, nv)
	if it.request {
		p.doc.reqLen[i] = len(newText)
		if pd := p.doc.entries[i].Request.PostData; pd != nil {
			pd.Text = newText
		}
	} else {
		p.doc.bodyLen[i] = len(newText)
		p.doc.entries[i].Response.Content.Text = newText
		if keep == 0 {
			p.doc.entries[i].Response.Content.Encoding = ""
		}
		p.doc.settleText(i)
	}
	p.budget.actions = append(p.budget.actions, BudgetAction{
		Step: it.step, Action: action, Entry: i, URL: shortURL(in.e.Request.URL, 300),
		Before: int64(size), After: int64(len(newText)),
	})
	saved := int64(float64(removed) * ratio)
	if !it.request && keep == 0 && p.reportPreview(i) {
		saved += int64(float64(min(removed, previewBytesBundle)) * ratio)
	}
	return saved, nil
}

// shrinkImages is step 3: screenshots recompressed to JPEG, then downscaled,
// then the screencast thinned, until need bytes are saved. Screenshots count
// twice: the report embeds them too.
func (p *pack) shrinkImages(need int64) int64 {
	var saved int64
	for pass := 0; pass < 2 && saved < need; pass++ {
		for i := range p.shots {
			if saved >= need {
				break
			}
			s := &p.shots[i]
			if s.shrunk != pass {
				continue
			}
			if pass == 0 && s.format != "png" {
				s.shrunk = 1 // already lossy: go straight to downscaling
				continue
			}
			img, _, err := image.Decode(bytes.NewReader(s.data))
			if err != nil {
				s.shrunk = 2
				continue
			}
			action := "recompress-screenshot"
			if pass == 1 {
				img = halve(img)
				action = "downscale-screenshot"
			}
			s.shrunk = pass + 1
			var buf bytes.Buffer
			if jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}) != nil || buf.Len() >= len(s.data) {
				continue
			}
			before := int64(len(s.data))
			oldName := s.name
			s.data = buf.Bytes()
			s.format = "jpeg"
			s.name = strings.TrimSuffix(s.name, pathExt(s.name)) + ".jpg"
			b := img.Bounds()
			s.width, s.height = b.Dx(), b.Dy()
			saved += 2 * (before - int64(len(s.data)))
			p.budget.actions = append(p.budget.actions, BudgetAction{
				Step: stepScreenshots, Action: action, Entry: -1, File: oldName, Before: before, After: int64(len(s.data)),
			})
		}
	}
	// The screencast: drop every other frame until it is small enough or a
	// few frames remain.
	for saved < need && len(p.cast) > 4 {
		var kept []shotFile
		var before, after int64
		for i, f := range p.cast {
			before += int64(len(f.data))
			if i%2 == 0 || i == len(p.cast)-1 {
				kept = append(kept, f)
				after += int64(len(f.data))
			}
		}
		p.budget.actions = append(p.budget.actions, BudgetAction{
			Step: stepScreenshots, Action: "thin-screencast", Entry: -1, File: "screencast/",
			Before: before, After: after,
		})
		saved += 2 * (before - after)
		p.cast = kept
	}
	return saved
}

func pathExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > strings.LastIndexByte(name, '/') {
		return name[i:]
	}
	return ""
}

// halve downscales an image by two with a 2×2 box filter.
func halve(src image.Image) image.Image {
	b := src.Bounds()
	w, h := max(b.Dx()/2, 1), max(b.Dy()/2, 1)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var r, g, bl, a uint32
			for dy := 0; dy < 2; dy++ {
				for dx := 0; dx < 2; dx++ {
					sx, sy := min(b.Min.X+2*x+dx, b.Max.X-1), min(b.Min.Y+2*y+dy, b.Max.Y-1)
					cr, cg, cb, ca := src.At(sx, sy).RGBA()
					r, g, bl, a = r+cr, g+cg, bl+cb, a+ca
				}
			}
			i := dst.PixOffset(x, y)
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = uint8(r>>10), uint8(g>>10), uint8(bl>>10), uint8(a>>10)
		}
	}
	return dst
}

// overBudgetMessage says plainly that a bundle is still too large.
func overBudgetMessage(size, limit int64) string {
	return fmt.Sprintf("The bundle is still over its %s budget (%s) after every allowed reduction: the rest is evidence Reprokit never removes (main documents, failed requests, what the findings point to). Share it as a cloud link, or record a shorter session.",
		HumanSize(limit), HumanSize(size))
}

// HumanSize formats a byte count as "25 MB", "312 KB" or "17 B" (1 MB = 2^20 bytes).
func HumanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 0, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// ParseSize parses a size such as "25MB", "25 MB", "500k", "1.5G" or a plain
// number of bytes. Units are powers of 1024. "0" is 0.
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "IB"), "B")
	mult := int64(1)
	if t != "" {
		switch t[len(t)-1] {
		case 'K':
			mult = 1 << 10
		case 'M':
			mult = 1 << 20
		case 'G':
			mult = 1 << 30
		}
		if mult > 1 {
			t = strings.TrimSpace(t[:len(t)-1])
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || f > 1<<50 {
		return 0, fmt.Errorf("invalid size %q: write it like 25MB, 500KB or 0 for no limit", s)
	}
	return int64(f * float64(mult)), nil
}
