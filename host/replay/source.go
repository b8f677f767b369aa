package replay

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/reprokit/reprokit/host/har"
)

// Source is what a replay reads from a bundle or a bare HAR.
type Source struct {
	// HAR is the recorded session.
	HAR *har.HAR
	// Screenshots are the recorded screenshots in recorded order, with
	// their image bytes (empty for a bare HAR).
	Screenshots []Screenshot
	// Steps is steps.json as stored (nil when absent).
	Steps []byte
	// Env is the recorded environment (zero when absent).
	Env Environment
}

// Screenshot is one recorded (or replayed) screenshot.
type Screenshot struct {
	File   string `json:"file"`
	URL    string `json:"url,omitempty"`
	Reason string `json:"reason,omitempty"`
	Data   []byte `json:"-"`
}

// Environment is the part of a bundle's environment.json that a replay
// emulates (the fields of capture.Environment it needs, read by name so
// that replay reads bundles of any version).
type Environment struct {
	Browser struct {
		UserAgent string `json:"userAgent"`
	} `json:"browser"`
	Screen struct {
		Width            int     `json:"width"`
		Height           int     `json:"height"`
		DevicePixelRatio float64 `json:"devicePixelRatio"`
	} `json:"screen"`
	Viewport struct {
		Width             int     `json:"width"`
		Height            int     `json:"height"`
		DeviceScaleFactor float64 `json:"deviceScaleFactor"`
		IsMobile          bool    `json:"isMobile"`
		HasTouch          bool    `json:"hasTouch"`
		IsLandscape       bool    `json:"isLandscape"`
	} `json:"viewport"`
	Locale    string   `json:"locale"`
	Languages []string `json:"languages"`
	TimeZone  string   `json:"timeZone"`
	Start     string   `json:"start"`
}

// Size caps for hostile input.
const (
	maxHARBytes        = 1 << 30
	maxMemberBytes     = 64 << 20
	maxScreenshotCount = 500
)

// Load reads a bundle .zip or a bare HAR file.
func Load(file string) (*Source, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("open recording: %w (pass a bundle .zip or a .har file)", err)
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if n == 4 && bytes.Equal(head, []byte("PK\x03\x04")) {
		st, err := f.Stat()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		return loadZip(f, st.Size(), file)
	}
	h, err := decodeHAR(io.LimitReader(f, maxHARBytes))
	if err != nil {
		return nil, fmt.Errorf("%s is neither a bundle .zip nor a HAR: %w", file, err)
	}
	return &Source{HAR: h}, nil
}

func decodeHAR(r io.Reader) (*har.HAR, error) {
	var h har.HAR
	if err := json.NewDecoder(r).Decode(&h); err != nil {
		return nil, fmt.Errorf("decode HAR: %w", err)
	}
	if h.Log.Entries == nil && h.Log.Version == "" {
		return nil, errors.New("no log.entries: not a HAR file")
	}
	return &h, nil
}

func loadZip(r io.ReaderAt, size int64, name string) (*Source, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable zip: %w", name, err)
	}
	files := map[string]*zip.File{}
	for _, f := range z.File {
		clean := path.Clean(strings.TrimPrefix(f.Name, "/"))
		if strings.HasPrefix(clean, "../") || clean == ".." {
			continue // never follow a path out of the bundle
		}
		files[clean] = f
	}
	read := func(n string, limit int64) ([]byte, error) {
		f := files[n]
		if f == nil {
			return nil, nil
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s in %s: %w", n, name, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, limit+1))
		if err != nil {
			return nil, fmt.Errorf("%s in %s: %w", n, name, err)
		}
		if int64(len(b)) > limit {
			return nil, fmt.Errorf("%s in %s is larger than %d bytes", n, name, limit)
		}
		return b, nil
	}
	src := &Source{}
	hb, err := read("session.har", maxHARBytes)
	if err != nil {
		return nil, err
	}
	if hb == nil {
		return nil, fmt.Errorf("%s has no session.har: is it a Reprokit bundle?", name)
	}
	if src.HAR, err = decodeHAR(bytes.NewReader(hb)); err != nil {
		return nil, fmt.Errorf("session.har in %s: %w", name, err)
	}
	if src.Steps, err = read("steps.json", maxMemberBytes); err != nil {
		return nil, err
	}
	if eb, err := read("environment.json", maxMemberBytes); err != nil {
		return nil, err
	} else if eb != nil {
		_ = json.Unmarshal(eb, &src.Env) // an unreadable environment only loses emulation
	} else if bb, _ := read("bundle.json", maxMemberBytes); bb != nil {
		var meta struct {
			Environment *Environment `json:"environment"`
		}
		if json.Unmarshal(bb, &meta) == nil && meta.Environment != nil {
			src.Env = *meta.Environment
		}
	}
	ib, err := read("screenshots.json", maxMemberBytes)
	if err != nil {
		return nil, err
	}
	if ib != nil {
		var idx []Screenshot
		if err := json.Unmarshal(ib, &idx); err != nil {
			var wrapped struct {
				Screenshots []Screenshot `json:"screenshots"`
			}
			if json.Unmarshal(ib, &wrapped) == nil {
				idx = wrapped.Screenshots
			}
		}
		for _, s := range idx {
			if len(src.Screenshots) >= maxScreenshotCount {
				break
			}
			p := path.Clean(s.File)
			if !strings.HasPrefix(p, "screenshots/") {
				p = "screenshots/" + p
			}
			if s.Data, err = read(p, maxMemberBytes); err != nil {
				return nil, err
			}
			if s.Data != nil {
				src.Screenshots = append(src.Screenshots, s)
			}
		}
	}
	return src, nil
}
