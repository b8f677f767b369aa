package bundle

import (
	"context"
	"strings"
	"testing"
)

// A frame of the review is made from events alone (full snapshot, then
// mutations applied in rrweb's order) and keeps nothing that runs or
// loads: the hostile parts of this page are all left out.
func TestReviewFrameAppliesMutationsAndKeepsNothingActive(t *testing.T) {
	dom := `{"format":"rrweb","tabs":[{"target":"T","events":[
	 {"type":4,"data":{"href":"https://app.example.com/","width":1024,"height":700},"timestamp":1000},
	 {"type":2,"data":{"node":{"type":0,"id":1,"childNodes":[
	  {"type":1,"id":2,"name":"html","publicId":"","systemId":""},
	  {"type":2,"id":3,"tagName":"html","attributes":{},"childNodes":[
	   {"type":2,"id":4,"tagName":"head","attributes":{},"childNodes":[
	    {"type":2,"id":5,"tagName":"style","attributes":{"_cssText":"body{background:url(https://evil.example/x.png)} @import 'https://evil.example/a.css'; </style><script>x()</script>"},"childNodes":[]},
	    {"type":2,"id":6,"tagName":"meta","attributes":{"http-equiv":"refresh","content":"0;url=https://evil.example/"},"childNodes":[]},
	    {"type":2,"id":7,"tagName":"link","attributes":{"rel":"prefetch","href":"https://evil.example/p"},"childNodes":[]}]},
	   {"type":2,"id":8,"tagName":"body","attributes":{"onload":"x()"},"childNodes":[
	    {"type":2,"id":9,"tagName":"h1","attributes":{"id":"status"},"childNodes":[{"type":3,"id":10,"textContent":"Ready"}]},
	    {"type":2,"id":11,"tagName":"img","attributes":{"src":"https://evil.example/t.gif","srcset":"https://evil.example/2x.gif 2x","onerror":"x()"},"childNodes":[]},
	    {"type":2,"id":12,"tagName":"a","attributes":{"href":"javascript:x()","style":"background:url('https://evil.example/b')"},"childNodes":[{"type":3,"id":13,"textContent":"<b>link</b>"}]},
	    {"type":2,"id":14,"tagName":"iframe","attributes":{"srcdoc":"<script>x()</script>","width":"300","height":"150"},"childNodes":[]},
	    {"type":2,"id":15,"tagName":"script","attributes":{},"childNodes":[{"type":3,"id":16,"textContent":"x()"}]},
	    {"type":2,"id":17,"tagName":"div","attributes":{"rr_width":"200px","rr_height":"50px"},"childNodes":[]},
	    {"type":2,"id":18,"tagName":"input","attributes":{"type":"text","value":""},"childNodes":[]}]}]}]},"initialOffset":{"left":0,"top":0}},"timestamp":1001},
	 {"type":3,"data":{"source":0,"texts":[{"id":10,"value":"Upload failed"}],"attributes":[{"id":9,"attributes":{"class":"bad","onclick":"x()"}}],"removes":[{"parentId":8,"id":15}],
	   "adds":[{"parentId":8,"nextId":21,"node":{"type":2,"id":20,"tagName":"p","attributes":{},"childNodes":[{"type":3,"id":22,"textContent":"first"}]}},
	           {"parentId":8,"nextId":null,"node":{"type":2,"id":21,"tagName":"p","attributes":{},"childNodes":[{"type":3,"id":23,"textContent":"second"}]}}]},"timestamp":2000},
	 {"type":3,"data":{"source":5,"id":18,"text":"*****","isChecked":false},"timestamp":2500}]}]}`
	rv := ReviewDOM([]byte(dom))
	if rv == nil || rv.First == nil || rv.Last == nil {
		t.Fatalf("review: %+v", rv)
	}
	if rv.Events != 4 || rv.Tabs != 1 || rv.DurationMs != 1500 || rv.First.Width != 1024 || rv.Last.URL != "https://app.example.com/" {
		t.Errorf("review: %+v", rv)
	}
	if !strings.Contains(rv.First.HTML, ">Ready</h1>") || strings.Contains(rv.First.HTML, "Upload failed") {
		t.Errorf("first frame:\n%s", rv.First.HTML)
	}
	last := rv.Last.HTML
	for _, want := range []string{`<h1 class="bad" id="status">Upload failed</h1>`, "<p>first</p><p>second</p>", `value="*****"`, "&lt;b&gt;link&lt;/b&gt;", `data-blocked="1"`, "width:300px;height:150px"} {
		if !strings.Contains(last, want) {
			t.Errorf("last frame lacks %s:\n%s", want, last)
		}
	}
	if n := strings.Count(last, "</style>"); n != 1 {
		t.Errorf("the frame has %d </style>, want the one that ends the page's", n)
	}
	if !strings.HasPrefix(last, frameCSP) {
		t.Errorf("the frame does not start with its CSP")
	}
	for _, bad := range []string{"evil.example", "<script", "javascript:", "onerror", "onload", "onclick", "srcdoc", "srcset", "@import", "refresh", "<iframe"} {
		if strings.Contains(last, bad) {
			t.Errorf("the frame keeps %q:\n%s", bad, last)
		}
	}
}

func TestReviewOfNoReplay(t *testing.T) {
	for _, in := range []string{"", "not json", `{"tabs":[]}`, `{"tabs":[{"events":[]}]}`} {
		if rv := ReviewDOM([]byte(in)); rv != nil {
			t.Errorf("ReviewDOM(%q) = %+v, want nil", in, rv)
		}
	}
}

// The writer's report plays the pack's sanitized dom.json unless the
// reporter dropped it; bundle.json's excluded says when they did.
func TestTheBundlesReportPlaysTheReplayUnlessDropped(t *testing.T) {
	dom := []byte(`{"format":"rrweb","tabs":[{"target":"T","events":[
	 {"type":4,"data":{"href":"https://app.example.com/","width":800,"height":600},"timestamp":1000},
	 {"type":2,"data":{"node":{"type":0,"id":1,"childNodes":[]},"initialOffset":{"left":0,"top":0}},"timestamp":1001}]}]}`)
	for _, drop := range []bool{false, true} {
		p, err := newPack(context.Background(), makeSpool(t, sampleSession(t)), Options{DropDOMReplay: drop})
		if err != nil {
			t.Fatal(err)
		}
		p.domJSON = dom // as the writer sets it once dom.json is sanitized
		d := p.reportData(&Manifest{})
		if (d.DOM == nil) != drop {
			t.Errorf("drop %v: the report's replay is %+v", drop, d.DOM)
		}
		if got := p.excludedSummary().DOMReplay; got != drop {
			t.Errorf("drop %v: excluded.domReplay is %v", drop, got)
		}
		p.close()
	}
}
