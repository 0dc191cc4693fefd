package interop_test

import (
	"bufio"
	"bytes"
	"context"
	"iter"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/response"
	"github.com/keelgo/keel/router"
)

// TestClientGoneLeavesNothing: a client that goes away in the middle of a
// JSON-lines stream, of Server-Sent Events (whose iterator runs on a
// goroutine of its own, beside the keep-alive ticker) or of a WebSocket
// conversation (with or without a close frame) stops its handler; the
// request-scope cleanups run, and no goroutine is left (goleak).
func TestClientGoneLeavesNothing(t *testing.T) {
	cleaned := make(chan string, 8)
	type res struct{}
	resource := di.Depends(di.Provide(func(r *http.Request) (res, di.Cleanup, error) {
		return res{}, func(err error) error { cleaned <- r.URL.Path; return err }, nil
	}))
	forever := func(ctx context.Context) iter.Seq[int] {
		return func(yield func(int) bool) {
			for i := 0; ; i++ {
				if !yield(i) {
					return
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Hour): // the client leaves first
				}
			}
		}
	}
	app, _ := quietApp()
	app.Get("/lines", func(ctx context.Context, _ res) (iter.Seq[int], error) { return forever(ctx), nil }, resource)
	app.Get("/events", func(ctx context.Context, _ res) (iter.Seq[response.Event], error) {
		return func(yield func(response.Event) bool) {
			for n := range forever(ctx) {
				if !yield(response.Event{Data: n}) {
					return
				}
			}
		}, nil
	}, resource, router.KeepAlive(5*time.Millisecond))
	app.WebSocket("/ws", func(ctx context.Context, c *websocket.Conn, _ res) error {
		for {
			typ, msg, err := c.Read(ctx)
			if err != nil {
				return err
			}
			if err := c.Write(ctx, typ, msg); err != nil {
				return err
			}
		}
	}, resource)
	srv := httptest.NewServer(app)
	defer srv.Close()
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	waitCleanup := func(path string) {
		t.Helper()
		select {
		case got := <-cleaned:
			if got != path {
				t.Errorf("cleanup of %s, want %s", got, path)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%s: no request-scope cleanup 10s after the client left", path)
		}
	}
	for _, path := range []string{"/lines", "/events"} {
		tr := &http.Transport{}
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(resp.Body).ReadString('\n')
		if err != nil || (line != "0\n" && line != "data: 0\n") {
			t.Fatalf("%s: first line %q %v", path, line, err)
		}
		if path == "/events" {
			time.Sleep(20 * time.Millisecond) // a few keep-alive comments
		}
		cancel()
		resp.Body.Close()
		tr.CloseIdleConnections()
		waitCleanup(path)
	}
	for _, polite := range []bool{false, true} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Write(ctx, websocket.MessageText, []byte("hi")); err != nil {
			t.Fatal(err)
		}
		if _, msg, err := c.Read(ctx); err != nil || string(msg) != "hi" {
			t.Fatalf("echo %q %v", msg, err)
		}
		if polite {
			c.Close(websocket.StatusGoingAway, "")
		} else {
			c.CloseNow()
		}
		cancel()
		waitCleanup("/ws")
	}
	http.DefaultClient.CloseIdleConnections()
}

// quietApp is an app whose log goes to a buffer.
func quietApp() (*router.App, *bytes.Buffer) {
	var logs bytes.Buffer
	return router.New(router.Info{Title: "test"}, router.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))), &logs
}
