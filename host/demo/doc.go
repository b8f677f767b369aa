// Package demo is the demo web app that `reprokit demo` records: a small
// chat workspace ("Northwind Workspace") embedded in the binary, with the
// problems a support team is asked about every day, and the scripted
// session that plays them in a browser.
//
//	app, err := demo.Start()
//	defer app.Close()
//	// start recording app.URL + "/" and, with the recorded tab's context:
//	err = demo.Drive(ctx, tab, app)
//
// The workspace runs on 127.0.0.1 ([App.URL]) and signs in through an
// identity provider on localhost ([App.IdPURL]), another site:
//
//	path                         what
//	GET  /                       302 to /login, or to /app with a session
//	GET  /login                  "Continue with Northwind SSO"
//	GET  /sso/start              302 to IdP /sso/authorize?client_id&redirect_uri&state (state in a cookie)
//	GET  IdP /sso/authorize      the IdP's sign-in form (email and password)
//	POST IdP /sso/authorize      302 to /sso/callback?code=…&state=…; a wrong email gets "No accounts found"
//	GET  /sso/callback           checks state and code, sets the nw_session cookie, 302 to /app
//	GET  /app                    the chat workspace (static/app.html, app.css, app.js)
//	GET  /api/me                 the account: email, plan, workspace ID
//	POST /api/chat               {id: "chatcmpl-…", request_id, stream}, with an x-request-id header
//	GET  /api/stream             websocket: after the client's {"type":"subscribe","completion"} frame, the
//	                             assistant's reply word by word, then {"type":"done"} and a normal close
//	POST /api/files              413 above 20 MB with {"error":{…},"request_id"}
//	GET  /api/workspace/usage    always 500 with {"error":{…,"type":"server_error"},"request_id"}
//
// Every /api/ answer carries an `x-request-id` header (lower case on the
// wire) that its JSON body repeats as request_id; the page shows the IDs
// of failures, as real products do, and logs them with console.error.
//
// [Drive] plays the session with real input events: it clicks "Continue
// with SSO", types [Email] and [Password] at the IdP, types [Message] and
// sends it, waits for the streamed reply, attaches a generated 21 MB file
// (rejected with 413), and opens "Usage & billing", whose API call fails
// with 500. [DriveWith] adds progress and screenshot hooks.
package demo
