package router_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
)

// lockedLog is a log of steps, safe for the request's goroutine and the test's.
type lockedLog struct {
	mu    sync.Mutex
	steps []string
}

func (l *lockedLog) add(s string) { l.mu.Lock(); l.steps = append(l.steps, s); l.mu.Unlock() }
func (l *lockedLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.steps)
}

// syncWriter is an io.Writer for a logger written by a request's goroutine
// and read by the test.
type syncWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string { w.mu.Lock(); defer w.mu.Unlock(); return w.b.String() }

// docs/fastapi-compat.md §3.10: FastAPI's order (tests/test_dependency_contextmanager.py
// test_background_tasks): function-scope cleanups before the response, then the
// response, then the tasks in order, then request-scope cleanups, innermost
// first; the tasks still see what request-scope providers opened. Over a real
// socket: the client has the whole response while the first task waits.
func TestBackgroundOrder(t *testing.T) {
	var log lockedLog
	release := make(chan struct{})
	type session struct{ open bool }
	outer := di.Provide(func() (*session, di.Cleanup, error) {
		s := &session{open: true}
		log.add("outer setup")
		return s, func(err error) error { s.open = false; log.add("outer cleanup"); return err }, nil
	})
	type inner struct{ s *session }
	in := di.Provide(func(s *session, bg *di.Background) (inner, di.Cleanup, error) {
		bg.Add(func(context.Context) error { log.add("task from provider"); return nil })
		return inner{s}, func(err error) error { log.add("inner cleanup"); return err }, nil
	}, outer)
	type fnScoped struct{}
	fs := di.Depends(di.Provide(func() (fnScoped, di.Cleanup, error) {
		return fnScoped{}, func(err error) error { log.add("function cleanup"); return err }, nil
	})).InScope(di.ScopeFunction)
	app, _ := quietApp()
	app.Get("/bg", func(i inner, _ fnScoped, bg *di.Background) (map[string]bool, error) {
		bg.Add(func(ctx context.Context) error {
			<-release
			log.add("task 1 sees the session open: " + map[bool]string{true: "yes", false: "no"}[i.s.open])
			return nil
		})
		bg.Add(func(context.Context) error { log.add("task 2"); return nil })
		log.add("handler")
		return map[string]bool{"ok": true}, nil
	}, in, fs)
	srv := httptest.NewServer(app)
	defer srv.Close()

	res, err := http.Get(srv.URL + "/bg")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body) // the whole body, while task 1 waits
	res.Body.Close()
	if err != nil || string(body) != `{"ok":true}` || res.StatusCode != 200 {
		t.Fatalf("got %d %q %v", res.StatusCode, body, err)
	}
	if got := log.get(); slices.Contains(got, "outer cleanup") || !slices.Contains(got, "function cleanup") {
		t.Fatalf("before the tasks ran: %q", got)
	}
	close(release)
	want := []string{"outer setup", "handler", "function cleanup", "task from provider",
		"task 1 sees the session open: yes", "task 2", "inner cleanup", "outer cleanup"}
	deadline := time.Now().Add(5 * time.Second)
	for len(log.get()) < len(want) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := log.get(); !slices.Equal(got, want) {
		t.Errorf("order:\n got %q\nwant %q", got, want)
	}
}

// A task's error and panic are logged and the next task runs; tasks do not
// run when the request fails (FastAPI attaches them to the success response).
func TestBackgroundFailures(t *testing.T) {
	var log lockedLog
	var logs syncWriter
	app := router.New(router.Info{}, router.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	app.Get("/tasks", func(bg *di.Background) (string, error) {
		bg.Add(func(context.Context) error { return errors.New("mail server down") })
		bg.Add(func(context.Context) error { panic("boom") })
		bg.Add(func(context.Context) error { log.add("third ran"); return nil })
		return "ok", nil
	})
	app.Get("/fails", func(bg *di.Background) (string, error) {
		bg.Add(func(context.Context) error { log.add("must not run"); return nil })
		return "", keel.NewHTTPError(400, "no")
	})
	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("GET", "/tasks", nil))
	if w.Code != 200 || w.Body.String() != `"ok"` {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("GET", "/fails", nil))
	if w.Code != 400 {
		t.Fatalf("got %d", w.Code)
	}
	if got := log.get(); !slices.Equal(got, []string{"third ran"}) {
		t.Errorf("tasks run: %q", got)
	}
	out := logs.String()
	for _, want := range []string{`msg="keel: background task failed" method=GET path=/tasks task=1 of=3 error="mail server down"`,
		`msg="keel: background task panicked" method=GET path=/tasks task=2 of=3 panic=boom stack=`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}

// Shutdown waits for running tasks; past its deadline it cancels their
// context and says how many requests were still running tasks. A task's
// context is not the request's: it outlives the client.
func TestShutdownWaitsForTasks(t *testing.T) {
	app, _ := quietApp()
	started := make(chan struct{}, 2)
	finish := make(chan struct{})
	stopped := make(chan error, 1)
	app.Get("/slow", func(bg *di.Background) (string, error) {
		bg.Add(func(ctx context.Context) error {
			started <- struct{}{}
			<-finish
			return nil
		})
		return "ok", nil
	})
	app.Get("/stubborn", func(bg *di.Background) (string, error) {
		bg.Add(func(ctx context.Context) error {
			started <- struct{}{}
			<-ctx.Done()
			stopped <- ctx.Err()
			return nil
		})
		return "ok", nil
	})
	if err := app.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown with no tasks: %v", err)
	}
	go app.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/slow", nil))
	<-started
	done := make(chan error, 1)
	go func() { done <- app.Shutdown(context.Background()) }()
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v while a task ran", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(finish)
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}

	go app.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/stubborn", nil))
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := app.Shutdown(ctx)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "1 request(s) still running background tasks") {
		t.Fatalf("Shutdown past its deadline: %v", err)
	}
	if err := <-stopped; !errors.Is(err, context.Canceled) {
		t.Fatalf("the task's context: %v", err)
	}
}

// A route that does not take a *di.Background pays nothing for it: the
// plan says so at registration.
func TestBackgroundRegistration(t *testing.T) {
	app, _ := quietApp()
	type dep struct{}
	app.Get("/x", func(_ dep) (string, error) { return "x", nil }, di.Provide(func(bg *di.Background) dep {
		bg.Add(func(context.Context) error { return nil })
		return dep{}
	}))
	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	if w.Code != 200 {
		t.Fatal(w.Code)
	}
}
