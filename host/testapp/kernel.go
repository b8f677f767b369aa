package testapp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// kernelRoutes serve the notebook-style app of /kernel: a file list page
// that opens the work tab (/kernel/work) with window.open, where the page
// talks to a "kernel" over one websocket in request/response style with
// ids the client makes up, and long-polls an events endpoint.
//
//   - /kernel/channels (websocket): on connect a status message and one
//     binary frame (8 bytes the page does not read); then three
//     unsolicited {"msg_type":"tick"} messages 250 ms apart. It answers
//     Jupyter-style execute_request (replies carry the request header as
//     parent_header: status busy, execute_result, status idle), JSON-RPC
//     (`id`) and Phoenix joins (`[join_ref, ref, topic, "phx_join", {}]`).
//   - /kernel/events?since=N: a long poll; since=0 answers at once with one
//     event, any later poll sends its headers and then stays open until the
//     client leaves or the app closes (a poll open when a recording stops).
func (app *App) kernelRoutes(mux *http.ServeMux, html, js func(string) http.HandlerFunc) {
	mux.HandleFunc("GET /kernel", html("kernel.html"))
	mux.HandleFunc("GET /kernel/work", html("kernel-work.html"))
	mux.HandleFunc("GET /kernel/work.js", js("kernel.js"))
	mux.HandleFunc("GET /kernel/api/contents", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"content":[{"name":"analysis.ipynb","type":"notebook"},{"name":"notes.md","type":"file"}]}`)
	})
	mux.HandleFunc("/kernel/channels", app.serveKernel)
	mux.HandleFunc("GET /kernel/events", app.serveKernelEvents)
}

func (app *App) serveKernel(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	untrack, ok := app.track(c)
	if !ok {
		return
	}
	defer untrack()
	out := make(chan []byte, 64)
	done := make(chan struct{})
	defer close(done)
	go func() { // the one writer
		for {
			select {
			case m := <-out:
				typ := websocket.TextMessage
				if len(m) > 0 && m[0] == 0 {
					typ, m = websocket.BinaryMessage, m[1:]
				}
				if c.WriteMessage(typ, m) != nil {
					return
				}
			case <-done:
				return
			}
		}
	}()
	send := func(v any) {
		b, _ := json.Marshal(v)
		select {
		case out <- b:
		case <-done:
		}
	}
	send(map[string]any{"msg_type": "status", "parent_header": map[string]any{}, "content": map[string]any{"execution_state": "starting"}})
	out <- []byte{0, 1, 2, 3, 4, 5, 6, 7, 8}
	go func() {
		for i := 1; i <= 3; i++ {
			if !app.wait(r, 250*time.Millisecond) {
				return
			}
			send(map[string]any{"msg_type": "tick", "content": map[string]any{"n": i}})
		}
	}()
	for {
		_, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		var v any
		if json.Unmarshal(msg, &v) != nil {
			continue
		}
		switch v := v.(type) {
		case []any: // Phoenix: [join_ref, ref, topic, event, payload]
			if len(v) == 5 && v[3] == "phx_join" {
				send([]any{v[0], v[1], v[2], "phx_reply", map[string]any{"status": "ok", "response": map[string]any{}}})
			}
		case map[string]any:
			if v["jsonrpc"] == "2.0" {
				sum := 0.0
				if ps, ok := v["params"].([]any); ok {
					for _, p := range ps {
						f, _ := p.(float64)
						sum += f
					}
				}
				send(map[string]any{"jsonrpc": "2.0", "id": v["id"], "result": sum})
				continue
			}
			hdr, _ := v["header"].(map[string]any)
			content, _ := v["content"].(map[string]any)
			code, _ := content["code"].(string)
			reply := func(typ string, c map[string]any) {
				send(map[string]any{"header": map[string]any{"msg_id": fmt.Sprintf("kernel-%d", time.Now().UnixNano()), "msg_type": typ},
					"parent_header": hdr, "msg_type": typ, "content": c})
			}
			reply("status", map[string]any{"execution_state": "busy"})
			app.wait(r, 30*time.Millisecond)
			reply("execute_result", map[string]any{"data": map[string]any{"text/plain": evalSimple(code)}})
			reply("status", map[string]any{"execution_state": "idle"})
		}
	}
}

// evalSimple computes "a+b" or "a*b" for the kernel page.
func evalSimple(code string) string {
	for _, op := range []string{"+", "*"} {
		if a, b, ok := strings.Cut(code, op); ok {
			x, err1 := strconv.Atoi(strings.TrimSpace(a))
			y, err2 := strconv.Atoi(strings.TrimSpace(b))
			if err1 == nil && err2 == nil {
				if op == "+" {
					return strconv.Itoa(x + y)
				}
				return strconv.Itoa(x * y)
			}
		}
	}
	return "error"
}

func (app *App) serveKernelEvents(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Query().Get("since") == "0" {
		fmt.Fprint(w, `{"last":1,"events":[{"n":1,"text":"notebook saved"}]}`)
		return
	}
	// Headers now, the body when an event comes: none ever does.
	w.WriteHeader(http.StatusOK)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	select {
	case <-r.Context().Done():
	case <-app.closing:
	}
}
