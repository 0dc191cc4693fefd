package keelotel_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/keelotel"
	"github.com/keelgo/keel/router"
)

type Token string
type User struct{ Name string }
type DB struct{}

type ItemParams struct {
	ID int `path:"id"`
}

func readToken(r *http.Request) (Token, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", keel.NewHTTPError(401, "Not authenticated").WithHeader("WWW-Authenticate", "Bearer")
	}
	return Token(strings.TrimPrefix(h, "Bearer ")), nil
}

func currentUser(t Token) (*User, error) { return &User{Name: string(t)}, nil }

// openDB's span is the parent of work it starts with its context.
func openDB(ctx context.Context) (*DB, di.Cleanup, error) {
	_, child := trace.SpanFromContext(ctx).TracerProvider().Tracer("db").Start(ctx, "db.connect")
	child.End()
	return &DB{}, func(err error) error {
		if err == nil {
			return errors.New("commit failed")
		}
		return err
	}, nil
}

type span struct {
	name, parent string
	attrs        map[attribute.Key]attribute.Value
	status       codes.Code
	events       []string
}

func record(t *testing.T, h http.Handler, sr *tracetest.SpanRecorder, path, auth string) (int, []span) {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	ended := sr.Ended()
	byID := map[trace.SpanID]string{}
	for _, s := range ended {
		byID[s.SpanContext().SpanID()] = s.Name()
	}
	var out []span
	for _, s := range ended {
		sp := span{name: s.Name(), parent: byID[s.Parent().SpanID()], attrs: map[attribute.Key]attribute.Value{}, status: s.Status().Code}
		for _, a := range s.Attributes() {
			sp.attrs[a.Key] = a.Value
		}
		for _, e := range s.Events() {
			sp.events = append(sp.events, e.Name)
		}
		out = append(out, sp)
	}
	return w.Code, out
}

// Each provider is a child span of otelhttp's request span, named after it,
// with cache hits as attributes and errors recorded.
func TestSpans(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	defer tp.Shutdown(context.Background())
	app := router.New(router.Info{Title: "traced"}, router.WithTracer(keelotel.New(tp)), router.WithLogger(slog.New(slog.DiscardHandler)))
	user := di.Provide(currentUser, di.Provide(readToken))
	owner := di.Provide(func(u *User) (string, error) { return u.Name, nil }, user)
	db := di.Depends(di.Provide(openDB)).InScope(di.ScopeFunction)
	app.Get("/items/{id}", func(p ItemParams, u *User, o string, _ *DB) (string, error) { return o, nil }, user, owner, db)
	h := otelhttp.NewHandler(app, "http.server", otelhttp.WithTracerProvider(tp))

	code, spans := record(t, h, sr, "/items/7", "Bearer johndoe")
	if code != 500 { // the commit failed in function scope
		t.Fatalf("status %d", code)
	}
	var names []string
	for _, s := range spans {
		names = append(names, s.name)
	}
	want := []string{
		"keel.resolve keelotel_test.readToken",
		"keel.resolve keelotel_test.currentUser",
		"keel.resolve keelotel_test.currentUser", // the cache hit (owner's)
		"keel.resolve keelotel_test.TestSpans.func1",
		"db.connect",
		"keel.resolve keelotel_test.openDB",
		"keel.resolve params(keelotel_test.ItemParams)",
		"keel.resolve keelotel_test.TestSpans.func2",
		"keel.cleanup keelotel_test.openDB",
		"GET /items/{id}", // otelhttp's request span, named after the route Keel matched (r.Pattern)
	}
	if !slices.Equal(names, want) {
		t.Fatalf("spans:\n got %q\nwant %q", names, want)
	}
	for i, s := range spans[:len(spans)-1] {
		wantParent := "GET /items/{id}"
		if s.name == "db.connect" {
			wantParent = "keel.resolve keelotel_test.openDB"
		}
		if s.parent != wantParent {
			t.Errorf("%s: parent %q, want %q", s.name, s.parent, wantParent)
		}
		if s.name == "db.connect" {
			continue
		}
		cached := i == 2
		if s.attrs[keelotel.AttrCached].AsBool() != cached {
			t.Errorf("%s: keel.cached=%v", s.name, s.attrs[keelotel.AttrCached].AsBool())
		}
		if got := s.attrs[keelotel.AttrHandler].AsBool(); got != (s.name == "keel.resolve keelotel_test.TestSpans.func2") {
			t.Errorf("%s: keel.handler=%v", s.name, got)
		}
	}
	cleanup := spans[len(spans)-2]
	if cleanup.status != codes.Error || !slices.Equal(cleanup.events, []string{"exception"}) || cleanup.attrs[keelotel.AttrPhase].AsString() != "cleanup" {
		t.Errorf("the failed cleanup: %+v", cleanup)
	}

	// A 401 is recorded on the scheme's span, with its status, not as a failure.
	sr2 := tracetest.NewSpanRecorder()
	tp.RegisterSpanProcessor(sr2)
	code, spans = record(t, h, sr2, "/items/7", "")
	if code != 401 {
		t.Fatalf("status %d", code)
	}
	tok := spans[0]
	if tok.name != "keel.resolve keelotel_test.readToken" || tok.status == codes.Error || tok.attrs[keelotel.AttrStatus].AsInt64() != 401 || len(tok.events) != 1 {
		t.Errorf("the refused token: %+v", tok)
	}
}
