package capture_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/reprokit/reprokit/host/capture"
	"github.com/reprokit/reprokit/host/har"
)

// ExampleBuildHAR converts a protocol log of a redirect into a HAR: one
// entry per hop, the body from the recorder's getResponseBody result.
func ExampleBuildHAR() {
	log := `{"method":"Network.requestWillBeSent","params":{"requestId":"1","request":{"url":"http://a.test/old","method":"GET","headers":{}},"timestamp":1,"wallTime":1700000000,"type":"Document"}}
{"method":"Network.requestWillBeSent","params":{"requestId":"1","request":{"url":"http://a.test/new","method":"GET","headers":{}},"timestamp":1.02,"wallTime":1700000000.02,"type":"Document","redirectResponse":{"status":301,"statusText":"Moved Permanently","headers":{"Location":"/new"}}}}
{"method":"Network.responseReceived","params":{"requestId":"1","timestamp":1.05,"type":"Document","response":{"status":200,"statusText":"OK","mimeType":"text/html","headers":{}}}}
{"method":"Network.loadingFinished","params":{"requestId":"1","timestamp":1.06,"encodedDataLength":120}}
{"method":"Network.getResponseBody","params":{"requestId":"1"},"result":{"body":"<h1>moved</h1>","base64Encoded":false}}
`
	var out bytes.Buffer
	if err := capture.BuildHAR(strings.NewReader(log), &out, capture.BuildOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	var h har.HAR
	json.Unmarshal(out.Bytes(), &h)
	for _, e := range h.Log.Entries {
		fmt.Printf("%s %s %d redirect=%q body=%q\n", e.StartedDateTime, e.Request.URL, e.Response.Status, e.Response.RedirectURL, e.Response.Content.Text)
	}
	// Output:
	// 2023-11-14T22:13:20.000Z http://a.test/old 301 redirect="/new" body=""
	// 2023-11-14T22:13:20.020Z http://a.test/new 200 redirect="" body="<h1>moved</h1>"
}
