package bundle

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/reprokit/reprokit/host/har"
)

// readOpts accept what real HARs contain: invalid UTF-8 in bodies and
// duplicate names.
var readOpts = json.JoinOptions(jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))

// keepTextBelow: parsed entries keep bodies up to this size; larger bodies
// are read back from the raw entry when needed, so that a 100 MB HAR is not
// held twice.
// (A variable for tests.)
var keepTextBelow = 256 << 10

// harDoc is a HAR held as raw JSON, so that rewriting it (the budget, the
// domain exclusion) keeps every field it does not know, with each entry also
// decoded into [har.Entry] for analysis.
type harDoc struct {
	top     []member         // members of the root object; "log" holds nothing (see logMembers)
	log     []member         // members of "log"; "entries" holds nothing (see raw)
	raw     []jsontext.Value // log.entries as written; nil: in file (see entryRaw)
	entries []har.Entry      // decoded; large bodies emptied (see bodyLen)
	bodyLen []int            // length of response.content.text of each entry
	reqLen  []int            // length of request.postData.text of each entry
	warn    []string         // entries that could not be fully decoded

	bt        *bodyText
	entryOpts json.Options
	// strictOpts refuse duplicate names: a file-backed document locates
	// the bodies of entries that decode with them (see placeEntry).
	strictOpts json.Options

	// A document parsed with [parseHARFile] holds its entries in a file
	// (see hardoc_file.go) instead of in raw.
	fileStore

	// maxHeld, when not 0, caps held: what the decoded entries hold in
	// memory (an entry as written, less the bodies that stay in the file).
	// [Open] sets it (see MaxHeldEntries).
	maxHeld, held int64
	// badUTF8 counts the entries that hold invalid UTF-8.
	badUTF8 int
}

type member struct {
	name  string
	value jsontext.Value
}

// parseHAR reads a HAR. It accepts any root object with a "log" member; an
// entry that does not decode into [har.Entry] is kept raw with a warning.
func parseHAR(r io.Reader) (*harDoc, error) {
	d := &harDoc{}
	if err := d.parse(r); err != nil {
		return nil, err
	}
	return d, nil
}

// parse reads the HAR from r into d.
func (d *harDoc) parse(r io.Reader) error {
	dec := jsontext.NewDecoder(r, readOpts)
	if tok, err := dec.ReadToken(); err == io.EOF {
		return fmt.Errorf("not a HAR file: the file is empty")
	} else if err != nil {
		return fmt.Errorf("not a HAR file: %w", err)
	} else if tok.Kind() != '{' {
		return fmt.Errorf("not a HAR file: the file is not a JSON object")
	}
	sawLog := false
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return fmt.Errorf("read the HAR: %w", err)
		}
		name := tok.String()
		if name != "log" || sawLog {
			v, err := dec.ReadValue()
			if err != nil {
				return fmt.Errorf("read the HAR member %q: %w", name, err)
			}
			d.top = append(d.top, member{name, v.Clone()})
			continue
		}
		sawLog = true
		d.top = append(d.top, member{name: "log"})
		if err := d.parseLog(dec); err != nil {
			return err
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return fmt.Errorf("read the HAR: %w", err)
	}
	if !sawLog {
		return fmt.Errorf("not a HAR file: no \"log\" object at the top")
	}
	return nil
}

func (d *harDoc) parseLog(dec *jsontext.Decoder) error {
	if tok, err := dec.ReadToken(); err != nil {
		return fmt.Errorf("read the HAR log: %w", err)
	} else if tok.Kind() != '{' {
		return fmt.Errorf("not a HAR file: \"log\" is not an object")
	}
	sawEntries := false
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return fmt.Errorf("read the HAR log: %w", err)
		}
		name := tok.String()
		if name != "entries" || sawEntries {
			v, err := dec.ReadValue()
			if err != nil {
				return fmt.Errorf("read the HAR log member %q: %w", name, err)
			}
			d.log = append(d.log, member{name, v.Clone()})
			continue
		}
		sawEntries = true
		d.log = append(d.log, member{name: "entries"})
		if dec.PeekKind() == 'n' {
			dec.ReadToken()
			continue
		}
		if tok, err := dec.ReadToken(); err != nil {
			return fmt.Errorf("read the HAR entries: %w", err)
		} else if tok.Kind() != '[' {
			return fmt.Errorf("not a HAR file: \"log.entries\" is not an array")
		}
		for dec.PeekKind() != ']' {
			v, err := dec.ReadValue()
			if err != nil {
				return fmt.Errorf("read HAR entry %d: %w", len(d.raw), err)
			}
			if v.Kind() != '{' {
				return fmt.Errorf("HAR entry %d is not an object", len(d.raw))
			}
			if d.file != nil {
				d.addEntry(v, dec.InputOffset()-int64(len(v)))
			} else {
				d.addEntry(v.Clone(), 0)
			}
			if d.maxHeld > 0 && d.held > d.maxHeld {
				return fmt.Errorf("the HAR's entries hold more than %s besides their large bodies (at entry %d): more than Reprokit reads", HumanSize(d.maxHeld), len(d.raw)-1)
			}
		}
		dec.ReadToken()
	}
	_, err := dec.ReadToken()
	if err != nil {
		return fmt.Errorf("read the HAR log: %w", err)
	}
	if !sawEntries {
		d.log = append(d.log, member{name: "entries"})
	}
	return nil
}

// bodyText decodes the "text" member of a content or postData object: a
// body up to keepTextBelow is unquoted; a larger one only has its length
// taken (of the quoted form), so that a 100 MB HAR is not decoded twice.
// The full text is read back from the raw entry when needed.
type bodyText struct {
	resp, req int // lengths of the bodies left raw, -1 when decoded
	// respAt, respEnd locate the response text's JSON string in the
	// entry (0, 0: none); quoted is the length of the last string taken.
	respAt, respEnd int64
	quoted          int
}

func (bt *bodyText) take(dec *jsontext.Decoder, dst *string, n *int) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	if v.Kind() != '"' {
		return nil
	}
	bt.quoted = len(v)
	if len(v) <= keepTextBelow+2 {
		b, err := jsontext.AppendUnquote(nil, v)
		if err != nil {
			return err
		}
		*dst = string(b)
		return nil
	}
	*n = len(v) - 2
	return nil
}

// unmarshalers decode har.Content and har.PostData with [bodyText].
func (bt *bodyText) unmarshalers() json.Options {
	member := func(dec *jsontext.Decoder, each func(name string) error) error {
		if dec.PeekKind() != '{' {
			return json.SkipFunc
		}
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		for dec.PeekKind() != '}' {
			tok, err := dec.ReadToken()
			if err != nil {
				return err
			}
			if err := each(tok.String()); err != nil {
				return err
			}
		}
		_, err := dec.ReadToken()
		return err
	}
	field := func(dec *jsontext.Decoder, v any) error {
		if err := json.UnmarshalDecode(dec, v, readOpts); err != nil {
			// A field of an odd type (Firefox, hand-made HARs) is skipped,
			// not fatal.
			if _, ok := err.(*json.SemanticError); ok {
				return nil
			}
			return err
		}
		return nil
	}
	content := json.UnmarshalFromFunc(func(dec *jsontext.Decoder, c *har.Content) error {
		return member(dec, func(name string) error {
			switch name {
			case "text":
				bt.quoted = 0
				err := bt.take(dec, &c.Text, &bt.resp)
				bt.respEnd = dec.InputOffset()
				bt.respAt = bt.respEnd - int64(bt.quoted)
				return err
			case "size":
				return field(dec, &c.Size)
			case "compression":
				return field(dec, &c.Compression)
			case "mimeType":
				return field(dec, &c.MimeType)
			case "encoding":
				return field(dec, &c.Encoding)
			case "comment":
				return field(dec, &c.Comment)
			}
			return dec.SkipValue()
		})
	})
	post := json.UnmarshalFromFunc(func(dec *jsontext.Decoder, pd *har.PostData) error {
		return member(dec, func(name string) error {
			switch name {
			case "text":
				return bt.take(dec, &pd.Text, &bt.req)
			case "mimeType":
				return field(dec, &pd.MimeType)
			case "params":
				return field(dec, &pd.Params)
			case "_encoding":
				return field(dec, &pd.Encoding)
			case "comment":
				return field(dec, &pd.Comment)
			}
			return dec.SkipValue()
		})
	})
	// A websocket close whose code is not a number (a sanitizer tag) must
	// not lose the entry's frames.
	wsClose := json.UnmarshalFromFunc(func(dec *jsontext.Decoder, c *har.WebSocketClose) error {
		return member(dec, func(name string) error {
			switch name {
			case "time":
				return field(dec, &c.Time)
			case "error":
				return field(dec, &c.Error)
			case "closed":
				return field(dec, &c.Closed)
			case "code":
				return field(dec, &c.Code)
			case "reason":
				return field(dec, &c.Reason)
			}
			return dec.SkipValue()
		})
	})
	return json.WithUnmarshalers(json.JoinUnmarshalers(content, post, wsClose))
}

// addEntry decodes one entry; off is where raw starts in the file of a
// file-backed document, which keeps its place instead of the bytes.
func (d *harDoc) addEntry(raw jsontext.Value, off int64) {
	if d.bt == nil {
		d.bt = &bodyText{}
		d.entryOpts = json.JoinOptions(readOpts, d.bt.unmarshalers())
		d.strictOpts = json.JoinOptions(d.entryOpts, jsontext.AllowDuplicateNames(false))
	}
	d.bt.resp, d.bt.req = -1, -1
	d.bt.respAt, d.bt.respEnd = 0, 0
	var e har.Entry
	// With a name twice, which of the two a reader of the raw entry finds
	// is not the one decoded: such an entry is not located (placeEntry).
	strict := d.file != nil && json.Unmarshal(raw, &e, d.strictOpts) == nil
	if !strict {
		e = har.Entry{}
		d.bt.resp, d.bt.req = -1, -1
		d.bt.respAt, d.bt.respEnd = 0, 0
		if err := json.Unmarshal(raw, &e, d.entryOpts); err != nil {
			// Keep what decodes leniently: a Firefox or hand-made HAR with
			// an odd field must still show.
			d.warn = append(d.warn, fmt.Sprintf("entry %d: %v", len(d.raw), err))
			e = lenientEntry(raw)
			d.bt.resp, d.bt.req = -1, -1
		}
		d.bt.respAt, d.bt.respEnd = 0, 0
	}
	if !utf8.Valid(raw) {
		d.invalidUTF8(raw, len(d.raw))
	}
	bl := len(e.Response.Content.Text)
	if d.bt.resp >= 0 {
		bl = d.bt.resp
	}
	d.bodyLen = append(d.bodyLen, bl)
	rl := 0
	if e.Request.PostData != nil {
		rl = len(e.Request.PostData.Text)
		if d.bt.req >= 0 {
			rl = d.bt.req
		}
	}
	d.reqLen = append(d.reqLen, rl)
	if d.file != nil {
		d.raw = append(d.raw, nil)
		d.placeEntry(raw, off, &e)
	} else {
		d.raw = append(d.raw, raw)
	}
	if d.maxHeld > 0 {
		// what stays in memory: the entry less its bodies, plus the
		// decoded bodies it keeps
		d.held += int64(len(raw)-bl-rl+len(e.Response.Content.Text)) + 512
		if e.Request.PostData != nil {
			d.held += int64(len(e.Request.PostData.Text))
		}
		if d.file == nil {
			d.held += int64(bl + rl)
		}
	}
	d.entries = append(d.entries, e)
}

// maxUTF8Warnings is how many entries with invalid UTF-8 are named one by
// one; the rest are counted in the last warning.
const maxUTF8Warnings = 20

// invalidUTF8 warns that entry i holds bytes that are not UTF-8, naming
// the first field that does (a JSON pointer in the entry): the readers show
// them as U+FFFD, which must not pass for what was recorded.
func (d *harDoc) invalidUTF8(raw jsontext.Value, i int) {
	d.badUTF8++
	switch {
	case d.badUTF8 <= maxUTF8Warnings:
		var where []string
		dec := jsontext.NewDecoder(bytes.NewReader(raw), readOpts)
		for len(where) < 5 {
			if dec.PeekKind() != '"' {
				if _, err := dec.ReadToken(); err != nil {
					break
				}
				continue
			}
			v, err := dec.ReadValue() // raw: the bytes as written
			if err != nil {
				break
			}
			if !utf8.Valid(v) {
				where = append(where, strings.TrimPrefix(string(dec.StackPointer()), "/"))
			}
		}
		if len(where) == 0 {
			where = []string{"a value"}
		}
		d.warn = append(d.warn, fmt.Sprintf("entry %d: invalid UTF-8 in %s (shown as \uFFFD)", i, strings.Join(where, ", ")))
	case d.badUTF8 == maxUTF8Warnings+1:
		d.warn = append(d.warn, "more entries hold invalid UTF-8 (shown as \uFFFD); only the first 20 are named")
	}
}

// lenientEntry decodes the parts of an entry that do decode.
func lenientEntry(raw jsontext.Value) har.Entry {
	var e har.Entry
	var parts struct {
		StartedDateTime any            `json:"startedDateTime"`
		Time            any            `json:"time"`
		Request         jsontext.Value `json:"request"`
		Response        jsontext.Value `json:"response"`
		ResourceType    any            `json:"_resourceType"`
	}
	json.Unmarshal(raw, &parts, readOpts)
	if s, ok := parts.StartedDateTime.(string); ok {
		e.StartedDateTime = s
	}
	if f, ok := parts.Time.(float64); ok {
		e.Time = f
	}
	if s, ok := parts.ResourceType.(string); ok {
		e.ResourceType = s
	}
	var req struct {
		Method  any             `json:"method"`
		URL     any             `json:"url"`
		Headers []har.NameValue `json:"headers"`
	}
	json.Unmarshal(parts.Request, &req, readOpts)
	e.Request.Method, _ = req.Method.(string)
	e.Request.URL, _ = req.URL.(string)
	e.Request.Headers = req.Headers
	var resp struct {
		Status     any             `json:"status"`
		StatusText any             `json:"statusText"`
		Headers    []har.NameValue `json:"headers"`
		Content    struct {
			MimeType any `json:"mimeType"`
			Text     any `json:"text"`
			Encoding any `json:"encoding"`
		} `json:"content"`
	}
	json.Unmarshal(parts.Response, &resp, readOpts)
	if f, ok := resp.Status.(float64); ok {
		e.Response.Status = int(f)
	}
	e.Response.StatusText, _ = resp.StatusText.(string)
	e.Response.Headers = resp.Headers
	e.Response.Content.MimeType, _ = resp.Content.MimeType.(string)
	e.Response.Content.Text, _ = resp.Content.Text.(string)
	e.Response.Content.Encoding, _ = resp.Content.Encoding.(string)
	return e
}

// responseText returns the full response body text of entry i and its
// encoding ("base64" or "").
func (d *harDoc) responseText(i int) (string, string) {
	e := &d.entries[i]
	if d.dropped(i) {
		return d.droppedText(i), e.Response.Content.Encoding
	}
	if e.Response.Content.Text != "" || d.bodyLen[i] == 0 {
		return e.Response.Content.Text, e.Response.Content.Encoding
	}
	var x struct {
		Response struct {
			Content struct {
				Text     string `json:"text"`
				Encoding string `json:"encoding"`
			} `json:"content"`
		} `json:"response"`
	}
	json.Unmarshal(d.entryRaw(i), &x, readOpts)
	if x.Response.Content.Encoding == "" {
		x.Response.Content.Encoding = e.Response.Content.Encoding
	}
	return x.Response.Content.Text, x.Response.Content.Encoding
}

// requestText returns the full request body text of entry i.
func (d *harDoc) requestText(i int) string {
	e := &d.entries[i]
	if e.Request.PostData == nil {
		return ""
	}
	if e.Request.PostData.Text != "" || d.reqLen[i] == 0 {
		return e.Request.PostData.Text
	}
	var x struct {
		Request struct {
			PostData struct {
				Text string `json:"text"`
			} `json:"postData"`
		} `json:"request"`
	}
	json.Unmarshal(d.entryRaw(i), &x, readOpts)
	return x.Request.PostData.Text
}

// write writes the HAR: the members in their order, the entries as held.
func (d *harDoc) write(w io.Writer) error {
	bw := &errWriter{w: w}
	bw.str("{")
	for i, m := range d.top {
		if i > 0 {
			bw.str(",")
		}
		bw.str("\n")
		bw.name(m.name)
		if m.name != "log" || m.value != nil {
			bw.bytes(m.value)
			continue
		}
		bw.str("{")
		for j, lm := range d.log {
			if j > 0 {
				bw.str(",")
			}
			bw.str("\n  ")
			bw.name(lm.name)
			if lm.name != "entries" || lm.value != nil {
				bw.bytes(lm.value)
				continue
			}
			bw.str("[")
			var buf []byte
			for k := range d.raw {
				if k > 0 {
					bw.str(",")
				}
				bw.str("\n    ")
				buf = d.writeEntry(bw, k, buf)
			}
			bw.str("\n  ]")
		}
		bw.str("\n}")
	}
	bw.str("\n}\n")
	return bw.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) bytes(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}
func (e *errWriter) str(s string) { e.bytes([]byte(s)) }
func (e *errWriter) name(s string) {
	b, _ := jsontext.AppendQuote(nil, s)
	e.bytes(append(b, ':'))
}

// dropEntries removes the entries for which drop returns true and renumbers.
func (d *harDoc) dropEntries(drop func(i int) bool) int {
	n := 0
	keep := 0
	for i := range d.raw {
		if drop(i) {
			n++
			continue
		}
		d.raw[keep], d.entries[keep], d.bodyLen[keep], d.reqLen[keep] = d.raw[i], d.entries[i], d.bodyLen[i], d.reqLen[i]
		if d.file != nil {
			d.offs[keep], d.lens[keep], d.text[keep] = d.offs[i], d.lens[i], d.text[i]
		}
		keep++
	}
	d.raw, d.entries, d.bodyLen, d.reqLen = d.raw[:keep], d.entries[:keep], d.bodyLen[:keep], d.reqLen[:keep]
	if d.file != nil {
		d.offs, d.lens, d.text = d.offs[:keep], d.lens[:keep], d.text[:keep]
	}
	return n
}

// dropPages removes the pages of log.pages whose id drop says, and
// returns how many; every other page stays as it was.
func (d *harDoc) dropPages(drop func(id string) bool) int {
	for j, lm := range d.log {
		if lm.name != "pages" {
			continue
		}
		var pages []jsontext.Value
		if json.Unmarshal(lm.value, &pages) != nil {
			return 0
		}
		kept := pages[:0]
		for _, pg := range pages {
			var head struct {
				ID string `json:"id"`
			}
			json.Unmarshal(pg, &head)
			if head.ID != "" && drop(head.ID) {
				continue
			}
			kept = append(kept, pg)
		}
		n := len(pages) - len(kept)
		if n == 0 {
			return 0
		}
		b, err := json.Marshal(kept)
		if err != nil {
			return 0
		}
		d.log[j].value = b
		return n
	}
	return 0
}

// object is a JSON object with its members in order, for small edits of an
// entry that keep every other field as it was.
type object []member

func parseObject(v jsontext.Value) (object, error) {
	dec := jsontext.NewDecoder(bytes.NewBuffer(v), readOpts) // a Buffer is parsed in place, not copied
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	if tok.Kind() != '{' {
		return nil, fmt.Errorf("not an object")
	}
	var o object
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		name := tok.String()
		val, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		o = append(o, member{name, val.Clone()})
	}
	return o, nil
}

func (o object) get(name string) jsontext.Value {
	for _, m := range o {
		if m.name == name {
			return m.value
		}
	}
	return nil
}

func (o *object) set(name string, v jsontext.Value) {
	for i := range *o {
		if (*o)[i].name == name {
			(*o)[i].value = v
			return
		}
	}
	*o = append(*o, member{name, v})
}

func (o object) marshal() jsontext.Value {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		q, _ := jsontext.AppendQuote(nil, m.name)
		b.Write(q)
		b.WriteByte(':')
		b.Write(m.value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// editPath rewrites the object at path inside v (each step an object
// member) with fn, keeping everything else as it was.
func editPath(v jsontext.Value, path []string, fn func(o *object) error) (jsontext.Value, error) {
	o, err := parseObject(v)
	if err != nil {
		return nil, err
	}
	if len(path) == 0 {
		if err := fn(&o); err != nil {
			return nil, err
		}
		return o.marshal(), nil
	}
	child := o.get(path[0])
	if child == nil || child.Kind() != '{' {
		child = jsontext.Value("{}")
	}
	nv, err := editPath(child, path[1:], fn)
	if err != nil {
		return nil, err
	}
	o.set(path[0], nv)
	return o.marshal(), nil
}

func jsonString(s string) jsontext.Value {
	b, _ := jsontext.AppendQuote(nil, s)
	return b
}

func jsonAny(v any) jsontext.Value {
	b, _ := json.Marshal(v)
	return b
}

// responseHead returns the start of the response body of entry i (at
// least n bytes of it when it is that long), its total length and its
// encoding: the report previews a large body without unquoting all of it.
// The total of a large body is content.size when given, else the length of
// its JSON string.
func (d *harDoc) responseHead(i, n int) (string, int, string) {
	e := &d.entries[i]
	if d.dropped(i) {
		// As if it were kept: the whole text (at most keepTextBelow).
		t := d.droppedText(i)
		return t, len(t), e.Response.Content.Encoding
	}
	if e.Response.Content.Text != "" || d.bodyLen[i] == 0 {
		return e.Response.Content.Text, len(e.Response.Content.Text), e.Response.Content.Encoding
	}
	enc := e.Response.Content.Encoding
	head, inFile := d.textHead(i, n)
	if !inFile {
		raw := d.entryRaw(i)
		head = unquotePrefix(rawMember(raw, "response", "content", "text"), n)
		if enc == "" {
			if v := rawMember(raw, "response", "content", "encoding"); len(v) > 2 {
				enc = unquotePrefix(v, 16)
			}
		}
	}
	total := d.bodyLen[i]
	if s := e.Response.Content.Size; s > 0 && enc == "" {
		total = int(s)
	}
	return head, total, enc
}

// requestHead is [harDoc.responseHead] for the request body.
func (d *harDoc) requestHead(i, n int) (string, int) {
	e := &d.entries[i]
	if e.Request.PostData == nil {
		return "", 0
	}
	if e.Request.PostData.Text != "" || d.reqLen[i] == 0 {
		return e.Request.PostData.Text, len(e.Request.PostData.Text)
	}
	return unquotePrefix(rawMember(d.entryRaw(i), "request", "postData", "text"), n), d.reqLen[i]
}

// rawMember returns the raw JSON value at the path of object members in v,
// or nil.
func rawMember(v jsontext.Value, path ...string) jsontext.Value {
	at, end, ok := memberSpan(v, path...)
	if !ok {
		return nil
	}
	return v[at:end]
}

// unquotePrefix unquotes the JSON string q until at least n bytes are out
// (or q ends): a preview of a long string without decoding all of it.
func unquotePrefix(q []byte, n int) string {
	if len(q) < 2 || q[0] != '"' {
		return ""
	}
	q = q[1 : len(q)-1]
	var b strings.Builder
	b.Grow(min(n+8, len(q)))
	hex4 := func(h []byte) (rune, bool) {
		var r rune
		for _, c := range h {
			switch {
			case c >= '0' && c <= '9':
				r = r<<4 | rune(c-'0')
			case c >= 'a' && c <= 'f':
				r = r<<4 | rune(c-'a'+10)
			case c >= 'A' && c <= 'F':
				r = r<<4 | rune(c-'A'+10)
			default:
				return 0, false
			}
		}
		return r, true
	}
	for i := 0; i < len(q) && b.Len() < n; {
		c := q[i]
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(q) {
			break
		}
		switch q[i+1] {
		case '"', '\\', '/':
			b.WriteByte(q[i+1])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			if i+6 > len(q) {
				return b.String()
			}
			r, ok := hex4(q[i+2 : i+6])
			if !ok {
				return b.String()
			}
			i += 6
			if utf16.IsSurrogate(r) && i+6 <= len(q) && q[i] == '\\' && q[i+1] == 'u' {
				if r2, ok := hex4(q[i+2 : i+6]); ok {
					r = utf16.DecodeRune(r, r2)
					i += 6
				}
			}
			b.WriteRune(r)
			continue
		default:
			return b.String()
		}
		i += 2
	}
	return b.String()
}
