package native

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/spool"
)

// Recovered is the data of the "recovered" host message: a recording that
// an earlier host left unfinished (its process was killed, its finisher
// failed) and that this host bundled at hello. It is not the port's
// recording: the extension shows it apart, labelled as recovered, with its
// own open and discard (docs/PROTOCOL.md, "Recovered recordings").
type Recovered struct {
	// Recording names the recovered recording (its spool folder, rec-…),
	// never the port's current recording.
	Recording string `json:"recording"`
	// Path and Size are the bundle's (none when Error is set).
	Path string `json:"path,omitempty"`
	Size int64  `json:"size,omitempty"`
	// Started is when the recording started (RFC 3339); StopReason why it
	// ended ("extension disconnected" for a killed host).
	Started    string `json:"started,omitempty"`
	StopReason string `json:"stopReason,omitempty"`
	// ID and Error are set instead of Path when the leftover could not be
	// bundled (its bundle was refused, fail closed, or finishing failed):
	// it is kept in its spool until the user runs `reprokit recover
	// --allow KIND ID` or `--discard ID`; Error says why, with that fix.
	ID    string         `json:"id,omitempty"`
	Error map[string]any `json:"error,omitempty"`
}

// reportRecovered tells the extension about a leftover that recovery
// bundled, in a message of its own so that it is never taken for the state
// of the recording the user is starting.
func (h *Host) reportRecovered(name string, before *spool.Meta, path string) {
	r := Recovered{Recording: name, Path: path, Started: before.Started, StopReason: before.StopReason}
	if r.StopReason == "" {
		r.StopReason = "extension disconnected" // what Finish records for a spool still recording
	}
	if fi, err := os.Stat(path); err == nil {
		r.Size = fi.Size()
	}
	h.mu.Lock()
	h.recovered = append(h.recovered, r)
	h.mu.Unlock()
	h.out.Send(Message{Type: "recovered", Data: r})
}

// reportUnrecovered tells the extension about a leftover that stays in its
// spool because it could not be bundled, so the user learns it is kept and
// how to finish it instead of never hearing of it.
func (h *Host) reportUnrecovered(d *spool.Dir, m *spool.Meta, err error) {
	id := m.ID
	if id == "" {
		id = strings.TrimPrefix(filepath.Base(d.Path()), "rec-")
	}
	e := Errorf(CodeSaveFailed, spool.ResolveHint(d), "%s", strings.SplitN(err.Error(), "\n", 2)[0])
	info := map[string]any{"code": e.Code}
	for k, v := range e.Params {
		info[k] = v
	}
	h.out.Send(Message{Type: "recovered", Data: Recovered{Recording: filepath.Base(d.Path()), ID: id, Started: m.Started, StopReason: m.StopReason, Error: info}})
}

// recoveredBundle checks that path is a bundle the extension may open or
// delete as a recovered one: a bundle this host recovered, or a .zip in the
// output folder whose bundle.json says it was recovered (the extension keeps
// its list across host restarts). It returns the cleaned path.
func (h *Host) recoveredBundle(path string) (string, error) {
	p := filepath.Clean(path)
	if path == "" || !filepath.IsAbs(p) || !strings.EqualFold(filepath.Ext(p), ".zip") {
		return "", Errorf(CodeBadData, "", "a recovered bundle is an absolute path to a .zip, not %q", path)
	}
	h.mu.Lock()
	known := false
	for _, r := range h.recovered {
		known = known || r.Path == p
	}
	h.mu.Unlock()
	if !known {
		rel, err := filepath.Rel(h.outDir, p)
		if err != nil || rel == "." || strings.HasPrefix(rel, "..") || strings.ContainsRune(rel, filepath.Separator) {
			return "", Errorf(CodeBadData, "", "%s is not a bundle in the output folder %s", p, h.outDir)
		}
	}
	if _, err := os.Stat(p); err != nil {
		return "", Errorf(CodeNothingToReview, "It was moved or deleted already.", "the recovered bundle %s is gone", p)
	}
	b, err := bundle.Open(p)
	if err != nil {
		return "", Errorf(CodeOpenFailed, "Open it with `reprokit view FILE`.", "%v", err)
	}
	if b.Manifest == nil || !b.Manifest.Recording.Recovered {
		return "", Errorf(CodeBadData, "", "%s is not a recovered bundle", p)
	}
	return p, nil
}
