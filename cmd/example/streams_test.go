package main

// The example's answers beyond JSON, over a real socket: the CSV download,
// the Server-Sent Events, the WebSocket, and the CORS policy; clients that
// go away mid-stream leave no goroutine behind (goleak) and no database
// connection in use.

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/goleak"

	"github.com/keelgo/keel/cmd/example/app"
)

// serve starts the example on a real socket, configured as newFixture's
// with mod's changes.
func serve(t *testing.T, mod func(*app.Config)) (*fixture, *httptest.Server) {
	t.Helper()
	f := &fixture{t: t}
	cfg := app.Config{
		DBPath:        filepath.Join(t.TempDir(), "example.db"),
		Secret:        testSecret,
		Now:           func() time.Time { return testNow },
		OnTxDone:      f.txDone,
		EventInterval: time.Nanosecond,
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := app.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.app = a
	srv := httptest.NewServer(a)
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return f, srv
}

// send sends one request with a fresh connection (no keep-alive: a test
// that checks for goroutines left finds none of the client's).
func send(t *testing.T, method, url string, h ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkResp checks a response's status, the headers named (""
// for absent) and its body.
func checkResp(t *testing.T, what string, resp *http.Response, status int, body string, h ...string) {
	t.Helper()
	got := readAll(t, resp)
	if resp.StatusCode != status || got != body {
		t.Errorf("%s: %d %q, want %d %q", what, resp.StatusCode, got, status, body)
	}
	for i := 0; i+1 < len(h); i += 2 {
		if v := strings.Join(resp.Header.Values(h[i]), ", "); v != h[i+1] {
			t.Errorf("%s: %s: %q, want %q", what, h[i], v, h[i+1])
		}
	}
}

const (
	johnCSV   = "item_id,owner\r\nFoo,johndoe\r\n"
	johnEvent = `{"item_id":"Foo","owner":"johndoe"}`
)

func TestItemsReport(t *testing.T) {
	f, srv := serve(t, nil)
	john := f.login(t, "johndoe", "secret", "me items")
	johnMe := f.login(t, "johndoe", "secret", "me")
	u := srv.URL + "/reports/items.csv"

	checkResp(t, "download", send(t, "GET", u, "Authorization", "Bearer "+john), 200, johnCSV,
		"Content-Type", "text/csv; charset=utf-8",
		"Content-Disposition", `attachment; filename="items.csv"`,
		"Accept-Ranges", "bytes",
		"Content-Length", "28")
	checkResp(t, "range", send(t, "GET", u, "Authorization", "Bearer "+john, "Range", "bytes=0-9"), 206, johnCSV[:10],
		"Content-Range", "bytes 0-9/28",
		"Content-Disposition", `attachment; filename="items.csv"`)
	checkResp(t, "suffix range", send(t, "GET", u, "Authorization", "Bearer "+john, "Range", "bytes=-4"), 206, "oe\r\n",
		"Content-Range", "bytes 24-27/28")
	checkResp(t, "range past the end", send(t, "GET", u, "Authorization", "Bearer "+john, "Range", "bytes=100-"), 416, "invalid range: failed to overlap\n",
		"Content-Range", "bytes */28")
	// docs/fastapi-compat.md §3.11: http.ServeContent's answer, where Starlette's is 400.
	checkResp(t, "malformed range", send(t, "GET", u, "Authorization", "Bearer "+john, "Range", "items=0-1"), 416, "invalid range\n",
		"Content-Range", "")
	checkResp(t, "no token", send(t, "GET", u), 401, notAuth, "WWW-Authenticate", "Bearer")
	checkResp(t, "range without a token", send(t, "GET", u, "Range", "bytes=0-9"), 401, notAuth, "WWW-Authenticate", "Bearer")
	checkResp(t, "lacks items", send(t, "GET", u, "Authorization", "Bearer "+johnMe), 401, notEnough, "WWW-Authenticate", `Bearer scope="items me"`)
	checkResp(t, "forged", send(t, "GET", u, "Authorization", "Bearer not-a-jwt"), 401, invalidCreds, "WWW-Authenticate", `Bearer scope="items me"`)
}

// sseEvent is one event of a text/event-stream, its fields as read.
type sseEvent struct{ id, event, data string }

// readEvents reads the events of an event stream until it ends, or n events.
func readEvents(t *testing.T, r io.Reader, n int) []sseEvent {
	t.Helper()
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur != (sseEvent{}) {
				out = append(out, cur)
				cur = sseEvent{}
				if len(out) == n {
					return out
				}
			}
		case strings.HasPrefix(line, ":"): // a comment (keep-alive)
		case strings.HasPrefix(line, "id: "):
			cur.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			cur.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			cur.data += line[6:]
		default:
			t.Errorf("unexpected line %q", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEvents(t *testing.T) {
	f, srv := serve(t, nil)
	john := f.login(t, "johndoe", "secret", "me items")
	johnItems := f.login(t, "johndoe", "secret", "items")
	alice := f.login(t, "alice", "secretalice", "me")
	u := srv.URL + "/events"

	resp := send(t, "GET", u, "Authorization", "Bearer "+john)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("events: %d %v", resp.StatusCode, resp.Header)
	}
	got := readEvents(t, resp.Body, -1)
	resp.Body.Close()
	want := []sseEvent{{"1", "item", johnEvent}, {"2", "item", johnEvent}, {"3", "item", johnEvent}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("events %q, want %q", got, want)
	}
	// A client reconnecting gets the events after the last it saw.
	resp = send(t, "GET", u, "Authorization", "Bearer "+john, "Last-Event-ID", "2")
	if got := readEvents(t, resp.Body, -1); len(got) != 1 || got[0] != want[2] {
		t.Errorf("after Last-Event-ID 2: %q", got)
	}
	resp.Body.Close()
	resp = send(t, "GET", u, "Authorization", "Bearer "+john, "Last-Event-ID", "3")
	checkResp(t, "after the last", resp, 200, "")

	checkResp(t, "bad Last-Event-ID", send(t, "GET", u, "Authorization", "Bearer "+john, "Last-Event-ID", "x"), 422,
		`{"detail":[{"type":"int_parsing","loc":["header","last-event-id"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"x"}]}`)
	checkResp(t, "no token", send(t, "GET", u), 401, notAuth, "WWW-Authenticate", "Bearer")
	checkResp(t, "lacks me", send(t, "GET", u, "Authorization", "Bearer "+johnItems), 401, notEnough, "WWW-Authenticate", `Bearer scope="me"`)
	checkResp(t, "forged", send(t, "GET", u, "Authorization", "Bearer not-a-jwt"), 401, invalidCreds, "WWW-Authenticate", `Bearer scope="me"`)
	checkResp(t, "inactive", send(t, "GET", u, "Authorization", "Bearer "+alice), 400, `{"detail":"Inactive user"}`)
}

// TestEventsClientGone: a client that goes away between two events stops
// the stream (the iterator sees its context canceled); the request's
// transaction was committed before the first event, and nothing is left
// running.
func TestEventsClientGone(t *testing.T) {
	f, srv := serve(t, func(c *app.Config) { c.EventInterval = time.Hour })
	john := f.login(t, "johndoe", "secret", "me items")
	f.takeTxs()
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+john)
	tr := &http.Transport{}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if got := readEvents(t, resp.Body, 1); len(got) != 1 || got[0].id != "1" {
		t.Fatalf("first event %q", got)
	}
	// The next event is an hour away: the client leaves.
	cancel()
	resp.Body.Close()
	tr.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for f.app.DB().Stats().InUse != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := f.app.DB().Stats().InUse; n != 0 {
		t.Errorf("%d database connections in use", n)
	}
	if txs := f.takeTxs(); len(txs) != 1 || !txs[0] {
		t.Errorf("transactions %v, want one committed", txs)
	}
}

// dialItems opens WS /ws/items with the given query string and headers.
func dialItems(t *testing.T, srv *httptest.Server, query string, h http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws/items"+query, &websocket.DialOptions{HTTPHeader: h})
}

// ping sends "ping" and returns the answer.
func ping(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	typ, msg, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if typ != websocket.MessageText {
		t.Errorf("answer of type %v", typ)
	}
	return string(msg)
}

func TestItemsSocket(t *testing.T) {
	f, srv := serve(t, func(c *app.Config) { c.CORSOrigins = []string{"https://app.example"} })
	john := f.login(t, "johndoe", "secret", "me items")
	johnItems := f.login(t, "johndoe", "secret", "items")
	johnMe := f.login(t, "johndoe", "secret", "me")
	alice := f.login(t, "alice", "secretalice", "me items")

	c, _, err := dialItems(t, srv, "?token="+johnItems, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if got := ping(t, c); got != johnEvent {
			t.Errorf("ping: %q, want %q", got, johnEvent)
		}
	}
	c.Close(websocket.StatusNormalClosure, "")

	// Anything but "ping" closes the connection with 1008 and a reason.
	c, _, err = dialItems(t, srv, "?token="+john, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.Write(ctx, websocket.MessageText, []byte("pong"))
	_, _, err = c.Read(ctx)
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation || ce.Reason != `Send the text message "ping"` {
		t.Errorf("after pong: %v", err)
	}
	c.CloseNow()

	// Pages of the CORS origins may open it, as pages of its own origin.
	for _, origin := range []string{"https://app.example", srv.URL} {
		c, _, err = dialItems(t, srv, "?token="+john, http.Header{"Origin": {origin}})
		if err != nil {
			t.Fatalf("from %s: %v", origin, err)
		}
		if got := ping(t, c); got != johnEvent {
			t.Errorf("from %s: %q", origin, got)
		}
		c.Close(websocket.StatusNormalClosure, "")
	}

	// Refused handshakes: the answers of /users/me/ and /users/me/items/.
	for _, tt := range []struct {
		name, query string
		h           http.Header
		status      int
		body, chal  string
	}{
		{"no token", "", nil, 401, notAuth, "Bearer"},
		{"empty token", "?token=", nil, 401, notAuth, "Bearer"},
		{"forged", "?token=not-a-jwt", nil, 401, invalidCreds, `Bearer scope="items"`},
		{"expired", "?token=" + issued(t, jwt.MapClaims{"sub": "johndoe", "scope": "me items", "exp": testNow.Add(-time.Second).Unix()}), nil, 401, invalidCreds, `Bearer scope="items"`},
		{"unknown user", "?token=" + issued(t, jwt.MapClaims{"sub": "nobody", "scope": "items", "exp": testNow.Add(time.Hour).Unix()}), nil, 401, invalidCreds, `Bearer scope="items"`},
		{"lacks items", "?token=" + johnMe, nil, 401, notEnough, `Bearer scope="items"`},
		{"alice does not hold items", "?token=" + alice, nil, 401, notEnough, `Bearer scope="items"`},
		{"token in the header only", "", http.Header{"Authorization": {"Bearer " + john}}, 401, notAuth, "Bearer"},
		{"another origin", "?token=" + john, http.Header{"Origin": {"https://evil.example"}}, 403, `{"detail":"Forbidden"}`, ""},
	} {
		c, resp, err := dialItems(t, srv, tt.query, tt.h)
		if err == nil {
			c.CloseNow()
			t.Errorf("%s: handshake accepted", tt.name)
			continue
		}
		if resp == nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		checkResp(t, tt.name, resp, tt.status, tt.body, "WWW-Authenticate", tt.chal)
	}

	// Not a handshake: 426.
	checkResp(t, "plain GET", send(t, "GET", srv.URL+"/ws/items?token="+john), 426, `{"detail":"Upgrade Required"}`, "Upgrade", "websocket")
}

// TestItemsSocketExpiry: the conversation ends when the token expires.
func TestItemsSocketExpiry(t *testing.T) {
	_, srv := serve(t, nil)
	// Valid for one more second by the example's clock (testNow).
	tok := issued(t, jwt.MapClaims{"sub": "johndoe", "scope": "items", "exp": testNow.Add(time.Second).Unix()})
	c, _, err := dialItems(t, srv, "?token="+tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if got := ping(t, c); got != johnEvent {
		t.Errorf("ping: %q", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, _, err = c.Read(ctx)
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation || ce.Reason != "Token expired" {
		t.Errorf("at expiry: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("closed after %v", d)
	}
}

// TestItemsSocketShutdown: App.Shutdown closes the open WebSockets with 1001
// and waits for their handlers.
func TestItemsSocketShutdown(t *testing.T) {
	f, srv := serve(t, nil)
	john := f.login(t, "johndoe", "secret", "me items")
	var conns []*websocket.Conn
	for range 3 {
		c, _, err := dialItems(t, srv, "?token="+john, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		if got := ping(t, c); got != johnEvent {
			t.Errorf("ping: %q", got)
		}
		conns = append(conns, c)
	}
	// The clients read, so that they answer the close handshake.
	errs := make(chan error, len(conns))
	for _, c := range conns {
		go func() {
			_, _, err := c.Read(context.Background())
			errs <- err
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.app.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for range conns {
		var ce websocket.CloseError
		if err := <-errs; !errors.As(err, &ce) || ce.Code != websocket.StatusGoingAway || ce.Reason != "Server shutting down" {
			t.Errorf("at shutdown: %v", err)
		}
	}
	// After it, a new WebSocket is closed at once.
	c, _, err := dialItems(t, srv, "?token="+john, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("after shutdown: %v", err)
	}
	if err := f.app.Shutdown(ctx); err != nil {
		t.Errorf("second shutdown: %v", err)
	}
}

// TestItemsSocketClientGone: a client that drops the connection
// mid-conversation (no close frame) ends the handler; nothing is left
// running and no database connection is in use.
func TestItemsSocketClientGone(t *testing.T) {
	f, srv := serve(t, nil)
	john := f.login(t, "johndoe", "secret", "me items")
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	for _, polite := range []bool{false, true} {
		c, _, err := dialItems(t, srv, "?token="+john, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := ping(t, c); got != johnEvent {
			t.Errorf("ping: %q", got)
		}
		if polite {
			c.Close(websocket.StatusGoingAway, "bye")
		} else {
			c.CloseNow()
		}
	}
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for f.app.DB().Stats().InUse != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := f.app.DB().Stats().InUse; n != 0 {
		t.Errorf("%d database connections in use", n)
	}
}

// TestCORS: the policy of KEEL_EXAMPLE_CORS_ORIGINS (rs/cors).
func TestCORS(t *testing.T) {
	_, srv := serve(t, func(c *app.Config) { c.CORSOrigins = []string{"https://app.example"} })
	u := srv.URL + "/users/me/"
	preflight := func(origin, headers string) *http.Response {
		return send(t, "OPTIONS", u, "Origin", origin, "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", headers)
	}
	checkResp(t, "preflight", preflight("https://app.example", "authorization"), 204, "",
		"Access-Control-Allow-Origin", "https://app.example",
		"Access-Control-Allow-Methods", "GET",
		"Access-Control-Allow-Headers", "authorization",
		"Access-Control-Allow-Credentials", "",
		"Access-Control-Max-Age", "600")
	checkResp(t, "preflight with Last-Event-ID", send(t, "OPTIONS", srv.URL+"/events", "Origin", "https://app.example",
		"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization,last-event-id"), 204, "",
		"Access-Control-Allow-Origin", "https://app.example",
		"Access-Control-Allow-Headers", "authorization,last-event-id")
	checkResp(t, "preflight from another origin", preflight("https://evil.example", "authorization"), 204, "",
		"Access-Control-Allow-Origin", "",
		"Access-Control-Allow-Methods", "",
		"Access-Control-Allow-Headers", "")
	checkResp(t, "preflight for a header not allowed", preflight("https://app.example", "x-custom"), 204, "",
		"Access-Control-Allow-Origin", "",
		"Access-Control-Allow-Headers", "")
	checkResp(t, "request", send(t, "GET", u, "Origin", "https://app.example"), 401, notAuth,
		"Access-Control-Allow-Origin", "https://app.example",
		"Access-Control-Expose-Headers", "Www-Authenticate, Retry-After",
		"WWW-Authenticate", "Bearer")
	checkResp(t, "request from another origin", send(t, "GET", u, "Origin", "https://evil.example"), 401, notAuth,
		"Access-Control-Allow-Origin", "",
		"Access-Control-Expose-Headers", "")

	// Without origins, no CORS at all: OPTIONS is Keel's 405.
	_, plain := serve(t, nil)
	checkResp(t, "no CORS", send(t, "OPTIONS", plain.URL+"/users/me/", "Origin", "https://app.example", "Access-Control-Request-Method", "GET"), 405,
		`{"detail":"Method Not Allowed"}`, "Access-Control-Allow-Origin", "")
}
