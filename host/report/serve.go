package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"runtime"
	"strconv"
	"time"
)

// Download is a file that `reprokit view` serves beside the report, at
// "/"+Name, as an attachment: the bundle's session.har for the report's
// "Save HAR" (set [Data.HAR] to "served" so that the page links to it).
type Download struct {
	Name  string // "session.har"
	Type  string // its Content-Type
	Write func(w io.Writer) error
}

// Handler serves one rendered report at "/" (and "/report.html") with the
// report's CSP as a header too, and the downloads at their names. It
// answers only requests whose Host is the loopback address it listens on,
// so that a web page cannot read the report through DNS rebinding.
func Handler(page []byte, port int, downloads ...Download) http.Handler {
	allowed := map[string]bool{
		"127.0.0.1:" + strconv.Itoa(port): true,
		"localhost:" + strconv.Itoa(port): true,
		"[::1]:" + strconv.Itoa(port):     true,
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowed[r.Host] {
			http.Error(w, "forbidden host", http.StatusForbidden)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		for _, d := range downloads {
			if r.URL.Path != "/"+d.Name {
				continue
			}
			h.Set("Content-Type", d.Type)
			h.Set("Content-Disposition", `attachment; filename="`+d.Name+`"`)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Cache-Control", "no-store")
			if r.Method == http.MethodHead {
				return
			}
			if err := d.Write(w); err != nil {
				// The status is sent already: cut the body short, so
				// that the browser reports a failed download.
				panic(http.ErrAbortHandler)
			}
			return
		}
		if r.URL.Path != "/" && r.URL.Path != "/report.html" {
			http.NotFound(w, r)
			return
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", PageCSP(page)+"; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Content-Length", strconv.Itoa(len(page)))
		if r.Method == http.MethodHead {
			return
		}
		w.Write(page)
	})
}

// Server is a running `reprokit view` server.
type Server struct {
	// URL is the address of the report, http://127.0.0.1:PORT/.
	URL string
	srv *http.Server
	ln  net.Listener
}

// Listen starts serving page (and the downloads, see [Handler]) on
// 127.0.0.1:port (0 picks a free port).
func Listen(page []byte, port int, downloads ...Download) (*Server, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1:%d: %w (choose another --port, or 0 for any)", port, err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	s := &Server{
		URL: "http://127.0.0.1:" + strconv.Itoa(p) + "/",
		srv: &http.Server{Handler: Handler(page, p, downloads...), ReadHeaderTimeout: 10 * time.Second},
		ln:  ln,
	}
	go s.srv.Serve(ln)
	return s, nil
}

// Serve blocks until ctx ends, then shuts the server down.
func (s *Server) Serve(ctx context.Context) error {
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close stops the server now.
func (s *Server) Close() error { return s.srv.Close() }

// OpenBrowser opens url in the user's default browser (xdg-open, open or
// start). It does not wait for the browser.
func OpenBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open a browser: %w; open %s yourself", err, url)
	}
	go cmd.Wait()
	return nil
}
