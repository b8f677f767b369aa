// Package testapp is the local web app that Reprokit's browser tests
// record: two loopback servers (net/http/httptest) serving the same pages
// under two sites, with every edge case of capture, sanitizing and replay,
// plus an HTTPS origin and a firewall proxy for the network failures.
//
//	app, err := testapp.Start()
//	defer app.Close()
//	// navigate the browser to app.URL + "/scenario/all", then:
//	for _, r := range app.Received() { … } // every request the servers got
//
// [App.URL] is origin A (http://127.0.0.1:PORT) and [App.OtherURL] is
// origin B (http://localhost:PORT). They are different sites, so a fetch
// from one to the other is cross-origin and a frame of B inside a page of A
// runs in its own renderer process (an out-of-process iframe target).
// [App.RefusedURL] points at a closed port. Both origins serve every path;
// pages link to "the other origin" for cross-origin cases.
//
// For the network failures a support bundle must diagnose, the app also has
// [App.SecureURL], origin S (https://127.0.0.1:PORT, the same paths over TLS
// with a self-signed certificate made at start: net::ERR_CERT_AUTHORITY_INVALID,
// as behind a TLS-inspecting proxy, unless the browser is started with
// --ignore-certificate-errors-spki-list=[App.SecureSPKI]), and
// [App.ProxyURL], a forward proxy that refuses every CONNECT with 403, as a
// firewall does (net::ERR_TUNNEL_CONNECTION_FAILED). Chromium proxies no
// loopback request and counts none as mixed content, so those scenarios
// address [RemoteHost], a name no resolver knows:
//
//	--proxy-server="http=<RefusedURL host>;https=<ProxyURL host>"
//	  fetch http://api.reprokit.test/…   net::ERR_PROXY_CONNECTION_FAILED
//	  fetch https://api.reprokit.test/…  net::ERR_TUNNEL_CONNECTION_FAILED
//	--ignore-certificate-errors-spki-list=<SecureSPKI>
//	  SecureURL + "/mixed"               blocked mixed content (blockedReason mixed-content)
//
// Content is deterministic (fixed texts, a seeded generator for large
// bodies, request IDs from a sequence that [App.Reset] restarts), so two
// loads of a page give the same bytes and the same screenshots. Every page
// has a <title> and a data: favicon, so Chromium makes no /favicon.ico
// request of its own. Pages that run something on load set
// document.body.dataset.done when it has finished; a test polls
// `document.body.dataset.done` instead of sleeping.
//
// # Pages and endpoints
//
//	path                          what
//	/                             index of the pages
//	/scenario/all                 most cases from one load (results in window.reprokitResults, data-done when finished);
//	                              buttons (data-testid): popup, download, abort, big, upload-413, sse-endless,
//	                              beacon, ws-abnormal, navigate-away, fragment (each sets a data-* flag on body when done)
//	/redirect/301                 301 -> /redirect/302 -> 307 -> 308 -> /redirect/final (200 HTML)
//	/form, POST /form/submit      form post answered 303 -> GET /form/done
//	/etag/data.json               ETag "rk-etag-v1", Cache-Control: no-cache; If-None-Match gets 304
//	/cache/page                   page with /cache/static.js, static.css, logo.png (max-age=3600: memory/disk
//	                              cache hits on reload) and two fetches of /etag/data.json (200 then 304)
//	/api/cors (on B)              CORS for any Origin; OPTIONS preflight allows PUT and X-Reprokit-Test
//	/api/nocors (on B)            no CORS headers: a cross-origin read fails
//	/api/<anything>               small JSON {ok, path, origin, request_id}
//	/slow?ms=N                    answers after N ms (default 5000), or stops when the client leaves
//	/slow/page[?away=1]           a page whose image never loads; ?away=1 navigates to /nav/landed after 300 ms
//	RefusedURL                    connection refused (nothing listens)
//	/ws[?close=abnormal]          gorilla/websocket: sends "hello" and 16 binary bytes, echoes each frame;
//	                              text "close" closes 1000 "bye", "abort" or ?close=abnormal drops the TCP
//	                              connection with no close frame (1006); /websocket is its page
//	/sse                          text/event-stream: 3 "tick" events (ids 1-3) then stays open
//	/sse/endless                  an event every 250 ms for ever (open at stop)
//	/stream/endless               chunked text for ever; /streams is the page with both
//	POST /post/urlencoded|json|multipart|binary   echo what arrived as JSON; /posts posts each kind
//	/gzip/text, /gzip/json        Content-Encoding: gzip, fixed bytes
//	/sw/page, /sw/sw.js           a service worker (scope /sw/) that caches /sw/cached.txt at install and
//	                              answers it from its cache with x-served-by: service-worker
//	/frames, /frames/inner        a same-origin and a cross-origin (B) iframe; each inner page fetches /api/frame-data
//	/dom/page, /dom/frame         the DOM session replay: the APIKey shown as page text, a text and a password
//	                              input, a data-private note (ZEBRA-PRIVATE-7731), a button (data-testid add)
//	                              that adds list items, a cross-origin frame (B) with its own data-private text
//	/worker, /worker/worker.js    a dedicated worker that fetches /api/worker-data
//	/sharedworker, /worker/shared.js  a shared worker that fetches /api/shared-worker-data
//	/popup, /popup/child          window.open of a popup that fetches /api/popup-data and messages its opener
//	/popup/steps, /popup/form     opens a form (a text and a password input, a Save button) in a popup, by
//	                              window.open of its URL (open-direct) or window.open() then w.location (open-blank)
//	/late-dialog                  600 ms after load covers the page with a dark dialog backdrop (a Close
//	                              button, data-testid close), then fetches /api/dialog-shown: load and later unalike
//	/download/report.csv          Content-Disposition: attachment
//	/dataurls                     a data: image, fetches of a data: and a blob: URL, a blob: image
//	/big[?mb=N]                   BigSize (21 MB) of seeded bytes, or N MB
//	POST /beacon, /beacon/page    navigator.sendBeacon target (204) and a page that sends one
//	/fragment                     links to #section-2 and to #access_token=<FragmentToken>; fetches /api/fragment-data#not-sent
//	POST /upload, /upload/page    accepts up to MaxUpload (20 MB), 413 with a JSON error above; the page uploads 1 or 21 MB
//	/sso/start[?loop=N]           sign-in through an identity provider on the other origin: 302 ->
//	                              /idp/authorize (other origin) -> 302 /sso/callback -> 302 /sso/done; with loop=N
//	                              the callback sends the browser back to /idp/authorize until it has been
//	                              there N times (at most 8): a sign-in redirect loop
//	/saml/login[?loop=N]          SAML POST binding: 302 -> /idp/saml (other origin), a page that posts an
//	                              assertion to /saml/acs -> 302 /sso/done; with loop=N the ACS sends the
//	                              browser back to /saml/login until N rounds (at most 8), each a new navigation
//	/mixed                        on SecureURL: a page with a script and a fetch from http://RemoteHost
//	                              (blocked as mixed content) and a fetch of A's /api/cors (allowed: loopback)
//	/status/{code}, /errors       that status with a JSON error body {error{message,type,code}, request_id};
//	                              429 has Retry-After: 30; /errors fetches 401, 403, 429, 500, 502, 503
//	/unread                       fetches /status/413, /api/unread-ok and /slow?ms=1200 and never reads a body
//	                              (the responses stay referenced: no loadingFinished until the page goes)
//	/login (GET, POST)            email + password form with a hidden csrf_token and a data-private element;
//	                              POST sets the rk_session cookie and answers 303 -> /account
//	/secrets/cookie               Set-Cookie rk_session=<SessionCookie> (HttpOnly) and rk_jwt=<JWT>
//	/secrets/echo-auth            echoes the Authorization and Cookie headers in JSON
//	/secrets/token.json           access_token, refresh_token, id_token (JWT), email
//	/secrets/key.txt              text body with the sk-proj- APIKey and the Email
//	/secrets/jwt                  the JWT in an x-id-token response header
//	/secrets/page                 a page that plants every secret: headers, JSON/urlencoded/multipart bodies,
//	                              query strings, websocket frames, the console, a hidden input, data-private
//	/code/page                    secrets inside code ([App.Code], random per start): a config object, URL
//	                              builders, a template literal, a JSON script block, JSON escaped in a JS
//	                              string, a regular expression, onclick, headers, process.env, CSS url(),
//	                              /code/app.js, /code/app.css, /code/app.js.map (sourcesContent), /code/soap.xml;
//	                              only when every script ran does it make its requests (GET/POST /api/code/…)
//	                              and set data-done="ok", data-requests (count) and data-made ("METHOD /path"
//	                              lines); else data-done="broken: <what did not run>" and data-errors
//	/code/bundle                  the same harness over one minified script (/code/bundle.min.js)
//	/ids, POST /api/completions   a completion ID ([CompletionID]) in a JSON body, then in a URL query
//	                              and a websocket frame: a sanitizer must treat the three alike
//	/console                      console.log/info/warn/error, an uncaught exception, an unhandled rejection, a 404 image
//	/steps                        inputs, textarea, select, checkbox, sensitive fields, buttons, a link, a tall page
//	/findings/csp, /findings/throw, /findings/timeout, /findings/healthy
//	                              failures that leave no failed request (a CSP block, an uncaught TypeError on
//	                              a click, a page's own timeout) and a healthy page with their look-alikes
//	                              (findings_pages.go)
//	/bench/300                    a page making exactly 300 requests (document, 149 images, 150 fetches of 2 KB);
//	                              data-done when all finished
//	/bench/page?n=N&kb=K          the same with N requests and K KB fetch bodies
//
// Every API response (/api/, /status/, /post/, /upload, /secrets/, /login,
// /beacon, /ws handshake, /sse) carries an `x-request-id` header (sent in
// lower case) with an ID "req_" + 24 hex digits; JSON bodies repeat it as
// `request_id`.
//
// [Secrets] (and [App.Secrets]) lists every planted value so that tests can
// assert that none of them appears in a sanitized output.
package testapp
