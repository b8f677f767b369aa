package testapp

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveWebSocket is the echo socket at /ws. On connect it sends a text
// frame "hello" and a binary frame 00 01 02 … 0f; then it echoes every
// frame in its own type. A text "close" makes it close normally (1000,
// "bye"); a text "abort", or the query ?close=abnormal right after the
// greeting, drops the TCP connection with no close frame (the browser
// reports 1006).
func (app *App) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, http.Header{"x-request-id": {app.nextRequestID()}})
	if err != nil {
		return // Upgrade wrote the error response
	}
	untrack, ok := app.track(c)
	if !ok {
		return
	}
	defer untrack()

	bin := make([]byte, 16)
	for i := range bin {
		bin[i] = byte(i)
	}
	if c.WriteMessage(websocket.TextMessage, []byte("hello")) != nil ||
		c.WriteMessage(websocket.BinaryMessage, bin) != nil {
		return
	}
	if r.URL.Query().Get("close") == "abnormal" {
		return // deferred Close drops the connection without a close frame
	}
	for {
		typ, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		if typ == websocket.TextMessage {
			switch string(msg) {
			case "close":
				c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
				// Wait for the browser's close frame before dropping the connection.
				c.SetReadDeadline(time.Now().Add(2 * time.Second))
				for {
					if _, _, err := c.ReadMessage(); err != nil {
						return
					}
				}
			case "abort":
				return
			}
		}
		if c.WriteMessage(typ, msg) != nil {
			return
		}
	}
}

// serveSSE is a text/event-stream: n events ("tick", with ids), one every
// 100 ms, then the stream stays open until the client leaves or the app
// closes. n < 0 sends an event every 250 ms for ever.
func (app *App) serveSSE(w http.ResponseWriter, r *http.Request, n int) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "testapp: streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header()["x-request-id"] = []string{app.nextRequestID()}
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 60000\n: reprokit test stream\n\n")
	fl.Flush()
	every := 100 * time.Millisecond
	if n < 0 {
		every = 250 * time.Millisecond
	}
	for i := 1; n < 0 || i <= n; i++ {
		if !app.wait(r, every) {
			return
		}
		if _, err := fmt.Fprintf(w, "id: %d\nevent: tick\ndata: {\"n\":%d}\n\n", i, i); err != nil {
			return
		}
		fl.Flush()
	}
	select {
	case <-r.Context().Done():
	case <-app.closing:
	}
}

// serveEndless is a chunked text response that never ends: a line every
// 200 ms until the client leaves or the app closes.
func (app *App) serveEndless(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "testapp: streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	for i := 1; ; i++ {
		if _, err := fmt.Fprintf(w, "chunk %d\n", i); err != nil {
			return
		}
		fl.Flush()
		if !app.wait(r, 200*time.Millisecond) {
			return
		}
	}
}
