package sanitize

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestScratchReal(t *testing.T) {
	root := os.Getenv("REAL")
	if root == "" {
		t.Skip()
	}
	r := New(nil)
	n, changed := 0, 0
	var total time.Duration
	var bytes int
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if d.IsDir() {
			return nil
		}
		mime := ""
		switch filepath.Ext(p) {
		case ".js":
			mime = "text/javascript"
		case ".css":
			mime = "text/css"
		case ".html":
			mime = "text/html"
		case ".svg", ".xml":
			mime = "image/svg+xml"
		case ".map":
			mime = "application/json"
		default:
			return nil
		}
		data, _ := os.ReadFile(p)
		if len(data) > 4<<20 {
			return nil
		}
		n++
		st := time.Now()
		out := r.body(&locator{file: "x"}, string(data), mime, textCtx{ip: true})
		total += time.Since(st)
		bytes += len(data)
		if out != string(data) {
			changed++
			// first difference
			i := 0
			for i < len(out) && i < len(data) && out[i] == data[i] {
				i++
			}
			a := max(0, i-60)
			fmt.Printf("CHANGED %s @%d\n  in : %q\n  out: %q\n", p, i, string(data[a:min(len(data), i+80)]), out[a:min(len(out), i+80)])
		}
		_ = strings.TrimSpace
		return nil
	})
	fmt.Printf("files %d changed %d bytes %d time %v (%.1f MB/s)\n", n, changed, bytes, total, float64(bytes)/total.Seconds()/1e6)
}
