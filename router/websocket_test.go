package router_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/testutil"
	"github.com/keelgo/keel/router"
)

type wsToken struct {
	Token string `query:"token" default:""`
}

type wsUser struct{ Name string }

func wsCurrentUser(p wsToken, scopes di.SecurityScopes) (*wsUser, error) {
	if p.Token == "" {
		return nil, keel.NewHTTPError(401, "Not authenticated").WithHeader("WWW-Authenticate", "Bearer")
	}
	if p.Token != "alice" && p.Token != "bob" {
		return nil, keel.NewHTTPError(401, "Could not validate credentials").WithHeader("WWW-Authenticate", "Bearer")
	}
	if slices.Contains(scopes.Scopes, "items") && p.Token != "alice" {
		return nil, keel.NewHTTPError(401, "Not enough permissions").WithHeader("WWW-Authenticate", `Bearer scope="items"`)
	}
	return &wsUser{p.Token}, nil
}

type wsRoom struct {
	Room string `path:"room"`
	Size int    `query:"size" default:"10" validate:"lte=100"`
}

func wsApp(t *testing.T, log *lockedLog) (*router.App, *syncWriter) {
	var logs syncWriter
	app := router.New(router.Info{}, router.WithLogger(newTextLogger(&logs)))
	user := di.Provide(wsCurrentUser)
	type session struct{}
	sess := di.Provide(func() (session, di.Cleanup, error) {
		log.add("session open")
		return session{}, func(err error) error {
			if err != nil {
				log.add("session closed: " + err.Error())
			} else {
				log.add("session closed")
			}
			return err
		}, nil
	})
	app.WebSocket("/ws/{room}", func(ctx context.Context, conn *websocket.Conn, u *wsUser, p wsRoom, _ session) error {
		for {
			typ, msg, err := conn.Read(ctx)
			if err != nil {
				return err
			}
			switch string(msg) {
			case "forbidden":
				return keel.NewHTTPError(403, "Not your room")
			case "boom":
				return errors.New("database gone")
			case "panic":
				panic("handler broke")
			case "bye":
				return nil
			case "custom":
				return websocket.CloseError{Code: 4001, Reason: "custom close"}
			}
			if err := conn.Write(ctx, typ, []byte(u.Name+"@"+p.Room+": "+string(msg))); err != nil {
				return err
			}
		}
	}, di.Security(user, "items"), sess)
	app.WebSocket("/open", func(ctx context.Context, conn *websocket.Conn) error {
		return conn.Write(ctx, websocket.MessageText, []byte("hi"))
	}, router.WebSocketOptions(websocket.AcceptOptions{OriginPatterns: []string{"app.example"}}))
	return app, &logs
}

func dial(t *testing.T, url string, h http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: h})
}

// The dependencies are resolved during the handshake: a failure refuses it
// with the App's normal answer, which the client sees.
func TestWebSocketHandshakeRefused(t *testing.T) {
	var log lockedLog
	app, _ := wsApp(t, &log)
	srv := httptest.NewServer(app)
	defer srv.Close()
	ws := "ws" + strings.TrimPrefix(srv.URL, "http")
	for _, c := range []struct {
		url, challenge, body string
		status               int
		origin               string
	}{
		{"/ws/lobby", "Bearer", `{"detail":"Not authenticated"}`, 401, ""},
		{"/ws/lobby?token=mallory", "Bearer", `{"detail":"Could not validate credentials"}`, 401, ""},
		{"/ws/lobby?token=bob", `Bearer scope="items"`, `{"detail":"Not enough permissions"}`, 401, ""},
		{"/ws/lobby?token=alice&size=1000", "", `{"detail":[{"type":"less_than_equal","loc":["query","size"],"msg":"Input should be less than or equal to 100","input":"1000","ctx":{"le":100}}]}`, 422, ""},
		{"/ws/lobby?token=alice", "", `{"detail":"Forbidden"}`, 403, "https://evil.example"},
		{"/open", "", `{"detail":"Forbidden"}`, 403, "https://evil.example"},
	} {
		h := http.Header{}
		if c.origin != "" {
			h.Set("Origin", c.origin)
		}
		conn, res, err := dial(t, ws+c.url, h)
		if err == nil {
			conn.CloseNow()
			t.Errorf("%s: upgraded", c.url)
			continue
		}
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != c.status || res.Header.Get("WWW-Authenticate") != c.challenge || !jsonEqual(string(body), c.body) {
			t.Errorf("%s: %d %q %s", c.url, res.StatusCode, res.Header.Get("WWW-Authenticate"), body)
		}
	}
	// The session opened once, for the 422 (the user resolves before it, the
	// parameters after it, as in FastAPI), and was closed with its error; no
	// dependency ran for the refused origins.
	if got := log.get(); !slices.Equal(got, []string{"session open", "session closed: validation failed: 1 error(s), first less_than_equal at query.size"}) {
		t.Errorf("the session: %q", got)
	}
	// A request that is no handshake.
	res := testutil.Get(app, "/ws/lobby?token=alice")
	if res.Status != 426 || res.Header.Get("Upgrade") != "websocket" || res.Body != `{"detail":"Upgrade Required"}` {
		t.Errorf("plain GET: %d %v %s", res.Status, res.Header, res.Body)
	}
	if res := testutil.Do(app, testutil.Request{Method: "POST", URL: "/ws/lobby"}); res.Status != 405 || res.Header.Get("Allow") != "GET" {
		t.Errorf("POST: %d %v", res.Status, res.Header)
	}
}

// After the upgrade: messages, and the handler's end closes the connection
// with a status and a reason; cleanups run when it closes.
func TestWebSocketSession(t *testing.T) {
	var log lockedLog
	app, logs := wsApp(t, &log)
	srv := httptest.NewUnstartedServer(app)
	srv.Config.WriteTimeout = 100 * time.Millisecond // lifted for the connection
	srv.Config.ReadTimeout = 100 * time.Millisecond
	srv.Start()
	defer srv.Close()
	ws := "ws" + strings.TrimPrefix(srv.URL, "http")
	ctx := context.Background()

	for _, c := range []struct {
		last   string
		code   websocket.StatusCode
		reason string
		after  string
	}{
		{"bye", websocket.StatusNormalClosure, "", "session closed"},
		{"forbidden", websocket.StatusPolicyViolation, "Not your room", "session closed: 403 Not your room"},
		{"boom", websocket.StatusInternalError, "Internal Server Error", "session closed: database gone"},
		{"panic", websocket.StatusInternalError, "Internal Server Error", "session closed: panic: handler broke"},
		{"custom", 4001, "custom close", "session closed: failed to close WebSocket: status = StatusCode(4001) and reason = \"custom close\""},
	} {
		conn, res, err := dial(t, ws+"/ws/lobby?token=alice", http.Header{"Origin": {srv.URL}})
		if err != nil {
			t.Fatalf("%s: %v", c.last, err)
		}
		if res.StatusCode != 101 {
			t.Fatalf("%s: %d", c.last, res.StatusCode)
		}
		time.Sleep(150 * time.Millisecond) // past the server's timeouts
		if err := conn.Write(ctx, websocket.MessageText, []byte("ping")); err != nil {
			t.Fatal(err)
		}
		_, msg, err := conn.Read(ctx)
		if err != nil || string(msg) != "alice@lobby: ping" {
			t.Fatalf("%s: %q %v", c.last, msg, err)
		}
		if err := conn.Write(ctx, websocket.MessageText, []byte(c.last)); err != nil {
			t.Fatal(err)
		}
		_, _, err = conn.Read(ctx)
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != c.code || ce.Reason != c.reason {
			t.Errorf("%s: closed with %v", c.last, err)
		}
		conn.CloseNow()
		if c.last != "custom" {
			waitFor(t, &log, c.after)
		}
	}
	out := logs.String()
	for _, want := range []string{`msg="keel: WebSocket handler failed" path=/ws/lobby error="database gone"`, `error="panic: handler broke" stack=`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Not your room") {
		t.Errorf("a 4xx close is not logged:\n%s", out)
	}

	// The client goes away: the handler's read fails, the cleanup runs.
	conn, _, err := dial(t, ws+"/ws/lobby?token=alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close(websocket.StatusGoingAway, "")
	waitFor(t, &log, "session closed: failed to get reader: received close frame: status = StatusGoingAway and reason = \"\"")

	// OriginPatterns lets another origin in.
	conn, _, err = dial(t, ws+"/open", http.Header{"Origin": {"https://app.example"}})
	if err != nil {
		t.Fatal(err)
	}
	_, msg, err := conn.Read(ctx)
	if err != nil || string(msg) != "hi" {
		t.Errorf("%q %v", msg, err)
	}
	conn.CloseNow()
}

func TestWebSocketRegistrationErrors(t *testing.T) {
	for name, reg := range map[string]func(a *router.App){
		"no connection parameter": func(a *router.App) {
			a.WebSocket("/ws", func() error { return nil })
		},
		"a value result": func(a *router.App) {
			a.WebSocket("/ws", func(*websocket.Conn) (string, error) { return "", nil })
		},
		"a connection on an HTTP route": func(a *router.App) {
			a.Get("/x", func(*websocket.Conn) (string, error) { return "", nil })
		},
		"a connection in a provider": func(a *router.App) {
			type dep struct{}
			a.WebSocket("/ws", func(*websocket.Conn, dep) error { return nil }, di.Provide(func(*websocket.Conn) dep { return dep{} }))
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: registered", name)
				}
			}()
			app, _ := quietApp()
			reg(app)
		}()
	}
	// WebSocket routes are not in the OpenAPI document.
	app, _ := quietApp()
	app.WebSocket("/ws", func(*websocket.Conn) error { return nil })
	doc, _ := app.OpenAPI()
	if strings.Contains(string(doc), "/ws") {
		t.Errorf("documented: %s", doc)
	}
}
