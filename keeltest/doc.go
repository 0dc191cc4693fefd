// Package keeltest tests HTTP handlers, and Keel apps in particular, the way
// FastAPI's TestClient does: a client that sends requests to an http.Handler,
// keeps cookies across requests, follows redirects, logs in with the OAuth2
// password flow, and compares status, headers and JSON exactly, reporting
// every difference through testing.TB.
//
//	func TestReadMe(t *testing.T) {
//		c := keeltest.New(t, newApp())
//		c.Login("/token", "johndoe", "secret", "me")
//		c.Get("/users/me/").
//			ExpectStatus(200).
//			ExpectJSON(`{"username": "johndoe", "disabled": false}`)
//	}
//
// New serves each request in-process, without a socket: the handler gets the
// request a net/http server would give it, and the client gets the response
// such a server would send (see New for the details). NewServer and
// NewTLSServer run the handler behind an httptest.Server instead, with the same
// API, for tests that need a real connection.
//
// Requests take options: a body (JSON, Form, Multipart, Body), query
// parameters (Query), headers (Header, Bearer, BasicAuth), cookies (Cookie).
// Options that make sense for every request (Header, Query, Bearer, ...) can
// also be given to New, and apply to every request of that client.
//
// Assertions (ExpectStatus, ExpectHeader, ExpectJSON, ExpectBody) report with
// t.Errorf, so one test shows every difference, and return the response for
// chaining. Failures that leave nothing to check (a handler that panics, an
// option that cannot be encoded, a failed Login) stop the test with t.Fatalf.
//
// Override swaps a dependency of a Keel App for one test and restores it with
// t.Cleanup.
package keeltest
