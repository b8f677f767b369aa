package bundle

import "encoding/json"

// ManifestFile is the name of the metadata file at the root of a bundle.
const ManifestFile = "bundle.json"

// Manifest is bundle.json, format 1 (docs/BUNDLE.md documents every field).
// Readers accept any format they know and ignore fields they do not know;
// a change that breaks a reader bumps [version.BundleFormat].
type Manifest struct {
	// Format is the bundle format version: 1.
	Format int `json:"format"`
	// ID is a random UUID naming the bundle.
	ID string `json:"id"`
	// Created is when the bundle was written, RFC 3339 with the local UTC
	// offset; TimeZone is the IANA zone of that offset ("Europe/Paris").
	Created  string `json:"created"`
	TimeZone string `json:"timeZone,omitempty"`
	// Tool is the program that wrote the bundle.
	Tool Tool `json:"tool"`
	// Recording is the window and the way the session was recorded.
	Recording Recording `json:"recording"`
	// Environment is environment.json as recorded (browser, OS, device,
	// screen, network), sanitized.
	Environment json.RawMessage `json:"environment,omitempty"`
	// Reporter holds the reporter's own fields (never a password).
	Reporter Reporter `json:"reporter"`
	// Counts summarises what the bundle holds.
	Counts Counts `json:"counts"`
	// RequestIDs are the request and trace IDs found in the recording,
	// failed requests first.
	RequestIDs []RequestID `json:"requestIds"`
	// Findings are the automatic diagnoses, most severe first.
	Findings []Finding `json:"findings"`
	// Redaction is the sanitizer's report: counts per rule and locations,
	// never the values.
	Redaction json.RawMessage `json:"redaction,omitempty"`
	// Budget is the size budget and every action taken to meet it.
	Budget Budget `json:"budget"`
	// Excluded lists what the reporter removed at review.
	Excluded Excluded `json:"excluded"`
	// Files lists every other file of the bundle with its size and SHA-256.
	Files []File `json:"files"`
	// Notes are free-text remarks of the tool (for example a recovered
	// recording, or a file that could not be read).
	Notes []string `json:"notes,omitempty"`
}

// Tool names the program that wrote a bundle.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Recording is the recording window of a bundle.
type Recording struct {
	ID string `json:"id,omitempty"`
	// Mode is "launch", "attach" or "extension".
	Mode string `json:"mode,omitempty"`
	// Start and End are RFC 3339 with the recording machine's offset.
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
	// TimeZone is the IANA zone of the recording machine.
	TimeZone       string `json:"timeZone,omitempty"`
	DurationMillis int64  `json:"durationMillis,omitempty"`
	StopReason     string `json:"stopReason,omitempty"`
	StartURL       string `json:"startUrl,omitempty"`
	// Recovered is true when the bundle was made from a recording that its
	// process left behind (killed or crashed).
	Recovered bool `json:"recovered,omitempty"`
	// Language is the reporter's UI language as a BCP 47 tag ("ko",
	// "en-US"): the popup's (Chrome's UI language), or the CLI's --lang or
	// system locale. SUPPORT_REQUEST.md and the report's labels are
	// written in it when the extension has its words (English otherwise).
	Language string `json:"language,omitempty"`
}

// FieldLabels are the plain words for the reporter's fields in English,
// by Reporter's JSON names: the extension's message catalog
// (extension/_locales/en), the same words as the popup, SUPPORT_REQUEST.md
// and the report; [WordsFor] gives them in the reporter's language.
var FieldLabels = func() map[string]string {
	w := WordsFor("en")
	return map[string]string{
		"description":     w.Label("fieldDescription"),
		"email":           w.Label("fieldEmail"),
		"billingEmail":    w.Label("fieldBillingEmail"),
		"plan":            w.Label("fieldPlan"),
		"workspace":       w.Label("fieldWorkspace"),
		"customApp":       w.Label("fieldCustomApp"),
		"safetyMessage":   w.Label("fieldSafety"),
		"safetyRequestId": w.Label("fieldSafetyRequestId"),
		"network":         w.Label("fieldNetwork"),
	}
}()

// Reporter holds the fields the reporter filled in, each passed through the
// sanitizer's ReporterField. A field whose name mentions a password, passphrase or
// secret is never stored. Other fields go to Extra.
type Reporter struct {
	Description string `json:"description,omitempty"`
	// Email is the account email; BillingEmail an alternative billing email.
	Email        string `json:"email,omitempty"`
	BillingEmail string `json:"billingEmail,omitempty"`
	// Plan is the account plan ("Plus", "Team", "Enterprise", …).
	Plan string `json:"plan,omitempty"`
	// Workspace is the workspace or organization ID.
	Workspace string `json:"workspace,omitempty"`
	// CustomApp is the public link or ID of a custom app or assistant.
	CustomApp string `json:"customApp,omitempty"`
	// SafetyMessage is the exact text of a policy or safety message the
	// reporter saw; SafetyRequestID its request ID when known.
	SafetyMessage   string `json:"safetyMessage,omitempty"`
	SafetyRequestID string `json:"safetyRequestId,omitempty"`
	// Network is the reporter's description of the network ("corporate
	// VPN", "home").
	Network string            `json:"network,omitempty"`
	Extra   map[string]string `json:"extra,omitempty"`
}

// Counts summarises the content of a bundle.
type Counts struct {
	Entries          int `json:"entries"`
	Failed           int `json:"failed"`
	Pages            int `json:"pages"`
	WebSockets       int `json:"webSockets"`
	Domains          int `json:"domains"`
	ConsoleMessages  int `json:"consoleMessages"`
	ConsoleErrors    int `json:"consoleErrors"`
	Steps            int `json:"steps"`
	Screenshots      int `json:"screenshots"`
	ScreencastFrames int `json:"screencastFrames"`
	// BodyBytes is the size of the response and request bodies kept.
	BodyBytes int64 `json:"bodyBytes"`
	// DOMEvents counts the rrweb events in dom.json (0: no DOM replay).
	DOMEvents int `json:"domEvents"`
}

// RequestID is one request, completion or trace ID found in a response
// header, a JSON response body, a URL query parameter or a websocket message
// or server-sent event, linked to its HAR entry.
type RequestID struct {
	Value string `json:"value"`
	// Source is "header:<name>", "body:<json path>", "query:<parameter>",
	// "frame:<json path>" (a websocket message) or "event:<json path>" (a
	// server-sent event, or a data: line of a text/event-stream body).
	Source string `json:"source"`
	// Entry is the index of the entry in session.har's log.entries.
	Entry  int    `json:"entry"`
	Method string `json:"method"`
	URL    string `json:"url"`
	Status int    `json:"status"`
	// Time is the entry's startedDateTime.
	Time   string `json:"time"`
	Failed bool   `json:"failed"`
}

// Budget is the size budget of a bundle and what was done to meet it.
type Budget struct {
	// Limit is the budget in bytes; 0 means no limit.
	Limit int64 `json:"limit"`
	// Estimated is the size of the bundle before the budget was applied,
	// estimated from the compressed size of its content.
	Estimated int64 `json:"estimated"`
	// Final is the estimated size of the bundle after the actions.
	Final int64 `json:"final"`
	// OverBudget is true when the bundle is still larger than Limit after
	// every allowed action; Message then says so plainly.
	OverBudget bool           `json:"overBudget"`
	Message    string         `json:"message,omitempty"`
	Actions    []BudgetAction `json:"actions"`
}

// BudgetAction is one thing removed or shrunk to meet the size budget.
type BudgetAction struct {
	// Step is the kind of action: 1 image, font and media bodies; 5 the
	// DOM replay (taken right after 1); 2 large scripts and styles; 3
	// screenshots and screencast; 4 large text bodies truncated.
	Step int `json:"step"`
	// Action is "remove-body", "truncate-body", "recompress-screenshot",
	// "downscale-screenshot", "thin-screencast", "thin-dom-replay" or
	// "drop-dom-replay".
	Action string `json:"action"`
	// Entry is the HAR entry index for a body, -1 otherwise; File names a
	// screenshot or screencast file.
	Entry int    `json:"entry"`
	URL   string `json:"url,omitempty"`
	File  string `json:"file,omitempty"`
	// Before and After are byte sizes of the content (uncompressed).
	Before int64 `json:"before"`
	After  int64 `json:"after"`
}

// Excluded lists what the reporter chose to leave out at review.
type Excluded struct {
	Domains []string `json:"domains,omitempty"`
	Entries int      `json:"entries,omitempty"`
	// ConsoleMessages counts the console messages of the excluded domains
	// (their source URL or the top frame of their stack) left out.
	ConsoleMessages int `json:"consoleMessages,omitempty"`
	// Screenshots counts the screenshots left out: deleted by the
	// reporter, or taken on a page of an excluded domain; ScreenshotFiles
	// names them. Bundles before issue 11 had the list of deleted files
	// under "screenshots"; it reads as their count.
	Screenshots     FileCount `json:"screenshots,omitempty"`
	ScreenshotFiles []string  `json:"screenshotFiles,omitempty"`
	// ScreencastFrames counts the frames of excluded domains left out.
	ScreencastFrames int `json:"screencastFrames,omitempty"`
	// Steps counts the steps on pages of excluded domains: they stay in
	// steps.json, marked "excluded": true, without their typed values.
	Steps int `json:"steps,omitempty"`
	// DOMEvents counts the DOM replay events left out: those of pages and
	// of cross-origin frames on excluded domains.
	DOMEvents int `json:"domEvents,omitempty"`
	// DOMReplay: the reporter left the DOM session replay (dom.json) out.
	DOMReplay bool `json:"domReplay,omitempty"`
}

// FileCount is a count that earlier bundles wrote as a list of file names.
type FileCount int

// UnmarshalJSON reads a number, or a list (its length).
func (c *FileCount) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*c = FileCount(n)
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*c = FileCount(len(list))
	return nil
}

// File is one file of a bundle.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}
