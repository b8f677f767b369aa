package recording

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/chromedp/cdproto/target"

	"github.com/reprokit/reprokit/host/capture"
)

// missedJS counts what the page loaded before the recorder attached, from
// its Performance timeline: the document and its resources, their bytes on
// the wire (0 for cross-origin resources without Timing-Allow-Origin).
const missedJS = `JSON.stringify((() => {
  const nav = performance.getEntriesByType('navigation');
  const res = performance.getEntriesByType('resource');
  let bytes = 0, sockets = 0, xhr = 0;
  for (const e of [...nav, ...res]) bytes += e.transferSize || 0;
  for (const e of res) { if (e.initiatorType === 'xmlhttprequest' || e.initiatorType === 'fetch') xhr++; }
  return {doc: nav.length, resources: res.length, xhr, bytes, url: location.href};
})())`

// attachNote is the note printed when attaching to a tab without --reload:
// it names what the recording misses (from the page's Performance
// timeline), so the user can judge whether to reload.
func attachNote(ctx context.Context, conn *capture.Conn, session target.SessionID) string {
	const plain = "note: requests the tab made before attaching are not recorded; reload the page now, or pass --reload next time"
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	res, err := conn.Call(ctx, session, "Runtime.evaluate", map[string]any{"expression": missedJS, "returnByValue": true}, false)
	if err != nil {
		return plain
	}
	var out struct {
		Result struct {
			Value string `json:"value"`
		} `json:"result"`
	}
	var m struct {
		Doc, Resources, XHR int
		Bytes               int64
		URL                 string
	}
	if json.Unmarshal(res, &out) != nil || json.Unmarshal([]byte(out.Result.Value), &m) != nil {
		return plain
	}
	if m.Doc == 0 && m.Resources == 0 {
		return plain
	}
	size := ""
	if m.Bytes > 0 {
		size = fmt.Sprintf(", %.0f KB", float64(m.Bytes)/1024)
	}
	return fmt.Sprintf("note: the tab had already loaded its page and %d resource(s) (%d fetch/XHR%s) before attaching: none of them are in the recording; reload the page now, or pass --reload next time, if the problem involves them", m.Resources, m.XHR, size)
}
