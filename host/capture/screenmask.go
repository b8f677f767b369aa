package capture

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/chromedp/cdproto/target"

	"github.com/reprokit/reprokit/host/sanitize"
	"github.com/reprokit/reprokit/host/spool"
)

// MaskBox and Masks are the `masked` boxes of screenshots.json, a format
// the spool and the bundle share (host/spool).
type (
	MaskBox = spool.MaskBox
	Masks   = spool.Masks
)

// screenMatcher runs the default policy's detectors over what a page
// shows; one per process, since it keeps no state between calls.
var screenMatcher = sync.OnceValue(func() *sanitize.TextMatcher { return sanitize.NewTextMatcher(nil) })

// snapshotStyles are the computed styles the snapshot asks for: where the
// content box of an iframe starts inside its border box.
var snapshotStyles = []string{"border-left-width", "border-top-width", "padding-left", "padding-top"}

// domSnapshot is the part of DOMSnapshot.captureSnapshot's reply that the
// mask reads.
type domSnapshot struct {
	Documents []snapDocument `json:"documents"`
	Strings   []string       `json:"strings"`
}

type snapDocument struct {
	DocumentURL int     `json:"documentURL"`
	FrameID     int     `json:"frameId"`
	ScrollX     float64 `json:"scrollOffsetX"`
	ScrollY     float64 `json:"scrollOffsetY"`
	Nodes       struct {
		ParentIndex   []int     `json:"parentIndex"`
		NodeType      []int     `json:"nodeType"`
		NodeName      []int     `json:"nodeName"`
		NodeValue     []int     `json:"nodeValue"`
		BackendNodeID []int     `json:"backendNodeId"`
		Attributes    [][]int   `json:"attributes"`
		TextValue     rareValue `json:"textValue"`
		InputValue    rareValue `json:"inputValue"`
		ContentDoc    rareValue `json:"contentDocumentIndex"`
	} `json:"nodes"`
	Layout struct {
		NodeIndex []int       `json:"nodeIndex"`
		Styles    [][]int     `json:"styles"`
		Bounds    [][]float64 `json:"bounds"`
		Text      []int       `json:"text"`
	} `json:"layout"`
	TextBoxes struct {
		LayoutIndex []int       `json:"layoutIndex"`
		Bounds      [][]float64 `json:"bounds"`
		Start       []int       `json:"start"`
		Length      []int       `json:"length"`
	} `json:"textBoxes"`
}

// rareValue is DOMSnapshot's RareStringData and RareIntegerData.
type rareValue struct {
	Index []int `json:"index"`
	Value []int `json:"value"`
}

func (rv rareValue) lookup() map[int]int {
	m := make(map[int]int, len(rv.Index))
	for i, n := range rv.Index {
		if i < len(rv.Value) {
			m[n] = rv.Value[i]
		}
	}
	return m
}

// rect is a box in CSS pixels.
type rect struct{ x, y, w, h float64 }

func rectOf(b []float64) (rect, bool) {
	if len(b) < 4 || b[2] <= 0 || b[3] <= 0 {
		return rect{}, false
	}
	return rect{b[0], b[1], b[2], b[3]}, true
}

// phoneLabel is how a page labels a phone number in text or an input's
// attributes.
var phoneLabel = regexp.MustCompile(`(?i)phone|\btel\b|telephone|mobile|전화|휴대`)

// snapshotMatches is what one snapshot of a session's documents flags:
// boxes in the coordinates of the session's top document, and where each
// of its iframe owners (by backend node id) has its content box.
type snapshotMatches struct {
	url    string // the first document's URL
	boxes  []MaskBox
	frames map[int]rect // backend node id of an iframe -> content box
}

// flag runs the detectors over a DOMSnapshot and returns the boxes of
// what they flag, in the coordinates of the snapshot's first document
// (its layout viewport's top left is 0,0).
func flag(snap *domSnapshot, match *sanitize.TextMatcher) snapshotMatches {
	str := func(i int) string {
		if i >= 0 && i < len(snap.Strings) {
			return snap.Strings[i]
		}
		return ""
	}
	out := snapshotMatches{frames: map[int]rect{}}
	if len(snap.Documents) > 0 {
		out.url = str(snap.Documents[0].DocumentURL)
	}
	// offset of each document's layout coordinates in the first one's
	// viewport; documents of child frames follow their owner's
	offsets := make([]struct {
		x, y float64
		ok   bool
	}, len(snap.Documents))
	if len(snap.Documents) > 0 {
		offsets[0].x, offsets[0].y, offsets[0].ok = -snap.Documents[0].ScrollX, -snap.Documents[0].ScrollY, true
	}
	for di := range snap.Documents {
		doc := &snap.Documents[di]
		nodes := &doc.Nodes
		if !offsets[di].ok {
			continue // a frame whose owner has no layout: not on screen
		}
		ox, oy := offsets[di].x, offsets[di].y
		inputVals, textVals, contentDocs := nodes.InputValue.lookup(), nodes.TextValue.lookup(), nodes.ContentDoc.lookup()
		attr := func(n int, name string) string {
			if n >= len(nodes.Attributes) {
				return ""
			}
			a := nodes.Attributes[n]
			for i := 0; i+1 < len(a); i += 2 {
				if strings.EqualFold(str(a[i]), name) {
					return str(a[i+1])
				}
			}
			return ""
		}
		name := func(n int) string {
			if n < len(nodes.NodeName) {
				return strings.ToUpper(str(nodes.NodeName[n]))
			}
			return ""
		}
		// the text of each <label>, by the id it names and by its own index
		labelFor := map[string]string{}
		labelText := map[int]string{}
		for n := range nodes.ParentIndex {
			if nodes.NodeType[n] != 3 {
				continue
			}
			p := nodes.ParentIndex[n]
			for hops := 0; p >= 0 && hops < 3; hops++ {
				if name(p) == "LABEL" {
					labelText[p] += str(nodes.NodeValue[n])
					break
				}
				p = nodes.ParentIndex[p]
			}
		}
		for n, t := range labelText {
			if f := attr(n, "for"); f != "" {
				labelFor[f] += t
			}
		}
		inLabel := func(n int) string {
			for p, hops := nodes.ParentIndex[n], 0; p >= 0 && hops < 4; p, hops = nodes.ParentIndex[p], hops+1 {
				if name(p) == "LABEL" {
					return labelText[p]
				}
			}
			return ""
		}
		boxesOf := map[int][]int{} // layout index -> its text boxes
		for ti, li := range doc.TextBoxes.LayoutIndex {
			boxesOf[li] = append(boxesOf[li], ti)
		}
		add := func(r rect, kind string) {
			out.boxes = append(out.boxes, MaskBox{X: r.x + ox, Y: r.y + oy, Width: r.w, Height: r.h, Kind: kind})
		}
		prevText := ""
		for li, n := range doc.Layout.NodeIndex {
			if n < 0 || n >= len(nodes.ParentIndex) || li >= len(doc.Layout.Bounds) {
				continue
			}
			bounds, visible := rectOf(doc.Layout.Bounds[li])
			// where a frame's content starts inside its border box
			inset := func() (float64, float64) {
				if li >= len(doc.Layout.Styles) || len(doc.Layout.Styles[li]) < len(snapshotStyles) {
					return 0, 0
				}
				st := doc.Layout.Styles[li]
				f := func(i int) float64 { v, _ := strconv.ParseFloat(strings.TrimSuffix(str(st[i]), "px"), 64); return v }
				return f(0) + f(2), f(1) + f(3) // border + padding, left and top
			}
			if cd, ok := contentDocs[n]; ok && visible && cd < len(offsets) {
				ix, iy := inset()
				offsets[cd].x = bounds.x + ox + ix - snap.Documents[cd].ScrollX
				offsets[cd].y = bounds.y + oy + iy - snap.Documents[cd].ScrollY
				offsets[cd].ok = true
			}
			if el := name(n); (el == "IFRAME" || el == "FRAME") && visible && n < len(nodes.BackendNodeID) {
				ix, iy := inset()
				out.frames[nodes.BackendNodeID[n]] = rect{bounds.x + ox + ix, bounds.y + oy + iy, bounds.w, bounds.h}
			}
			if !visible {
				continue
			}
			switch {
			case nodes.NodeType[n] == 3: // text
				text := ""
				if li < len(doc.Layout.Text) {
					text = str(doc.Layout.Text[li])
				}
				if text == "" {
					text = str(nodes.NodeValue[n])
				}
				if strings.TrimSpace(text) == "" {
					continue
				}
				// labelled by its own words, or by the text before it
				// when that is only a label ("Phone:")
				phone := phoneLabel.MatchString(text) || phoneLabel.MatchString(prevText) && len(strings.TrimSpace(prevText)) <= 24 && !strings.ContainsAny(prevText, "0123456789")
				if p := nodes.ParentIndex[n]; p >= 0 && phoneLabel.MatchString(attr(p, "itemprop")+" "+attr(p, "class")+" "+attr(p, "aria-label")) {
					phone = true
				}
				if name(nodes.ParentIndex[n]) == "A" && strings.HasPrefix(strings.ToLower(attr(nodes.ParentIndex[n], "href")), "tel:") {
					phone = true
				}
				prevText = text
				for _, m := range match.Match(text, phone) {
					for _, r := range textRects(doc, boxesOf[li], text, m, bounds) {
						add(r, m.Kind)
					}
				}
			default:
				v, isInput := inputVals[n]
				if !isInput {
					v, isInput = textVals[n]
				}
				if !isInput || str(v) == "" {
					continue
				}
				typ := strings.ToLower(attr(n, "type"))
				if typ == "password" || typ == "hidden" || typ == "checkbox" || typ == "radio" {
					continue // passwords are masked by the style
				}
				value := str(v)
				label := attr(n, "name") + " " + attr(n, "id") + " " + attr(n, "aria-label") + " " + attr(n, "placeholder") + " " + attr(n, "autocomplete") + " " + labelFor[attr(n, "id")] + " " + inLabel(n)
				phone := typ == "tel" || phoneLabel.MatchString(label)
				// the field's name gives the keyword rules their key
				// ("api_key" = a token), as a form post would
				key := attr(n, "name")
				if key == "" {
					key = attr(n, "id")
				}
				probe := value
				if key != "" {
					probe = key + "=" + value
				}
				ms := match.Match(probe, phone)
				if len(ms) == 0 && key != "" {
					ms = match.Match(value, phone)
				}
				if len(ms) > 0 {
					add(bounds, ms[0].Kind)
				}
			}
		}
	}
	return out
}

// textRects returns the boxes of the line fragments of a text node that
// hold the match m (whole fragments: the width of a run of characters is
// not known), or the node's box when its fragments are not known.
func textRects(doc *snapDocument, boxes []int, text string, m sanitize.TextMatch, node rect) []rect {
	if len(boxes) == 0 {
		return []rect{node}
	}
	// text box offsets count UTF-16 code units
	u16 := func(byteOff int) int {
		n := 0
		for i, c := range text {
			if i >= byteOff {
				break
			}
			n += len(utf16.Encode([]rune{c}))
		}
		return n
	}
	start, end := m.Start, m.End
	if !utf8.ValidString(text) {
		start, end = 0, len(text)
	}
	s, e := u16(start), u16(end)
	var out []rect
	for _, ti := range boxes {
		if ti >= len(doc.TextBoxes.Start) || ti >= len(doc.TextBoxes.Length) || ti >= len(doc.TextBoxes.Bounds) {
			continue
		}
		bs, bl := doc.TextBoxes.Start[ti], doc.TextBoxes.Length[ti]
		if bs < e && bs+bl > s {
			if r, ok := rectOf(doc.TextBoxes.Bounds[ti]); ok {
				// a glyph may reach a little outside its box, and the
				// lines of a wrapped value leave gaps between them
				out = append(out, rect{r.x - 1, r.y - 2, r.w + 2, r.h + 4})
			}
		}
	}
	if len(out) == 0 {
		return []rect{node}
	}
	return out
}

// screenFlags takes a snapshot of the tab and of each of its
// out-of-process frames and returns the boxes of what the detectors flag,
// in CSS pixels of the tab's layout viewport, and the tab's URL.
func (r *Recorder) screenFlags(ctx context.Context, root target.SessionID) ([]MaskBox, string, error) {
	params := map[string]any{"computedStyles": snapshotStyles, "includeDOMRects": false}
	snapOf := func(sid target.SessionID) (*snapshotMatches, error) {
		res, err := r.conn.Call(ctx, sid, "DOMSnapshot.captureSnapshot", params, false)
		if err != nil {
			return nil, err
		}
		var snap domSnapshot
		if err := json.Unmarshal(res, &snap); err != nil {
			return nil, fmt.Errorf("read the page snapshot: %w", err)
		}
		m := flag(&snap, r.matcher)
		return &m, nil
	}
	type frameInfo struct {
		sid    target.SessionID
		frame  target.ID
		parent target.SessionID
	}
	r.mu.Lock()
	var frames []frameInfo
	for sid, si := range r.sessions {
		if si.typ == "iframe" {
			frames = append(frames, frameInfo{sid, si.targetID, si.parent})
		}
	}
	r.mu.Unlock()
	type result struct {
		m     *snapshotMatches
		owner int
		err   error
	}
	results := make([]result, len(frames))
	var wg sync.WaitGroup
	for i, f := range frames {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var owner struct {
				BackendNodeID int `json:"backendNodeId"`
			}
			res, err := r.conn.Call(ctx, f.parent, "DOM.getFrameOwner", map[string]any{"frameId": f.frame}, false)
			if err == nil {
				err = json.Unmarshal(res, &owner)
			}
			results[i].owner = owner.BackendNodeID
			if err != nil {
				results[i].err = err
				return
			}
			results[i].m, results[i].err = snapOf(f.sid)
		}()
	}
	top, err := snapOf(root)
	wg.Wait()
	if err != nil {
		return nil, "", err
	}
	// place each frame's boxes in the tab's viewport through its owner
	// in its parent's snapshot
	bySession := map[target.SessionID]*snapshotMatches{root: top}
	offset := map[target.SessionID][2]float64{root: {0, 0}}
	placed := true
	for placed {
		placed = false
		for i, f := range frames {
			if _, done := offset[f.sid]; done || results[i].m == nil {
				continue
			}
			po, ok := offset[f.parent]
			if !ok {
				continue
			}
			own, ok := bySession[f.parent].frames[results[i].owner]
			if !ok {
				offset[f.sid] = [2]float64{math.NaN(), math.NaN()} // not on screen
				placed = true
				continue
			}
			offset[f.sid] = [2]float64{po[0] + own.x, po[1] + own.y}
			bySession[f.sid] = results[i].m
			placed = true
		}
	}
	boxes := append([]MaskBox(nil), top.boxes...)
	for i, f := range frames {
		o, ok := offset[f.sid]
		if results[i].err != nil {
			// a frame that cannot be read cannot be checked: hide it whole
			if po, ok := offset[f.parent]; ok && !math.IsNaN(po[0]) {
				if p := bySession[f.parent]; p != nil {
					if own, ok := p.frames[results[i].owner]; ok {
						boxes = append(boxes, MaskBox{X: po[0] + own.x, Y: po[1] + own.y, Width: own.w, Height: own.h, Kind: "frame"})
					}
				}
			}
			continue
		}
		if !ok || math.IsNaN(o[0]) {
			continue
		}
		for _, b := range results[i].m.boxes {
			b.X += o[0]
			b.Y += o[1]
			boxes = append(boxes, b)
		}
	}
	return boxes, top.url, nil
}

// screenRead is what the tab shows, read right before a capture.
type screenRead struct {
	boxes []MaskBox // what the detectors flag, layout-viewport CSS pixels
	vp    viewport
	url   string // the tab's document
}

// readScreen reads, at once, what the tab shows that the detectors flag,
// where its visual viewport is and its document's URL.
func (r *Recorder) readScreen(ctx context.Context, root target.SessionID) (screenRead, error) {
	var sr screenRead
	var vpErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		res, err := r.conn.Call(ctx, root, "Page.getLayoutMetrics", nil, false)
		if err != nil {
			vpErr = err
			return
		}
		var m struct {
			CSSVisualViewport viewport `json:"cssVisualViewport"`
		}
		vpErr = json.Unmarshal(res, &m)
		sr.vp = m.CSSVisualViewport
	}()
	var err error
	sr.boxes, sr.url, err = r.screenFlags(ctx, root)
	<-done
	if err == nil {
		err = vpErr
	}
	return sr, err
}
