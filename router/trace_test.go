package router_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
)

// recordingTracer records the events a Tracer is told, and puts a value in
// the context it returns so that the test sees providers receive it.
type recordingTracer struct {
	mu     sync.Mutex
	events []string
	depth  int
}

type spanKey struct{}

func (t *recordingTracer) StartProvider(ctx context.Context, ev di.ProviderEvent) context.Context {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.depth++
	return context.WithValue(ctx, spanKey{}, ev.Name)
}

func (t *recordingTracer) EndProvider(ctx context.Context, ev di.ProviderEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.depth--
	s := ev.Phase.String() + " " + ev.Name
	if ctx.Value(spanKey{}) != ev.Name {
		s += " (wrong context)"
	}
	if ev.Handler {
		s += " handler"
	}
	if ev.Cached {
		s += " cached"
	}
	if ev.Err != nil {
		s += " err=" + ev.Err.Error()
	}
	if ev.Duration < 0 || (ev.Cached && ev.Duration != 0) {
		s += fmt.Sprintf(" duration=%v", ev.Duration)
	}
	t.events = append(t.events, s)
}

type traceUser struct{ Name string }
type traceToken string
type traceDB struct{}

type traceParams struct {
	Q string `query:"q" default:""`
}

func traceTokenFn(ctx context.Context) (traceToken, error) {
	if ctx.Value(spanKey{}) != "router_test.traceTokenFn" {
		return "", errors.New("the provider did not get the tracer's context")
	}
	return "tok", nil
}

func traceUserFn(t traceToken) (*traceUser, error) { return &traceUser{Name: string(t)}, nil }

func traceDBFn() (*traceDB, di.Cleanup, error) {
	return &traceDB{}, func(err error) error {
		if err == nil {
			return errors.New("commit failed")
		}
		return err
	}, nil
}

// The Tracer sees every provider's call by name with its error, the cache hit
// of a provider used twice, the handler, and the cleanups with the error they
// returned; providers taking a context get the Tracer's.
func TestTracer(t *testing.T) {
	tr := &recordingTracer{}
	app, logs := quietApp(router.WithTracer(tr))
	tok := di.Provide(traceTokenFn)
	user := di.Provide(traceUserFn, tok)
	db := di.Depends(di.Provide(traceDBFn)).InScope(di.ScopeFunction)
	twice := di.Provide(func(u *traceUser, p traceParams) (string, error) {
		if p.Q == "fail" {
			return "", keel.NewHTTPError(403, "no")
		}
		return u.Name, nil
	}, user)
	app.Get("/t", func(u *traceUser, s string, db *traceDB) (string, error) { return u.Name + s, nil }, user, twice, db)

	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("GET", "/t", nil))
	if w.Code != 500 || !strings.Contains(logs.String(), "commit failed") {
		t.Fatalf("got %d %s; logs %s", w.Code, w.Body, logs)
	}
	want := []string{
		"resolve router_test.traceTokenFn",
		"resolve router_test.traceUserFn",
		"resolve router_test.traceUserFn cached",
		"resolve params(router_test.traceParams)",
		"resolve router_test.TestTracer.func1",
		"resolve router_test.traceDBFn",
		"resolve router_test.TestTracer.func2 handler",
		"cleanup router_test.traceDBFn err=commit failed",
	}
	if !slices.Equal(tr.events, want) {
		t.Errorf("events:\n got %q\nwant %q", tr.events, want)
	}

	tr.events = nil
	w = httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("GET", "/t?q=fail", nil))
	if w.Code != 403 {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
	if got := tr.events[len(tr.events)-1]; got != "resolve router_test.TestTracer.func1 err=403 no" {
		t.Errorf("last event %q; all %q", got, tr.events)
	}
	if tr.depth != 0 {
		t.Errorf("%d StartProvider calls without EndProvider", tr.depth)
	}
}
