package testapp_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/reprokit/reprokit/host/testapp"
)

// A test starts the app, points a browser (here a plain HTTP client) at
// it, and then asks which requests the servers received.
func Example() {
	app, err := testapp.Start()
	if err != nil {
		panic(err)
	}
	defer app.Close()

	resp, err := http.Get(app.URL + "/status/503")
	if err != nil {
		panic(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	for _, r := range app.Received() {
		fmt.Println(r.Origin, r.Method, r.Path)
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("x-request-id") != "")
	// Output:
	// A GET /status/503
	// 503 true
}
