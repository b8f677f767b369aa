package capture

import (
	"sort"
	"strings"

	"github.com/reprokit/reprokit/host/har"
)

// harPage is one main-frame navigation of a tab or popup.
type harPage struct {
	seq       int
	session   string
	loaderID  string
	url       string
	title     string
	startWall float64
	startMono float64 // 0 when unknown
	offset    float64 // wall - monotonic for this page's times
	hasOffset bool

	onContentMono, onLoadMono float64
	id                        string
	startedBy                 navInitiator
}

// navInitiator says who started a navigation, when the log tells.
type navInitiator uint8

const (
	navUnknown   navInitiator = iota
	navByBrowser              // typed URL, Page.navigate, reload from the browser UI
	navByPage                 // link, form, script: the renderer requested it
)

// mainFrameNavigated starts a page when the main frame of a tab or popup
// commits a navigation.
func (b *harBuilder) mainFrameNavigated(m *logMessage, f cdpFrame) {
	s := b.session(m.SessionID)
	if !s.pageLike {
		return
	}
	b.frameNavSd[m.SessionID] = true
	if cur := b.currentPage(m.SessionID); cur != nil && f.LoaderID != "" && cur.loaderID == f.LoaderID {
		cur.url = f.URL
		return
	}
	b.seq++
	key := m.SessionID + "\x00" + f.ID
	p := &harPage{seq: b.seq, session: m.SessionID, loaderID: f.LoaderID, url: f.URL, startedBy: b.navStarts[key]}
	delete(b.navStarts, key)
	if main := b.docRequest(m.SessionID, f.LoaderID); main != nil {
		b.startPageAt(p, main)
	} else {
		p.startWall = m.Time
		if p.startWall == 0 {
			p.startWall = b.globalWall(b.lastMono)
		}
	}
	b.pages = append(b.pages, p)
}

// docRequest finds the first hop of the navigation request with this loader.
func (b *harBuilder) docRequest(session, loaderID string) *hop {
	if loaderID == "" {
		return nil
	}
	for i := len(b.docs) - 1; i >= 0; i-- {
		if h := b.docs[i]; h.loaderID == loaderID {
			return h.chain.hops[0]
		}
	}
	return nil
}

func (b *harBuilder) startPageAt(p *harPage, main *hop) {
	p.startMono = main.issueTime
	p.startWall = b.wallOf(main, main.issueTime)
	if main.wallTime > 0 {
		p.offset, p.hasOffset = main.wallTime-main.issueTime, true
	} else if main.issueTime == 0 {
		p.startWall = main.msgTime
	}
}

// currentPage is the latest page of a session.
func (b *harBuilder) currentPage(session string) *harPage {
	for i := len(b.pages) - 1; i >= 0; i-- {
		if b.pages[i].session == session {
			return b.pages[i]
		}
	}
	return nil
}

// setTitle gives a page its title: the latest page of the session with this
// URL, or the latest page when no URL is given or none matches.
func (b *harBuilder) setTitle(session, url, title string) {
	// Chromium names an untitled page by its URL without the scheme: that
	// is no title.
	if title == "" || title == url || strings.HasSuffix(url, "://"+title) {
		return
	}
	session = b.pageSession(session)
	var latest *harPage
	for i := len(b.pages) - 1; i >= 0; i-- {
		p := b.pages[i]
		if p.session != session {
			continue
		}
		if latest == nil {
			latest = p
		}
		if url == "" || p.url == url {
			p.title = title
			return
		}
	}
	if latest != nil && url == "" {
		latest.title = title
	}
}

// fallbackPages makes pages from document requests for tabs whose log has no
// Page events (event dumps of other tools): each navigation of the tab's
// first document frame is a page.
func (b *harBuilder) fallbackPages() {
	mainFrame := map[string]string{}
	for _, h := range b.docs {
		s := b.session(h.session)
		if !s.pageLike || b.frameNavSd[h.session] || h.chain.hops[0] != h {
			continue
		}
		mf, ok := mainFrame[h.session]
		if !ok {
			mf = h.frameID
			mainFrame[h.session] = mf
		}
		if h.frameID != mf {
			continue
		}
		p := &harPage{seq: h.seq, session: h.session, loaderID: h.loaderID, url: h.url}
		b.startPageAt(p, h)
		b.pages = append(b.pages, p)
	}
}

// sortPages adds the fallback pages and puts the pages in start order.
func (b *harBuilder) sortPages() {
	b.fallbackPages()
	sort.SliceStable(b.pages, func(i, j int) bool {
		if b.pages[i].startWall != b.pages[j].startWall {
			return b.pages[i].startWall < b.pages[j].startWall
		}
		return b.pages[i].seq < b.pages[j].seq
	})
}

// harPages numbers and converts the pages that have entries: like DevTools,
// a page without a request (an initial about:blank) is not listed.
func (b *harBuilder) harPages(used map[*harPage]bool) []har.Page {
	out := make([]har.Page, 0, len(b.pages))
	for _, p := range b.pages {
		if !used[p] {
			continue
		}
		p.id = "page_" + itoa(len(out)+1)
		title := p.title
		if title == "" {
			title = p.url
		}
		var target string
		if s := b.sessions[p.session]; s != nil && s.pageLike {
			target = s.target.TargetID
		}
		out = append(out, har.Page{
			StartedDateTime: isoTime(p.startWall),
			ID:              p.id,
			Title:           title,
			TargetID:        target,
			PageTimings: har.PageTimings{
				OnContentLoad: b.pageEventTime(p, p.onContentMono),
				OnLoad:        b.pageEventTime(p, p.onLoadMono),
			},
		})
	}
	return out
}

// pageEventTime is milliseconds from the page start, or -1.
func (b *harBuilder) pageEventTime(p *harPage, mono float64) float64 {
	if mono == 0 {
		return -1
	}
	if p.startMono > 0 {
		return roundMs((mono - p.startMono) * 1000)
	}
	if !b.clockKnown {
		return -1
	}
	return roundMs((b.globalWall(mono) - p.startWall) * 1000)
}

// pageFor returns the page of a hop: the page of its loader, else the
// latest page of its tab that started before it; nil when none.
func (b *harBuilder) pageFor(h *hop) *harPage {
	ps := b.pageSession(h.session)
	var latest *harPage
	for _, p := range b.pages {
		if p.session != ps {
			continue
		}
		if h.loaderID != "" && p.loaderID == h.loaderID {
			return p
		}
		if p.startWall <= h.startWall+0.0005 {
			latest = p
		}
	}
	return latest
}
