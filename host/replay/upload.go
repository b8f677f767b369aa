package replay

import (
	"strconv"
	"strings"
)

// Chrome puts an intercepted request's whole body into Fetch.requestPaused,
// twice (base64 and as an escaped string): QA's 21 MB demo upload made a
// 161 MB message, which Chrome took 18-25 s to write on a loaded machine
// while every other reply of the replay waited behind it (the recording's
// upload took 0.5 s). The bytes of an uploaded file never decide a match:
// the sanitizer keeps only "[REDACTED:file:…] N bytes" in their place, and
// a raw recording does not keep large uploads whole either. So the replay
// page sends a stand-in for a large file part of a FormData (fetch and
// XMLHttpRequest): a small file of the same field, name and type whose
// text says how many bytes were left out. The matcher takes it as any
// file in that place (compareParts).

// uploadStandInMin is the size from which a FormData file part is sent as
// a stand-in.
const uploadStandInMin = 1 << 20

// uploadStandInMark starts the text of a stand-in file part; the size of
// the file the page chose follows ("… 22020096 bytes").
const uploadStandInMark = "[reprokit replay: file bytes left out]"

// isUploadStandIn reports whether a part's data is a replay stand-in.
func isUploadStandIn(data string) bool {
	rest, ok := strings.CutPrefix(data, uploadStandInMark+" ")
	if !ok {
		return false
	}
	n, ok := strings.CutSuffix(rest, " bytes")
	_, err := strconv.ParseInt(n, 10, 64)
	return ok && err == nil
}

// uploadStandInScript installs the stand-in in a window (g), as part of
// socketScript.
var uploadStandInScript = strings.NewReplacer("MIN", strconv.Itoa(uploadStandInMin), "MARK", strconv.Quote(uploadStandInMark)).Replace(`
    if (g.FormData && g.File && !g.__reprokitUploads) {
      Object.defineProperty(g, "__reprokitUploads", {value: true});
      const FD = g.FormData, F = g.File;
      const shrink = (body) => {
        if (!(body instanceof FD)) return body;
        let big = false;
        for (const [, v] of body) if (v instanceof F && v.size >= MIN) big = true;
        if (!big) return body;
        const out = new FD();
        for (const [k, v] of body) {
          if (v instanceof F && v.size >= MIN) out.append(k, new F([MARK + " " + v.size + " bytes"], v.name, {type: v.type, lastModified: v.lastModified}));
          else out.append(k, v);
        }
        return out;
      };
      const fetch = g.fetch;
      if (typeof fetch === "function") {
        g.fetch = function (input, init) {
          if (init && init.body instanceof FD) init = Object.assign({}, init, {body: shrink(init.body)});
          return fetch.call(this, input, init);
        };
      }
      const XHR = g.XMLHttpRequest;
      if (XHR) {
        const send = XHR.prototype.send;
        XHR.prototype.send = function (body) { return send.call(this, shrink(body)); };
      }
    }`)
