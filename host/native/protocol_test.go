package native

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

// readAll decodes every frame w wrote, joining chunks as the extension does.
func readAll(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	r := bytes.NewReader(data)
	parts := map[float64][]string{}
	var out []map[string]any
	for {
		b, err := ReadFrame(r, MaxOutgoing)
		if err != nil {
			return out
		}
		if len(b) > MaxOutgoing {
			t.Fatalf("host frame of %d bytes", len(b))
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("host frame is not JSON: %v", err)
		}
		if m["type"] != "chunk" {
			out = append(out, m)
			continue
		}
		c := m["data"].(map[string]any)
		id := c["msg"].(float64)
		if parts[id] == nil {
			parts[id] = make([]string, int(c["count"].(float64)))
		}
		parts[id][int(c["index"].(float64))] = c["part"].(string)
		done := true
		for _, p := range parts[id] {
			done = done && p != ""
		}
		if done {
			var whole map[string]any
			if err := json.Unmarshal([]byte(strings.Join(parts[id], "")), &whole); err != nil {
				t.Fatalf("joined chunks are not JSON: %v", err)
			}
			out = append(out, whole)
		}
	}
}

func TestWriterSplitsAMessageOverOneMiBIntoChunksThatJoinBack(t *testing.T) {
	// Quotes and multi-byte runes make the escaped pieces bigger than the
	// raw ones: each chunk must still stay under 1 MiB.
	text := strings.Repeat(`"한국어" \ `, 300_000)
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Send(Message{Type: "state", Data: map[string]string{"text": text}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Send(Message{Type: "status", ID: 3, Data: map[string]int{"n": 1}}); err != nil {
		t.Fatal(err)
	}
	msgs := readAll(t, buf.Bytes())
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want 2", len(msgs))
	}
	if got := msgs[0]["data"].(map[string]any)["text"]; got != text {
		t.Fatal("the joined message differs from the one sent")
	}
	if msgs[0]["status"] != "ok" || msgs[0]["version"].(float64) != 1 {
		t.Fatalf("envelope %v", msgs[0]["status"])
	}
	if msgs[1]["id"].(float64) != 3 {
		t.Fatalf("second message %v", msgs[1])
	}
}

func TestEveryErrorCodeIsDocumented(t *testing.T) {
	doc := readProtocolDoc(t)
	codes := []Code{CodeFrameTooLarge, CodeBadJSON, CodeUnknownType, CodeBadData, CodeVersionMismatch, CodeOriginNotAllowed,
		CodeNeedHello, CodeBusy, CodeNotRecording, CodeCannotRecordPage, CodeAttachFailed, CodeTabClosed, CodeCancelledByUser,
		CodeNothingToReview, CodeSaveFailed, CodeSecretsFound, CodeOpenFailed, CodeInternal}
	for _, c := range codes {
		if !strings.Contains(doc, "\n| "+itoa(int(c))+" | ") {
			t.Errorf("error code %d is not in docs/PROTOCOL.md", c)
		}
	}
}

func TestEveryMessageTypeIsDocumented(t *testing.T) {
	doc := readProtocolDoc(t)
	var types []string
	for typ := range handlers {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		if !strings.Contains(doc, "| `"+typ+"` |") && !strings.Contains(doc, "`"+typ+"` / ") && !strings.Contains(doc, "/ `"+typ+"` |") {
			t.Errorf("message type %s is not in the tables of docs/PROTOCOL.md", typ)
		}
	}
}
