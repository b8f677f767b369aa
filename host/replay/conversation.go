package replay

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/reprokit/reprokit/host/har"
)

// A conversation is one recorded websocket read as request and reply: each
// message the page sent, the server messages that answered it (those that
// carry a value the page chose in it: a client-made id), and the server
// messages that answered nothing (status, broadcasts), which keep their
// place on the recording's timeline.
//
// A live page makes new ids: when it sends a message, [conversation.match]
// finds the recorded message it stands for (exact first, then a scored
// structural match, with the reason), and [binding.rewrite] puts the live
// ids into the recorded replies before they are sent, so that a client that
// accepts only a reply carrying its own id (JSON-RPC `id`, Jupyter
// `parent_header.msg_id`, GraphQL over websocket `id`, Phoenix
// `ref`/`join_ref`, Socket.IO acks) accepts them.
type conversation struct {
	sends []*recordedSend
	// receives are all the server messages in recorded order: a stream
	// keeps its order, replies and unsolicited frames interleaved.
	receives    []recordedReply
	unsolicited []recordedReply
	// held counts the sends holding each value at each place ("path\x00raw").
	held map[string]int
}

// answerWindow is how many of the latest sends a server message may answer.
const answerWindow = 256

// recordedSend is one message the page sent in the recording.
type recordedSend struct {
	order  int // among the sends of the socket, from 0
	msg    har.WebSocketMessage
	parsed parsedMessage
	// ids are the leaves whose values the replies carry.
	ids     []leaf
	replies []recordedReply
	used    int // times a live message was matched to it
}

// recordedReply is one server message with its recorded pacing.
type recordedReply struct {
	msg har.WebSocketMessage
	// to is the sent message it answers; nil for an unsolicited one.
	to *recordedSend
	// after is how many page messages came before it in the recording.
	after int
	// gap is the recorded time since the frame before it (of either
	// side), in seconds; replyGap since the send it answers or the reply
	// to that send before it (to play the replies again on their own).
	gap, replyGap float64
}

// leaf is one scalar of a text message, where it sits and its text.
type leaf struct {
	path  string // "$.header.msg_id", "$[1]", "@ack" for a Socket.IO ack number
	key   string // the last step of path: "msg_id", "1", "@ack"
	raw   string // the scalar as written ("42", "\"ab\"")
	value string // the scalar's value (a string unquoted)
	str   bool
	start int // byte offsets of raw in the message
	end   int
}

// parsedMessage is a text message read as JSON, possibly after a
// Socket.IO packet prefix; json is false for other text and binary frames.
type parsedMessage struct {
	json   bool
	prefix string // Socket.IO packet type and namespace, "42", "43/chat,"
	leaves []leaf
}

// socketIOPacket is an Engine.IO message carrying a Socket.IO packet: type,
// optional namespace, optional ack id, JSON payload.
var socketIOPacket = regexp.MustCompile(`^(4[0-6](?:/[^,\[{]*,)?)([0-9]*)([\[{].*)$`)

func parseMessage(m har.WebSocketMessage) parsedMessage {
	if m.Opcode == 2 {
		return parsedMessage{}
	}
	data := m.Data
	if ls, ok := jsonLeaves(data, 0); ok && len(data) > 0 && (data[0] == '{' || data[0] == '[') {
		return parsedMessage{json: true, leaves: ls}
	}
	if sm := socketIOPacket.FindStringSubmatchIndex(data); sm != nil {
		body := sm[6]
		ls, ok := jsonLeaves(data[body:], body)
		if !ok {
			return parsedMessage{}
		}
		p := parsedMessage{json: true, prefix: data[sm[2]:sm[3]], leaves: ls}
		if sm[4] < sm[5] {
			ack := data[sm[4]:sm[5]]
			p.leaves = append([]leaf{{path: "@ack", key: "@ack", raw: ack, value: ack, start: sm[4], end: sm[5]}}, p.leaves...)
		}
		return p
	}
	return parsedMessage{}
}

// jsonLeaves returns the scalars of one JSON value with their paths and
// offsets (shifted by base); false when data is not exactly one JSON value.
func jsonLeaves(data string, base int) ([]leaf, bool) {
	dec := json.NewDecoder(strings.NewReader(data))
	dec.UseNumber()
	type frame struct {
		obj     bool
		wantKey bool
		key     string
		idx     int
		path    string
	}
	var stack []*frame
	var out []leaf
	// step returns the path and key of the value that starts now.
	step := func() (string, string) {
		if len(stack) == 0 {
			return "$", "$"
		}
		f := stack[len(stack)-1]
		if f.obj {
			return f.path + "." + f.key, f.key
		}
		k := strconv.Itoa(f.idx)
		return f.path + "[" + k + "]", k
	}
	// done moves the enclosing container past the value that ended.
	done := func() {
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.obj {
			f.wantKey = true
		} else {
			f.idx++
		}
	}
	values := 0
	for {
		before := int(dec.InputOffset())
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false
		}
		end := int(dec.InputOffset())
		start := before
		for start < end && strings.IndexByte(" \t\r\n,:", data[start]) >= 0 {
			start++
		}
		if len(stack) == 0 {
			values++
			if values > 1 {
				return nil, false
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				p, _ := step()
				stack = append(stack, &frame{obj: t == '{', wantKey: t == '{', path: p})
			default:
				stack = stack[:len(stack)-1]
				done()
			}
			continue
		case string:
			if f := len(stack); f > 0 && stack[f-1].obj && stack[f-1].wantKey {
				stack[f-1].key, stack[f-1].wantKey = t, false
				continue
			}
			p, k := step()
			out = append(out, leaf{path: p, key: k, raw: data[start:end], value: t, str: true, start: base + start, end: base + end})
		default:
			p, k := step()
			out = append(out, leaf{path: p, key: k, raw: data[start:end], value: jsonScalar(t), start: base + start, end: base + end})
		}
		done()
	}
	return out, values == 1
}

// idCandidate says whether a leaf of a sent message may be a client-made
// id: a number, or a string holding a digit or at least 16 characters (a
// UUID, a counter, a random token), or a redaction tag. Words ("execute",
// "phx_join") are protocol, not ids.
func idCandidate(l leaf) bool {
	if !l.str {
		return l.value != "true" && l.value != "false" && l.value != "null"
	}
	if strings.HasPrefix(l.value, redactionMark) {
		return true
	}
	return l.value != "" && (len(l.value) >= 16 || strings.ContainsAny(l.value, "0123456789"))
}

// carries says whether reply leaf r carries the value of sent leaf s: the
// same value under the same key (`id` → `id`, `msg_id` → `parent_header.msg_id`,
// Phoenix's array positions), or the same long string anywhere.
func carries(s, r leaf) bool {
	if s.value != r.value || s.str != r.str {
		return false
	}
	return s.key == r.key || (s.str && len(s.value) >= 8)
}

// newConversation reads a recorded socket's frames as a conversation.
func newConversation(msgs []har.WebSocketMessage, start float64) *conversation {
	c := &conversation{held: map[string]int{}}
	prev := start // time of the last frame of either side
	lastReplyTime := map[*recordedSend]float64{}
	for _, m := range msgs {
		switch m.Type {
		case "send":
			s := &recordedSend{order: len(c.sends), msg: m, parsed: parseMessage(m)}
			c.sends = append(c.sends, s)
			for _, l := range s.parsed.leaves {
				c.held[l.path+"\x00"+l.raw]++
			}
		case "receive":
			p := parseMessage(m)
			to, matched := c.answers(p)
			r := recordedReply{msg: m, to: to, after: len(c.sends), gap: gapOf(prev, m.Time)}
			if to != nil {
				from, ok := lastReplyTime[to]
				if !ok {
					from = to.msg.Time
				}
				r.replyGap = gapOf(from, m.Time)
				lastReplyTime[to] = m.Time
				to.replies = append(to.replies, r)
				c.receives = append(c.receives, r)
				for _, l := range matched {
					if !slices.ContainsFunc(to.ids, func(x leaf) bool { return x.path == l.path }) {
						to.ids = append(to.ids, l)
					}
				}
			} else {
				c.unsolicited = append(c.unsolicited, r)
				c.receives = append(c.receives, r)
			}
		default:
			continue
		}
		if m.Time > 0 {
			prev = m.Time
		}
	}
	return c
}

// answers returns the recorded send a server message answers and the
// leaves of it that the message carries: the send with the most carried
// values that no other send holds at the same place (a request's own id,
// not the session id every request repeats), the latest on a tie; nil when
// the message carries nothing the page chose.
func (c *conversation) answers(p parsedMessage) (*recordedSend, []leaf) {
	if !p.json {
		return nil, nil
	}
	var best *recordedSend
	var bestLeaves []leaf
	bestOwn := -1
	byValue := map[string][]leaf{}
	for _, rl := range p.leaves {
		byValue[rl.value] = append(byValue[rl.value], rl)
	}
	for i := len(c.sends) - 1; i >= 0 && i >= len(c.sends)-answerWindow; i-- {
		s := c.sends[i]
		var matched []leaf
		own := 0
		for _, sl := range s.parsed.leaves {
			if !idCandidate(sl) || !slices.ContainsFunc(byValue[sl.value], func(rl leaf) bool { return carries(sl, rl) }) {
				continue
			}
			matched = append(matched, sl)
			if c.held[sl.path+"\x00"+sl.raw] == 1 {
				own++
			}
		}
		if len(matched) > 0 && own > bestOwn {
			best, bestLeaves, bestOwn = s, matched, own
		}
	}
	return best, bestLeaves
}

func gapOf(from, to float64) float64 {
	if from <= 0 || to <= from {
		return 0
	}
	return to - from
}

// sendMatch is the recorded message a live one was matched to.
type sendMatch struct {
	send   *recordedSend
	score  float64
	exact  bool
	reason string
	bind   binding
}

// wsMatchThreshold is the lowest score of a structural match.
const wsMatchThreshold = 0.5

// match chooses the recorded sent message that a live message stands for:
// an unused one with the same bytes first (redaction tags matching any
// value), then the best structural match of JSON (the ids learned from the
// replies, volatile names and generated values ignored; the earliest on a
// tie), then a recorded message already used once. It marks the choice used.
func (c *conversation) match(data []byte, binary bool, volatile map[string]bool) sendMatch {
	live := har.WebSocketMessage{Type: "send", Opcode: 1, Data: string(data)}
	if binary {
		live.Opcode, live.Data = 2, base64.StdEncoding.EncodeToString(data)
	}
	lp := parseMessage(live)
	var best sendMatch
	for _, reuse := range []bool{false, true} {
		for _, s := range c.sends {
			if (s.used > 0) != reuse || (s.msg.Opcode == 2) != binary {
				continue
			}
			sc, exact, why := scoreSend(s, live, lp, volatile)
			if sc > best.score || (sc == best.score && best.send != nil && !best.exact && exact) {
				best = sendMatch{send: s, score: sc, exact: exact, reason: why}
			}
			if exact {
				break
			}
		}
		if best.send != nil && best.score >= wsMatchThreshold {
			break
		}
	}
	if best.send == nil || best.score < wsMatchThreshold {
		if best.send != nil {
			return sendMatch{reason: fmt.Sprintf("no recorded message fits (best: #%d, score %.2f: %s)", best.send.order+1, best.score, best.reason)}
		}
		return sendMatch{reason: "no recorded message of this kind"}
	}
	if best.send.used > 0 {
		best.reason += fmt.Sprintf("; reused (matched %d time(s) before)", best.send.used)
	}
	best.send.used++
	best.bind = bind(best.send, lp)
	return best
}

// scoreSend compares a recorded sent message with a live one.
func scoreSend(s *recordedSend, live har.WebSocketMessage, lp parsedMessage, volatile map[string]bool) (float64, bool, string) {
	rec := s.msg.Data
	if rec == live.Data {
		return 1, true, "same bytes"
	}
	if s.msg.Opcode == 2 {
		if redactedEqual(rec, mustDecode(live.Data)) {
			return 1, true, "redacted binary of the same size"
		}
		return 0.5, false, "binary, by order"
	}
	if strings.Contains(rec, redactionMark) && redactedEqual(rec, live.Data) {
		return 1, true, "same text, redactions aside"
	}
	if !s.parsed.json || !lp.json {
		if digitsAside(rec) == digitsAside(live.Data) {
			return 0.6, false, "same text, digits aside"
		}
		return 0, false, "text differs"
	}
	ids := map[string]bool{}
	for _, l := range s.ids {
		ids[l.path] = true
	}
	equal, differ, ignored := 0, 0, 0
	var notes []string
	if s.parsed.prefix != lp.prefix {
		differ++
		notes = append(notes, "packet type differs")
	}
	got := map[string]leaf{}
	for _, l := range lp.leaves {
		got[l.path] = l
	}
	seen := map[string]bool{}
	for _, r := range s.parsed.leaves {
		g, ok := got[r.path]
		seen[r.path] = true
		switch {
		case !ok:
			differ++
			if len(notes) < 3 {
				notes = append(notes, r.path+" missing")
			}
		case ids[r.path] || volatileName(r.key, volatile):
			ignored++
		case r.value == g.value && r.str == g.str:
			equal++
		case strings.Contains(r.value, redactionMark) && redactedEqual(r.value, g.value):
			equal++
		case looksGenerated(r.value) && looksGenerated(g.value):
			ignored++
		default:
			differ++
			if len(notes) < 3 {
				notes = append(notes, r.path+" differs")
			}
		}
	}
	for _, l := range lp.leaves {
		if !seen[l.path] {
			differ++
			if len(notes) < 3 {
				notes = append(notes, l.path+" not recorded")
			}
		}
	}
	score := 1.0
	if equal+differ > 0 {
		score = float64(equal) / float64(equal+differ)
	}
	why := fmt.Sprintf("json %d equal, %d differ, %d ids/volatile ignored", equal, differ, ignored)
	if len(notes) > 0 {
		why += " (" + strings.Join(notes, ", ") + ")"
	}
	return score, differ == 0 && ignored == 0, why
}

func mustDecode(b64 string) string {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return b64
	}
	return string(b)
}

func digitsAside(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '0'
		}
		return r
	}, s)
}

// binding maps the ids of a recorded message to the live message's.
type binding []idPair

type idPair struct {
	rec  leaf
	live leaf
}

// bind pairs each id leaf of s with the live leaf at the same path.
func bind(s *recordedSend, lp parsedMessage) binding {
	var b binding
	for _, id := range s.ids {
		for _, l := range lp.leaves {
			if l.path == id.path && l.raw != id.raw {
				b = append(b, idPair{rec: id, live: l})
				break
			}
		}
	}
	return b
}

// paths names the rewritten ids for the log.
func (b binding) paths() string {
	var ps []string
	for _, p := range b {
		ps = append(ps, strings.TrimPrefix(strings.TrimPrefix(p.rec.path, "$"), "."))
	}
	return strings.Join(ps, ", ")
}

// rewrite returns a recorded reply with the recorded ids replaced by the
// live ones, and how many it replaced; binary and non-JSON replies come
// back as they are.
func (b binding) rewrite(m har.WebSocketMessage) (string, int) {
	if len(b) == 0 || m.Opcode == 2 {
		return m.Data, 0
	}
	p := parseMessage(m)
	if !p.json {
		return m.Data, 0
	}
	var out bytes.Buffer
	n, at := 0, 0
	for _, l := range p.leaves {
		repl, ok := "", false
		for _, pair := range b {
			switch {
			case carries(pair.rec, l):
				repl, ok = pair.live.raw, true
			case l.str && pair.rec.str && strings.HasPrefix(pair.rec.value, redactionMark) && strings.Contains(l.value, pair.rec.value):
				// A redacted value the page sent, inside a longer reply text.
				enc, _ := json.Marshal(strings.ReplaceAll(l.value, pair.rec.value, pair.live.value))
				repl, ok = string(enc), true
			}
			if ok {
				break
			}
		}
		if !ok {
			continue
		}
		if l.key == "@ack" && !isDigits(repl) {
			continue // an ack id is digits
		}
		out.WriteString(m.Data[at:l.start])
		out.WriteString(repl)
		at = l.end
		n++
	}
	if n == 0 {
		return m.Data, 0
	}
	out.WriteString(m.Data[at:])
	return out.String(), n
}
